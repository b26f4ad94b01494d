#pragma once
// Collective runs: one long computation that spans all ranks (the data-parallel SGD of
// nnsim-sgd), as opposed to the ensemble of independent tasks of scheduler.hpp.
//
// What the layer does, knowing nothing about the model:
//   * It works on its own duplicate of the caller's communicator (MPI_Comm_dup), so its traffic
//     and the model's (which uses Collective::comm() too) never match messages of anyone else.
//   * It owns the loop: the model's step() runs on every rank in lockstep; between steps (the
//     only place where stopping is safe) one small MPI_Allreduce carries every rank's signal
//     flag and rank 0's decisions (time limit, periodic checkpoint, the NNSIM_STOP_AFTER_STEPS
//     test trigger), so all ranks take the same decision at the same step boundary.
//   * Checkpoints hold the model's whole state (weights, optimiser state, counters: whatever its
//     save() returns) at fixed paths; rank 0 writes them atomically at every boundary the model
//     reports (an epoch), periodically, and when stopping. Before each, the ranks compare
//     checksums of their states: replicas must stay identical, a divergence is an error.
//   * tree_allreduce() sums per-leaf vectors over the canonical tree of collective_tree.hpp,
//     so the sum does not depend on how leaves were spread over the ranks.
//
// Checkpoint layout (load mirrors save):
//   attrs  format ("nnsim-collective"), format_version (1), parameters_json, git_commit,
//          content_checksum (fmix64(FNV-1a-64) of parameters_json and every name and value byte)
//   /real_names, /integer_names, /measured_names   strings, in the order of the state
//   /reals/<name>                 float64 [n]
//   /integers/<name>              uint64 [n]
//   /measured/<name>              float64 [n]  (rank 0's wall times)

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ensemble/collective_tree.hpp"

namespace nnsim {

/// The state of a collective computation: named arrays, identical on every rank.
struct CollectiveState {
  std::vector<std::pair<std::string, std::vector<double>>> reals;
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> integers;
  /// Measurements (wall times) that differ between ranks: checkpointed (rank 0's), restored on
  /// every rank, but left out of the replica comparison.
  std::vector<std::pair<std::string, std::vector<double>>> measured;

  void put(const std::string& name, std::vector<double> values) { reals.emplace_back(name, std::move(values)); }
  void put(const std::string& name, std::vector<std::uint64_t> values) {
    integers.emplace_back(name, std::move(values));
  }
  /// Throws UsageError naming the array if it is missing.
  const std::vector<double>& real(const std::string& name) const;
  const std::vector<std::uint64_t>& integer(const std::string& name) const;
  void put_measured(const std::string& name, std::vector<double> values) {
    measured.emplace_back(name, std::move(values));
  }
  const std::vector<double>& measurement(const std::string& name) const;
  /// fmix64(FNV-1a-64) of every name and value byte (with `measured`: those too).
  std::uint64_t checksum(bool with_measured = false) const;
};

void save_collective_checkpoint(const std::string& path, const CollectiveState& state,
                                const std::string& parameters_json, const std::string& git_commit);
/// Throws UsageError naming the file if it is not a valid checkpoint, fails its checksum, or was
/// written by a run with other result-relevant parameters or another code version ("unknown"
/// versions, from builds outside git, are not compared).
CollectiveState load_collective_checkpoint(const std::string& path, const std::string& parameters_json,
                                           const std::string& git_commit);

/// Canonical tree sum (collective_tree.hpp) of `leaves` leaves of `width` values, leaf k computed
/// by the rank owned_leaves() assigns it; `local` holds this rank's leaves. Every rank gets the
/// same bits in `total`. Each rank sends its maximal subtrees (one node when the ranks divide the
/// leaves evenly into powers of two) with MPI_Allgatherv; every rank then adds them up. `local`
/// is used as scratch space (its subtrees are summed in place).
void tree_allreduce(MPI_Comm comm, std::size_t leaves, std::size_t width, float* local, float* total);
void tree_allreduce(MPI_Comm comm, std::size_t leaves, std::size_t width, double* local, double* total);

/// What the layer needs of a model.
struct CollectiveModel {
  std::function<bool()> finished;  ///< the computation is complete
  /// One step, collective over Collective::comm(); returns true at a checkpoint boundary.
  std::function<bool()> step;
  std::function<CollectiveState()> save;
  std::function<void(const CollectiveState&)> load;
};

struct CollectiveControl {
  double time_limit = 0;             ///< seconds of this run; 0 = none
  double checkpoint_interval = 600;  ///< seconds between periodic checkpoints (besides the boundaries)
  std::string checkpoint_path;       ///< empty: never checkpoint
  std::string parameters_json;       ///< stored in checkpoints, matched on resume
  std::string git_commit;
  bool resume = false;  ///< load checkpoint_path first
  /// Rank 0 (testing aid): stop as if signalled after this many steps of this run; 0 = take
  /// NNSIM_STOP_AFTER_STEPS from the environment (itself 0 or unset = never).
  std::uint64_t stop_after_steps = 0;
};

struct CollectiveResult {
  bool complete = false;
  std::string stop_reason;
  std::string checkpoint_written;  ///< the last checkpoint written, if any
  std::uint64_t steps = 0;         ///< steps of this run
  std::uint64_t checkpoints = 0;   ///< checkpoints written by this run
  double seconds_checkpointing = 0;
};

class Collective {
 public:
  /// Duplicates `parent` (collective over it).
  explicit Collective(MPI_Comm parent);
  Collective(const Collective&) = delete;
  Collective& operator=(const Collective&) = delete;
  ~Collective();
  MPI_Comm comm() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Runs `model` to completion or until a stop. With control.resume, rank 0 loads the checkpoint
  /// and every rank receives its state. Collective; throws the same UsageError on every rank
  /// when the checkpoint is refused.
  CollectiveResult run(const CollectiveModel& model, const CollectiveControl& control);
  /// Throws std::runtime_error on every rank unless all ranks hold the same `state`.
  void check_replicas(const CollectiveState& state) const;

 private:
  void write_checkpoint(const CollectiveModel& model, const CollectiveControl& control, CollectiveResult& result);
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace nnsim
