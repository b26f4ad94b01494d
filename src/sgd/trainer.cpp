#include "sgd/trainer.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "ensemble/collective_tree.hpp"
#include "sgd/kernels/kernels.hpp"

namespace nnsim::sgd {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::vector<std::pair<std::size_t, std::size_t>> weight_ranges(const Network<float>& network) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t l = 1; l <= network.num_layers(); ++l) {
    ranges.emplace_back(network.weights_offset(l), network.layers()[l] * network.layers()[l - 1]);
  }
  return ranges;
}

/// Piece s of n items cut into `pieces`: [s n / pieces, (s + 1) n / pieces).
std::pair<std::size_t, std::size_t> piece(std::size_t n, std::size_t pieces, std::size_t s) {
  return {s * n / pieces, (s + 1) * n / pieces};
}

}  // namespace

void LocalReducer::sum(std::size_t leaves, std::size_t width, float* local, float* total) {
  tree_node_sum_in_place<float>(0, leaves, 0, width, local);
  std::copy(local, local + width, total);
}
void LocalReducer::sum(std::size_t leaves, std::size_t width, double* local, double* total) {
  tree_node_sum_in_place<double>(0, leaves, 0, width, local);
  std::copy(local, local + width, total);
}

Trainer::Trainer(const Network<float>& network, const Dataset& train, const Dataset& validation,
                 TrainerSettings settings, OptimizerSettings optimizer)
    : network_(network),
      train_(train),
      validation_(validation),
      settings_(settings),
      optimizer_(optimizer, network.num_parameters(), weight_ranges(network)) {
  if (settings_.batch < 1) throw UsageError("--batch must be >= 1, got 0");
  if (settings_.shards < 1) throw UsageError("--shards must be >= 1, got 0");
  if (train_.count() == 0) throw UsageError("no training samples");
  if (train_.features != network.layers().front() || train_.classes != network.layers().back()) {
    throw UsageError("--layers must start with the " + std::to_string(train_.features) + " inputs and end with the " +
                     std::to_string(train_.classes) + " classes of the data");
  }
  state_.parameters.assign(network.num_parameters(), 0.0f);
  state_.best_validation = std::numeric_limits<double>::infinity();
}

void Trainer::initialise() {
  RandomStream rng = make_stream(settings_.seed, settings_.key, 0, kInitStream);
  network_.initialise(state_.parameters, rng);
  state_.best_parameters = state_.parameters;
}

std::size_t Trainer::batches_per_epoch() const { return (train_.count() + settings_.batch - 1) / settings_.batch; }

bool Trainer::finished() const { return state_.stopped_early || state_.epoch >= settings_.epochs; }

void Trainer::make_permutation(std::uint64_t epoch) {
  if (permutation_epoch_ == epoch) return;
  const std::size_t n = train_.count();
  permutation_.resize(n);
  std::iota(permutation_.begin(), permutation_.end(), 0u);
  RandomStream rng = make_stream(settings_.seed, settings_.key, epoch, kShuffleStream);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(permutation_[i], permutation_[rng.below(i + 1)]);  // Fisher-Yates
  permutation_epoch_ = epoch;
}

