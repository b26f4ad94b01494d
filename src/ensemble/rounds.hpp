#pragma once
// Adaptive rounds: an experiment whose next tasks depend on the results of the earlier ones
// (a coarse bracket of a crossing first, then new points and more samples where they help most).
//
// What is decided where.
//   * A Round is a list of task blocks; a block is one parameter point (its random-stream key,
//     core/rng.hpp, and the reals and integers the model needs, e.g. alpha and N) and a sample
//     range [first_sample, first_sample + count). The tasks of a round are all (block, sample)
//     pairs in block order, samples ascending within a block: that is the round's task order.
//   * The RoundPlanner is the caller's: it runs on rank 0 only and sees nothing but the history,
//     the definitions of the completed rounds and their tasks' values in task order. It returns
//     the next round, or nothing when its target or budget is reached.
//   * Rank 0 broadcasts the round; every rank then runs it with run_ensemble (scheduler.hpp),
//     one ensemble "point" per task of the round (samples_per_point = 1), so blocks of any size
//     and points of very different cost (block.cost, per task) share one dynamically balanced
//     run. Rank 0 appends the round's values to the history and asks the planner again.
//   * Stop requests (signals, the time limit of the whole run, the stop-after-K-tasks test
//     trigger) are decided on rank 0, inside run_ensemble or before a round starts, and broadcast.
//
// Why the outcome does not depend on ranks, threads or interruptions. A task's values depend
// only on (seed, point key, sample) and the point's parameters; run_ensemble returns them in task
// order whatever ran where; the planner is a function of the history only and runs in one place.
// So the same planner, fingerprint and seed give the same rounds and the same values bit for
// bit, on 1 or 100 ranks, with any thread count, and across any number of stops and resumes.
//
// Checkpoint layout (rank 0 writes both files, each atomically: temporary name, then rename).
//   <checkpoint_path>            the history: every completed round, rewritten after each round
//     attrs  format ("nnsim-rounds"), format_version (1), parameters_json (the fingerprint),
//            git_commit, num_rounds, content_checksum (fmix64(FNV-1a-64) of the fingerprint,
//            the serialised round definitions and the value bytes; checked on load)
//     /observables, /widths      as in a plain checkpoint
//     /round_labels              string [rounds]
//     /round_block_offsets       uint64 [rounds + 1]: blocks of round r are [off[r], off[r+1])
//     /block_point_key, /block_first_sample, /block_count   uint64 [blocks]
//     /block_cost                float64 [blocks]
//     /block_real_offsets        uint64 [blocks + 1] into /block_reals     float64
//     /block_integer_offsets     uint64 [blocks + 1] into /block_integers  int64
//     /values                    float64 [tasks of all rounds, sum(widths)], rounds in order
//   <checkpoint_path>.round.h5   the round in progress: an ordinary ensemble Checkpoint
//     (checkpoint.hpp, unchanged format) of that round, whose parameters_json is
//     {"rounds":<fingerprint>,"round":<r>,"round_definition":"<hash of the round>"}; written by
//     run_ensemble periodically and when stopping. On resume it is used only if it belongs to the
//     round the planner asks for next (a file of an earlier round is stale and ignored).
// A resumed run loads the history (refusing another fingerprint or code version with UsageError),
// asks the planner for the next round (the same round, since the history is the same), takes its
// done tasks from the round checkpoint and computes only the rest.

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ensemble/scheduler.hpp"

