#pragma once
// The ensemble layer: an experiment is num_points parameter points times samples_per_point
// independent samples; a task is one (point, sample). Tasks are spread over MPI ranks with
// dynamic load balancing (rank 0 hands out tasks on request, most expensive first) and over
// compute threads within a rank (an OpenMP team whose thread 0 coordinates). A task's values
// depend only on its (point, sample) and the parameters, never on where or when it ran; rank 0
// stores them by task id, so the merged result is identical for any rank or thread count.
// Stop requests (signals on any rank, --time-limit) are decided on rank 0 and broadcast;
// completed tasks go to periodic and final checkpoints.
//
// Progress. Rank 0's progress line counts finished tasks by their cost and running ones by the
// fraction they report (Task::progress, report_progress): worker ranks send the work of their
// running tasks at most once a second and before any results, so a finished task is never
// counted twice. Display only; results never depend on it.
//
// Besides its fixed values a task may return variable-length records (ensemble/records.hpp):
// EnsembleSpec::records names them and run_with_records computes them. They travel with the
// task's values (over MPI, into checkpoints, back on resume) and come out in task order.
//
// Suspendable tasks. A task that polls its CancelFlag may, instead of throwing nnsim::Cancelled
// (its work is lost and it reruns from scratch), throw nnsim::Suspended{bytes}: a non-empty
// serialisation of everything the rest of its computation depends on (its own format). The
// task then counts as not done, like a cancelled one, but the scheduler carries the bytes to
// rank 0 with the outcome, keeps them by task id, writes them into the checkpoint (format
// version 5, checkpoint.hpp) and, when a resumed run hands the task out again, gives them back
// as Task::resume_state, so the task continues where it stopped. A task cancelled again before
// it throws a newer Suspended keeps its older state; a task that completes drops it. The contract is the
// one of every task: the values and records of a task resumed from its state must equal, bit
// for bit, those of an uninterrupted run. Tasks that never throw Suspended behave as before.

#include <mpi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ensemble/checkpoint.hpp"
#include "ensemble/records.hpp"