bool Trainer::step(GradientReducer& reducer) {
  if (finished()) throw std::logic_error("Trainer::step after the end of training");
  const auto start = Clock::now();
  make_permutation(state_.epoch);
  const std::size_t n = train_.count();
  const std::size_t d = train_.features;
  const std::size_t first = static_cast<std::size_t>(state_.batch_in_epoch) * settings_.batch;
  const std::size_t m = std::min(settings_.batch, n - first);
  const std::size_t shards = settings_.shards;
  const auto [own_first, own_end] = reducer.owned(shards);
  const std::size_t p = network_.num_parameters();
  // A leaf: gradient, loss sum, correct count, zero padding to a multiple of 64 bytes, so that
  // every leaf (the destination of Eigen's products) has the same alignment on every rank.
  const std::size_t width = (p + 2 + 15) / 16 * 16;

  // This rank's samples only: shards own_first .. own_end - 1 of the batch, each copied to its
  // own 64-byte aligned slot, so that a shard's data sits at the same alignment whichever rank
  // computes it (data.hpp, AlignedAllocator).
  const std::size_t own = own_end - own_first;
  const std::size_t largest = (m + shards - 1) / shards;
  const std::size_t slot = (largest * d + 15) / 16 * 16;  // floats; a multiple of 64 bytes
  batch_inputs_.resize(own * slot);
  batch_labels_.resize(own * largest);
  for (std::size_t s = own_first; s < own_end; ++s) {
    const auto [a, b] = piece(m, shards, s);
    for (std::size_t k = a; k < b; ++k) {
      const std::size_t sample = permutation_[first + k];
      std::copy(train_.column(sample), train_.column(sample) + d,
                batch_inputs_.data() + (s - own_first) * slot + (k - a) * d);
      batch_labels_[(s - own_first) * largest + (k - a)] = train_.labels[sample];
    }
  }
  total_.resize(width);
  double reduce_seconds = 0;
  if (own == shards) {
    // One participant computes every shard: the same tree sum, fused into the products (the
    // reduction time is then only that of the thresholds' gradients, loss and count).
    reduce_seconds = gradient_fused(m, slot, largest);
  } else {
    // The kernels write every gradient value of a leaf; only its zero padding is set here.
    leaves_.resize(own * width);
    for (std::size_t s = 0; s < own; ++s) {
      std::fill(leaves_.data() + s * width + p, leaves_.data() + (s + 1) * width, 0.0f);
    }
    if (workspaces_.size() < own) workspaces_.resize(own);
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
    for (std::size_t s = own_first; s < own_end; ++s) {
      const auto [a, b] = piece(m, shards, s);
      float* leaf = leaves_.data() + (s - own_first) * width;
      if (a == b) {
        std::fill(leaf, leaf + width, 0.0f);
        continue;
      }
      Network<float>::ConstInputs x(batch_inputs_.data() + (s - own_first) * slot, static_cast<Eigen::Index>(d),
                                    static_cast<Eigen::Index>(b - a));
      const Evaluation e = network_.gradient(state_.parameters, x, batch_labels_.data() + (s - own_first) * largest,
                                             {leaf, p}, workspaces_[s - own_first]);
      leaf[p] = static_cast<float>(e.loss_sum);
      leaf[p + 1] = static_cast<float>(e.correct);
    }
    const auto reduce_start = Clock::now();
    reducer.sum(shards, width, leaves_.data(), total_.data());
    reduce_seconds = seconds_since(reduce_start);
  }

  const float inverse_batch = 1.0f / static_cast<float>(m);  // mean over the global mini-batch
  for (std::size_t i = 0; i < p; ++i) total_[i] *= inverse_batch;
  optimizer_.step(state_.parameters, std::span<float>(total_.data(), p), state_.epoch);
  state_.epoch_loss_sum += total_[p];
  state_.epoch_correct += total_[p + 1];
  state_.samples_trained += m;
  ++state_.steps;
  ++state_.batch_in_epoch;
  const double seconds = seconds_since(start);
  state_.train_seconds += seconds;
  state_.reduction_seconds += reduce_seconds;
  state_.epoch_seconds += seconds;
  state_.epoch_seconds_reduction += reduce_seconds;
  if (state_.batch_in_epoch < batches_per_epoch()) return false;
  end_epoch(reducer);
  return true;
}

double Trainer::gradient_fused(std::size_t m, std::size_t slot, std::size_t largest) {
  // Bitwise what the leaves and the reducer give (LocalReducer, or any reducer on one
  // participant: the tree over all leaves), since every value is the same float sum in the same
  // tree order: each shard's weight gradient is computed block by block and the shards' blocks
  // are summed in the canonical tree while in cache (kernels.hpp, weight_gradient_tree_f); the
  // thresholds' gradients, loss and correct count go through tree_node_sum_in_place as before.
  const std::size_t shards = settings_.shards;
  const std::size_t p = network_.num_parameters();
  const std::size_t d = train_.features;
  const std::size_t L = network_.num_layers();
  const auto& layers = network_.layers();
  std::size_t q = 2;
  for (std::size_t l = 1; l <= L; ++l) q += layers[l];
  compact_.assign(shards * q, 0.0f);
  if (workspaces_.size() < shards) workspaces_.resize(shards);
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
  for (std::size_t s = 0; s < shards; ++s) {
    const auto [a, b] = piece(m, shards, s);
    if (a == b) continue;  // an empty shard: zeros
    float* row = compact_.data() + s * q;  // the thresholds' gradients (packed), loss, correct count
    Network<float>::ConstInputs x(batch_inputs_.data() + s * slot, static_cast<Eigen::Index>(d),
                                  static_cast<Eigen::Index>(b - a));
    const Evaluation e = network_.gradient(state_.parameters, x, batch_labels_.data() + s * largest, {row, q - 2},
                                           workspaces_[s], /*weights=*/false);
    row[q - 2] = static_cast<float>(e.loss_sum);
    row[q - 1] = static_cast<float>(e.correct);
  }
  const auto& k = kernels::active_kernels();
  std::vector<const float*> deltas(shards), inputs(shards);
  std::vector<std::size_t> counts(shards);
  for (std::size_t l = 1; l <= L; ++l) {
    for (std::size_t s = 0; s < shards; ++s) {
      const auto [a, b] = piece(m, shards, s);
      counts[s] = b - a;
      // an empty shard's pointers are never read (no samples: its block is zero)
      deltas[s] = a == b ? batch_inputs_.data() : workspaces_[s].errors[l - 1];
      inputs[s] = a == b ? batch_inputs_.data() : l == 1 ? batch_inputs_.data() + s * slot : workspaces_[s].outputs[l - 2];
    }
    const std::size_t rows = layers[l], cols = layers[l - 1];
    float* out = total_.data() + network_.weights_offset(l);
    const int parts = std::max(1, settings_.threads);
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
    for (int t = 0; t < parts; ++t) {
      const auto [first, end] = piece(cols, static_cast<std::size_t>(parts), static_cast<std::size_t>(t));
      if (first < end) {
        k.weight_gradient_tree_f(rows, cols, shards, deltas.data(), inputs.data(), counts.data(), out, first, end);
      }
    }
  }
  const auto reduce_start = Clock::now();
  tree_node_sum_in_place<float>(0, shards, 0, q, compact_.data());
  const double reduce_seconds = seconds_since(reduce_start);
  const float* row = compact_.data();
  for (std::size_t l = 1; l <= L; ++l) {
    std::copy(row, row + layers[l], total_.data() + network_.thresholds_offset(l));
    row += layers[l];
  }
  total_[p] = row[0];
  total_[p + 1] = row[1];
  return reduce_seconds;
}

