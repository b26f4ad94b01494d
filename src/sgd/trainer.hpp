#pragma once
// Mini-batch training of a multilayer perceptron (the book's Algorithm 4 with (6.18)), split
// into a fixed number of shards so that data parallelism cannot change a single bit.
//
// One step: the next m_B samples of the epoch's permutation form the global mini-batch; it is
// cut into `shards` contiguous pieces (piece s holds samples [s m_B / S, (s + 1) m_B / S));
// each piece's gradient (of the summed loss) is one leaf of the canonical summation tree
// (ensemble/collective_tree.hpp); the GradientReducer adds the leaves in that tree's order,
// wherever they were computed; the optimiser then steps with the mean gradient (sum / m_B).
// The decomposition depends only on m_B and S, never on the number of ranks or threads, so the
// weights are bitwise identical for any of them. A participant that owns all S shards (one rank)
// does not store the S leaves: it adds the shards' weight-gradient blocks in the same tree while
// they are in cache (gradient_fused; kernels.hpp, weight_gradient_tree_f) -- the same additions
// in the same order, so the same bits. Learning rates therefore refer to the mean
// over the global batch (PyTorch's and MATLAB's convention), not the book's plain sum.
//
// Epochs: the permutation of epoch e comes from the stream (seed, key, sample = e, stream 1)
// (core/rng.hpp), so a resumed run needs only the epoch and batch counters. After each epoch the
// validation set is evaluated (by shards, the same way); early stopping ends training once the
// validation error (fraction misclassified; or the validation loss, with stop_on_loss) has not
// reached a new minimum for `patience` epochs in a row (Section 6.4; the book's MNIST recipe uses
// 5); the parameters of the best epoch are kept.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sgd/data.hpp"
#include "sgd/network.hpp"
#include "sgd/optimizer.hpp"

namespace nnsim::sgd {

/// Adds the leaves of the canonical tree, wherever they are computed.
class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  /// The leaves [first, end) that this participant computes.
  virtual std::pair<std::size_t, std::size_t> owned(std::size_t leaves) const = 0;
  /// `local` holds this participant's leaves (end - first rows of `width`) and may be
  /// overwritten; writes the tree sum of all leaves into `total` (width values) on every
  /// participant.
  virtual void sum(std::size_t leaves, std::size_t width, float* local, float* total) = 0;
  virtual void sum(std::size_t leaves, std::size_t width, double* local, double* total) = 0;
};

/// One participant computing every leaf.
class LocalReducer final : public GradientReducer {
 public:
  std::pair<std::size_t, std::size_t> owned(std::size_t leaves) const override { return {0, leaves}; }
  void sum(std::size_t leaves, std::size_t width, float* local, float* total) override;
  void sum(std::size_t leaves, std::size_t width, double* local, double* total) override;
};

struct TrainerSettings {
  std::size_t batch = 128;     ///< m_B, the global mini-batch
  std::size_t shards = 8;      ///< S, fixed pieces of each batch (leaves of the sum)
  std::uint64_t epochs = 10;   ///< at most this many epochs
  std::uint64_t patience = 5;  ///< early stopping; 0 = never stop early
  bool stop_on_loss = false;   ///< early stopping on the validation loss instead of the error
  std::uint64_t seed = 1;
  std::uint64_t key = 0;  ///< random-stream key of the run (core/rng.hpp)
  int threads = 1;        ///< OpenMP threads over the shards of a rank (results do not depend on it)
};

/// The random streams of a training run under (seed, key, sample): stream 0 initial weights
/// (sample 0), stream 1 the permutation of epoch `sample`, stream 2 the validation split (sample 0).
enum Stream : std::uint64_t { kInitStream = 0, kShuffleStream = 1, kSplitStream = 2 };

struct EpochRecord {
  double train_loss = 0;      ///< mean loss over the epoch's mini-batches, during training
  double train_accuracy = 0;  ///< fraction classified correctly during training
  double validation_loss = 0;
  double validation_accuracy = 0;
  double learning_rate = 0;
  double seconds = 0;            ///< wall time of the epoch (training and validation)
  double seconds_reduction = 0;  ///< of which in GradientReducer::sum
};

/// Everything a checkpoint of a training run holds (load mirrors save).
struct TrainerState {
  AlignedFloats parameters;  ///< aligned: Eigen maps the weight matrices in place (data.hpp)
  std::vector<float> velocity;
  AlignedFloats best_parameters;
  std::uint64_t epoch = 0;           ///< epochs completed
  std::uint64_t batch_in_epoch = 0;  ///< batches of the current epoch completed
  std::uint64_t steps = 0;           ///< optimiser steps in total
  double epoch_loss_sum = 0;         ///< running sums of the current epoch
  double epoch_correct = 0;
  double epoch_seconds = 0;
  double epoch_seconds_reduction = 0;
  double best_validation = 0;    ///< lowest validation error (or loss, stop_on_loss) so far
  std::uint64_t best_epoch = 0;  ///< 1-based epoch of that minimum; 0 = none yet
  std::uint64_t epochs_since_best = 0;
  bool stopped_early = false;
  std::vector<EpochRecord> history;
  double train_seconds = 0;      ///< wall time in training steps (throughput)
  double reduction_seconds = 0;  ///< of which in GradientReducer::sum
  std::uint64_t samples_trained = 0;
};

class Trainer {
 public:
  Trainer(const Network<float>& network, const Dataset& train, const Dataset& validation, TrainerSettings settings,
          OptimizerSettings optimizer);
  /// Fresh parameters from the seed (network.initialise on stream kInitStream).
  void initialise();
  bool finished() const;
  /// One mini-batch; when it completes an epoch, also the validation pass and early stopping.
  /// Returns true when an epoch ended. Collective over the reducer's participants.
  bool step(GradientReducer& reducer);
  /// Loss, accuracy and confusion matrix of `data` under `parameters`, computed in shards.
  Evaluation evaluate(const Dataset& data, std::span<const float> parameters, GradientReducer& reducer, bool confusion);
  std::size_t batches_per_epoch() const;
  /// The live state (its `velocity` is filled by save() only).
  const TrainerState& state() const { return state_; }
  /// A copy of the whole state for a checkpoint; load() restores it exactly.
  TrainerState save() const;
  void load(TrainerState state);
  const Network<float>& network() const { return network_; }
  const TrainerSettings& settings() const { return settings_; }

 private:
  void make_permutation(std::uint64_t epoch);
  /// The whole batch on this participant: the shard sum fused into the weight-gradient products.
  /// Returns the seconds of the remaining (threshold, loss) tree sum.
  double gradient_fused(std::size_t m, std::size_t slot, std::size_t largest);
  void end_epoch(GradientReducer& reducer);
  const Network<float>& network_;
  const Dataset& train_;
  const Dataset& validation_;
  TrainerSettings settings_;
  Optimizer<float> optimizer_;
  TrainerState state_;
  std::vector<std::uint32_t> permutation_;
  std::uint64_t permutation_epoch_ = ~std::uint64_t{0};
  AlignedFloats batch_inputs_;  ///< this rank's shards, each at a 64-byte aligned offset
  std::vector<std::int32_t> batch_labels_;
  AlignedFloats leaves_;  ///< this rank's shard gradients, each 64-byte aligned
  std::vector<float> total_;
  std::vector<Network<float>::Workspace> workspaces_;
  std::vector<float> compact_;  ///< gradient_fused: per shard, the thresholds' gradients, loss, correct
};

}  // namespace nnsim::sgd