namespace nnsim {

struct Task {
  std::uint64_t id = 0;     ///< point * samples_per_point + (sample - first_sample)
  std::uint64_t point = 0;  ///< index of the point in this run
  std::uint64_t sample = 0; ///< sample number: first_sample + index of the sample in this run
  /// The bytes of an earlier nnsim::Suspended of this task (file comment); empty = start afresh.
  std::vector<unsigned char> resume_state;
  /// Where a long task may store the fraction of its work done so far, in [0, 1] (report_progress);
  /// rank 0's progress line then counts running tasks by it. Display only: it never changes a
  /// result. Null outside the scheduler.
  std::atomic<double>* progress = nullptr;
};

/// Stores a running task's fraction done (clamped to [0, 1]) for the progress line; a no-op for
/// a task without a progress slot.
inline void report_progress(const Task& task, double fraction) {
  if (task.progress) task.progress->store(fraction < 0 ? 0.0 : fraction > 1 ? 1.0 : fraction, std::memory_order_relaxed);
}

/// Set when a run is stopping; long kernels may poll it and throw nnsim::Cancelled, or
/// nnsim::Suspended to hand back their partial state.
using CancelFlag = std::atomic<bool>;

/// Thrown by a task that saw its CancelFlag and hands back its partial state (file comment).
/// An empty state counts as a plain cancellation.
class Suspended : public std::exception {
 public:
  explicit Suspended(std::vector<unsigned char> bytes) : state(std::move(bytes)) {}
  const char* what() const noexcept override { return "task suspended"; }
  std::vector<unsigned char> state;
};

/// What a task of an experiment with record observables returns.
struct TaskOutput {
  std::vector<double> values;                ///< EnsembleSpec::values_per_task() fixed values
  std::vector<std::vector<double>> records;  ///< per record observable: rows x width, row-major
};

/// What the ensemble layer needs to know of an experiment.
struct EnsembleSpec {
  std::uint64_t num_points = 0;
  std::uint64_t samples_per_point = 0;
  /// Number of the first sample of every point (--first-sample): task k of a point runs sample
  /// first_sample + k, so runs over disjoint sample ranges add up to one larger run.
  std::uint64_t first_sample = 0;
  std::vector<std::string> observables;
  /// Values per sample of each observable (a time series has many); empty means 1 each.
  std::vector<std::size_t> widths;
  std::size_t width(std::size_t k) const { return widths.empty() ? 1 : widths[k]; }
  /// Values a task returns: the sum of the widths.
  std::size_t values_per_task() const {
    std::size_t total = 0;
    for (std::size_t k = 0; k < observables.size(); ++k) total += width(k);
    return total;
  }
  /// Relative cost of one task at a point (for scheduling order only); may be empty.
  std::function<double(std::uint64_t point)> cost;
  /// Computes one task: width(k) values for each observable k, in order. Called concurrently
  /// from several threads. Not used when run_with_records is set.
  std::function<std::vector<double>(const Task&, const CancelFlag&)> run;
  /// Variable-length observables (ensemble/records.hpp): names distinct from `observables` and
  /// from each other, no '/', width >= 1. Empty for an experiment of fixed values only.
  std::vector<RecordObservable> records;
  /// Computes one task with its records: the fixed values as `run` does, and for each record
  /// observable any number of rows (zero included). Required when `records` is not empty; used
  /// instead of `run` when set. Called concurrently from several threads.
  std::function<TaskOutput(const Task&, const CancelFlag&)> run_with_records;
};

struct RunControl {
  int threads = 1;
  double time_limit = 0;             ///< seconds; 0 = none
  double checkpoint_interval = 600;  ///< seconds
  bool progress = true;
  /// Rank 0, whenever the progress line is due (after 2 s, then at doubling intervals, also with
  /// progress = false): tasks done, work done including the reported fractions of running tasks
  /// on every rank (Task::progress), and the total work, in the units of EnsembleSpec::cost.
  std::function<void(std::uint64_t tasks_done, double work_done, double total_work)> on_progress;
  std::string checkpoint_path;  ///< empty: never checkpoint
  std::string parameters_json;  ///< stored in checkpoints, matched on resume
  std::string git_commit;
  /// Rank 0 (testing aid): stop as if signalled once this many tasks finished in this run;
  /// 0 = take NNSIM_STOP_AFTER_TASKS from the environment (itself 0 or unset = never).
  std::uint64_t stop_after_tasks = 0;
  /// Rank 0: tasks already done. Consumed: run_ensemble moves its values into the result and
  /// releases its arrays, so a resumed run does not hold the checkpoint's values twice.
  Checkpoint* resume_from = nullptr;
};

/// NNSIM_STOP_AFTER_TASKS=K (testing aid), read on rank 0: 0 when unset, empty or not a
/// non-negative integer (with a warning).
std::uint64_t stop_after_tasks_from_environment();

/// The merged result; meaningful on rank 0 only.
struct EnsembleResult {
  bool complete = false;
  std::string stop_reason;             ///< why an incomplete run stopped
  std::vector<double> values;          ///< [task][observable], NaN where not done
  std::vector<std::uint8_t> done;      ///< [task]
  /// [record observable]: each done task's rows, by task id (empty where not done); flatten()
  /// (records.hpp) concatenates them in task order.
  std::vector<RecordColumn> records;
  std::uint64_t tasks_done = 0;        ///< including resumed ones
  std::uint64_t tasks_resumed = 0;     ///< taken from the checkpoint
  /// Tasks completed in this run that continued from a suspended state (Task::resume_state).
  std::uint64_t tasks_continued = 0;
  /// Suspended states of tasks not done (task id -> bytes), written into checkpoints.
  std::map<std::uint64_t, std::vector<unsigned char>> suspended;
  double elapsed_seconds = 0;
  std::string checkpoint_written;      ///< path of the final checkpoint, if one was written
};

/// Runs every task not already done; collective over `comm`.
EnsembleResult run_ensemble(const EnsembleSpec& spec, const RunControl& control, MPI_Comm comm);

/// Throws std::logic_error unless the record observables of `spec` are usable (see
/// EnsembleSpec::records); run_ensemble calls it.
void check_record_observables(const EnsembleSpec& spec);

/// A Checkpoint holding the completed tasks of `result` (a copy of their values and records).
Checkpoint make_checkpoint(const EnsembleSpec& spec, const RunControl& control,
                           const EnsembleResult& result);

/// Writes the checkpoint of `result` to `path`: the same file as
/// save_checkpoint(path, make_checkpoint(...)), written from the result's own arrays without a
/// copy of the values (what the run does at every checkpoint). Records, if any, are concatenated
/// into one buffer per record observable for the write.
void save_result_checkpoint(const std::string& path, const EnsembleSpec& spec, const RunControl& control,
                            const EnsembleResult& result);

}  // namespace nnsim