void Trainer::end_epoch(GradientReducer& reducer) {
  const auto start = Clock::now();
  EpochRecord r;
  const auto n = static_cast<double>(train_.count());
  r.train_loss = state_.epoch_loss_sum / n;
  r.train_accuracy = state_.epoch_correct / n;
  r.learning_rate = learning_rate_at(optimizer_.settings(), state_.epoch);
  if (validation_.count() > 0) {
    const Evaluation v = evaluate(validation_, state_.parameters, reducer, false);
    r.validation_loss = v.loss_sum / static_cast<double>(v.count);
    r.validation_accuracy = static_cast<double>(v.correct) / static_cast<double>(v.count);
  } else {
    r.validation_loss = std::numeric_limits<double>::quiet_NaN();
    r.validation_accuracy = std::numeric_limits<double>::quiet_NaN();
  }
  ++state_.epoch;
  state_.batch_in_epoch = 0;
  state_.epoch_loss_sum = 0;
  state_.epoch_correct = 0;
  const double criterion = settings_.stop_on_loss ? r.validation_loss : 1.0 - r.validation_accuracy;
  if (validation_.count() == 0 || criterion < state_.best_validation) {
    state_.best_validation = validation_.count() ? criterion : state_.best_validation;
    state_.best_epoch = state_.epoch;
    state_.best_parameters = state_.parameters;
    state_.epochs_since_best = 0;
  } else {
    ++state_.epochs_since_best;
    if (settings_.patience > 0 && state_.epochs_since_best >= settings_.patience) state_.stopped_early = true;
  }
  r.seconds = state_.epoch_seconds + seconds_since(start);
  r.seconds_reduction = state_.epoch_seconds_reduction;
  state_.epoch_seconds = 0;
  state_.epoch_seconds_reduction = 0;
  state_.history.push_back(r);
}

Evaluation Trainer::evaluate(const Dataset& data, std::span<const float> parameters, GradientReducer& reducer,
                             bool confusion) {
  const std::size_t shards = settings_.shards;
  const std::size_t classes = data.classes;
  const std::size_t width = 2 + (confusion ? classes * classes : 0);
  const auto [own_first, own_end] = reducer.owned(shards);
  std::vector<double> leaves((own_end - own_first) * width, 0.0);
  if (workspaces_.size() < own_end - own_first) workspaces_.resize(own_end - own_first);
  constexpr std::size_t kChunk = 1024;  // samples per forward pass (bounded memory)
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
  for (std::size_t s = own_first; s < own_end; ++s) {
    const auto [a, b] = piece(data.count(), shards, s);
    double* leaf = leaves.data() + (s - own_first) * width;
    for (std::size_t c = a; c < b; c += kChunk) {
      const std::size_t w = std::min(kChunk, b - c);
      Network<float>::ConstInputs x(data.column(c), static_cast<Eigen::Index>(data.features),
                                    static_cast<Eigen::Index>(w));
      const Evaluation e =
          network_.evaluate(parameters, x, data.labels.data() + c, workspaces_[s - own_first], confusion);
      leaf[0] += e.loss_sum;
      leaf[1] += static_cast<double>(e.correct);
      for (std::size_t i = 0; i < e.confusion.size(); ++i) leaf[2 + i] += static_cast<double>(e.confusion[i]);
    }
  }
  std::vector<double> total(width);
  reducer.sum(shards, width, leaves.data(), total.data());
  Evaluation result;
  result.loss_sum = total[0];
  result.correct = static_cast<std::uint64_t>(total[1]);
  result.count = data.count();
  if (confusion) {
    result.confusion.resize(classes * classes);
    for (std::size_t i = 0; i < classes * classes; ++i) result.confusion[i] = static_cast<std::uint64_t>(total[2 + i]);
  }
  return result;
}

TrainerState Trainer::save() const {
  TrainerState s = state_;
  s.velocity = optimizer_.velocity();
  return s;
}

void Trainer::load(TrainerState state) {
  if (state.parameters.size() != network_.num_parameters() || state.velocity.size() != network_.num_parameters() ||
      state.best_parameters.size() != network_.num_parameters()) {
    throw UsageError("checkpoint holds " + std::to_string(state.parameters.size()) + " parameters, the network has " +
                     std::to_string(network_.num_parameters()));
  }
  optimizer_.velocity() = std::move(state.velocity);
  state.velocity.clear();
  state_ = std::move(state);
}

}  // namespace nnsim::sgd
