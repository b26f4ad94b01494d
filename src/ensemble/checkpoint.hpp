#pragma once
// Checkpoints of an ensemble run: which tasks are complete and their per-task values. Tasks
// are pure functions of (parameters, seed, point, sample), so nothing else needs saving: a
// resumed run recomputes the missing tasks and ends with exactly the numbers of an
// uninterrupted one. The one addition: the mid-run states of suspendable tasks that were in
// flight at the stop (scheduler.hpp), from which the resumed run continues them. Layout (fixed
// paths; load mirrors save):
//   attrs  format ("nnsim-checkpoint"), format_version (3 without record observables, 4 with,
//          5 with suspended task states),
//          parameters_json, git_commit, num_points, samples_per_point, content_checksum
//          (uint64: fmix64(FNV-1a-64) of parameters_json, the task id bytes, the value bytes and,
//          in version 4, per record observable its offset bytes and value bytes; checked on load)
//   /observables   names, in value order
//   /widths        uint64 [observables]  values per task of each
//   /task_ids      uint64 [done]       ids (point * samples_per_point + sample), ascending
//   /values        float64 [done, sum(widths)]
// Version 4 only (an experiment with record observables, ensemble/records.hpp):
//   /record_observables         names
//   /record_widths              uint64 [record observables]  values per row of each
//   /records/<name>/offsets     uint64 [done + 1]  rows of the i-th done task (task_ids[i]) are
//                               offsets[i] .. offsets[i+1]
//   /records/<name>/values      float64 [rows, width]
// Version 5 only (a run stopped while suspendable tasks were in flight, scheduler.hpp): the
// record datasets above if the experiment has record observables, and
//   /suspended/task_ids   uint64 [suspended]      ids of tasks not done that left a state, ascending
//   /suspended/offsets    uint64 [suspended + 1]  the state of the i-th is bytes offsets[i] .. offsets[i+1]
//   /suspended/bytes      uint8 [total]           the states (opaque to this layer)
// the checksum then also covering the suspended ids, offsets and bytes.
// A run without record observables writes version 3, the format of earlier builds, which still
// read those files; a version 4 file is refused by them as an unsupported version, and so is a
// version 5 one (written only when a checkpoint holds suspended states), so an older build
// never silently restarts a task whose mid-run state the file holds.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ensemble/records.hpp"

namespace nnsim {

struct Checkpoint {
  std::string parameters_json;  ///< options that determine results (run control excluded)
  std::string git_commit;
  std::uint64_t num_points = 0;
  std::uint64_t samples_per_point = 0;
  std::vector<std::string> observables;
  std::vector<std::uint64_t> widths;  ///< values per task of each observable
  std::vector<std::uint64_t> task_ids;
  std::vector<double> values;  ///< task_ids.size() x sum(widths), row-major
  std::vector<std::string> record_observables;  ///< names of the record observables (may be empty)
  /// [record observable]: entry i holds the rows of task task_ids[i]; its width is the row width.
  std::vector<FlatRecords> records;
  /// Tasks not done that left a suspended state (ascending ids) and their states.
  std::vector<std::uint64_t> suspended_ids;
  std::vector<std::vector<unsigned char>> suspended_states;
  std::uint64_t values_per_task() const {
    std::uint64_t total = 0;
    for (const auto w : widths) total += w;
    return total;
  }
};

/// Writes atomically (temporary file, then rename over any previous checkpoint).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
/// Writes the same file as save_checkpoint of a Checkpoint holding the done tasks of a run, from
/// the run's own arrays and without copying its values: `values` holds values_per_task() values
/// for every task of the run ([task][value]), `done` flags the tasks to keep; `header` gives
/// everything but task_ids and values (its records hold one entry per done task, in id order).
/// Rank 0 needs no second copy of its values (docs/design.md).
void save_checkpoint(const std::string& path, const Checkpoint& header, std::span<const double> values,
                     std::span<const std::uint8_t> done);
/// Reads and checks structure; throws UsageError naming the file if it is not a valid
/// checkpoint (corrupt, truncated, wrong format).
Checkpoint load_checkpoint(const std::string& path);
/// The refusal of a checkpoint written with other parameters: "<what> belongs to a run with other
/// parameters: --seed is '3' in the checkpoint, '4' in this run; ..." (each option that differs,
/// from the two flat parameters_json objects), both objects in full, and what to do.
std::string parameters_mismatch_message(const std::string& what, const std::string& checkpoint_json,
                                        const std::string& run_json);

/// Throws UsageError unless `checkpoint` was written by a run with the same result-relevant
/// parameters, task layout (record observables included) and code version (a resumed file must
/// not mix results of two versions of the code; "unknown" versions, from builds outside git, are
/// not compared).
void check_checkpoint_matches(const Checkpoint& checkpoint, const std::string& path,
                              const std::string& parameters_json, std::uint64_t num_points,
                              std::uint64_t samples_per_point,
                              const std::vector<std::string>& observables, const std::vector<std::uint64_t>& widths,
                              const std::string& git_commit, const std::vector<RecordObservable>& records = {});

/// The checkpoint file that belongs to an output file.
std::string checkpoint_path_for(const std::string& output_path);

}  // namespace nnsim