namespace nnsim {

/// One parameter point as the model sees it.
struct RoundPoint {
  std::uint64_t key = 0;               ///< random-stream key (PointKey of the parameters)
  std::vector<double> reals;           ///< e.g. {alpha}
  std::vector<std::int64_t> integers;  ///< e.g. {N}
  bool operator==(const RoundPoint&) const = default;
};

/// Samples [first_sample, first_sample + count) of one point.
struct TaskBlock {
  RoundPoint point;
  std::uint64_t first_sample = 0;
  std::uint64_t count = 0;
  double cost = 1;  ///< relative cost of one task (scheduling order and progress only)
  bool operator==(const TaskBlock&) const = default;
};

struct Round {
  std::string label;  ///< for the log, e.g. "bracket", "refine"
  std::vector<TaskBlock> blocks;
  std::uint64_t num_tasks() const;
  bool operator==(const Round&) const = default;
};

/// A round with its tasks' values, [task][value] in the round's task order.
struct CompletedRound {
  Round round;
  std::vector<double> values;
  bool operator==(const CompletedRound&) const = default;
};

using RoundsHistory = std::vector<CompletedRound>;

/// Rank 0 only: the next round from the history, or std::nullopt when done. Must be a function
/// of the history alone (no clocks, no rank, no hidden state that a resumed run would lack).
using RoundPlanner = std::function<std::optional<Round>(const RoundsHistory& history)>;

/// One task: width(k) values of each observable k, in order. Called concurrently.
using RoundTaskFunction =
    std::function<std::vector<double>(const RoundPoint& point, std::uint64_t sample, const CancelFlag& cancel)>;

struct RoundsSpec {
  std::vector<std::string> observables;
  std::vector<std::size_t> widths;  ///< values per task of each observable; empty = 1 each
  RoundTaskFunction run;
  RoundPlanner plan;
  std::size_t values_per_task() const;
};

struct RoundsControl {
  /// threads, progress, checkpoint interval, git_commit as for run_ensemble; time_limit covers
  /// the whole run (all rounds); checkpoint_path is the history file (empty: no checkpoints);
  /// parameters_json is the fingerprint a resume must match; stop_after_tasks counts the tasks
  /// of all rounds of this run (0: NNSIM_STOP_AFTER_TASKS); resume_from is not used.
  RunControl run;
  /// Continue from the checkpoint at run.checkpoint_path (it must exist and match).
  bool resume = false;
};

struct RoundsResult {
  bool complete = false;             ///< the planner said done (all ranks)
  std::string stop_reason;           ///< why an incomplete run stopped (all ranks)
  RoundsHistory history;             ///< rank 0: the completed rounds
  std::uint64_t rounds_resumed = 0;  ///< rank 0: rounds taken from the checkpoint
  std::uint64_t tasks_run = 0;       ///< rank 0: tasks computed by this run
  std::uint64_t tasks_resumed = 0;   ///< rank 0: tasks taken from checkpoints (history + round)
  std::string checkpoint_written;    ///< rank 0: the history path, if a stop left a checkpoint
};

/// Runs rounds until the planner is done or a stop; collective over `comm`. Throws on every rank
/// alike: UsageError for a bad round (no blocks, no samples, a sample the history already has), a
/// missing checkpoint or one of other parameters, layout or code version, or a planner that threw
/// UsageError; std::runtime_error for a planner that threw anything else. A fresh run
/// (resume = false) overwrites both checkpoint files: the driver's pre-flight decides whether it
/// may (as for gridded runs). When complete, the round file is removed and the history file kept
/// (the caller removes it once its output is written).
RoundsResult run_rounds(const RoundsSpec& spec, const RoundsControl& control, MPI_Comm comm);

/// The file of the round in progress that belongs to a history checkpoint.
std::string round_checkpoint_path(const std::string& history_path);

/// The history file (layout in the file comment); `observables`/`widths` as in RoundsSpec.
struct RoundsCheckpoint {
  std::string parameters_json;
  std::string git_commit;
  std::vector<std::string> observables;
  std::vector<std::uint64_t> widths;
  RoundsHistory history;
};
void save_rounds_checkpoint(const std::string& path, const RoundsCheckpoint& checkpoint);
/// Throws UsageError naming the file if it is not a valid, intact rounds checkpoint.
RoundsCheckpoint load_rounds_checkpoint(const std::string& path);

/// fmix64(FNV-1a-64) of the round definitions and values of a history: one number to compare
/// histories bit for bit.
std::uint64_t history_digest(const RoundsHistory& history);

}  // namespace nnsim
