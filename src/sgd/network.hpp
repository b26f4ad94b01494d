#pragma once
// Multilayer perceptrons trained by back-propagation (the book's Algorithm 4, Chapters 6-7).
//
// Conventions (the book's): layer l has local fields b^l = W^l V^(l-1) - theta^l and outputs
// V^l = g(b^l); V^0 is the input. Hidden units use sigmoid, tanh or ReLU. The output layer is
// either softmax with the cross-entropy loss (7.36)-(7.42), H = -sum_i t_i log O_i, or sigmoid
// units with the quadratic energy H = 1/2 sum_i (t_i - O_i)^2 (6.x, Algorithm 4). Targets are
// one-hot (t_i = 1 for the label's unit).
//
// All parameters live in one flat vector: for l = 1 .. L the matrix W^l (n_l x n_(l-1),
// column-major), then theta^l (n_l). Optimisers, gradient reduction and checkpoints see only
// that vector. Gradients are of the loss SUMMED over the samples given (the book's (6.18) sums
// over the mini-batch); the trainer divides by the batch size (the mean convention, see
// trainer.hpp).
//
// Determinism: a gradient depends only on the parameters, the samples in their order and the
// kernel instruction set (sgd/kernels/kernels.hpp, chosen at run time: core/isa.hpp), never on
// threads (Eigen runs single-threaded, EIGEN_DONT_PARALLELIZE; the caller parallelises over
// fixed shards of the batch).

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "sgd/aligned.hpp"

namespace nnsim::sgd {

enum class Activation { kSigmoid, kTanh, kRelu };
enum class Loss { kCrossEntropy, kQuadratic };

Activation activation_from_name(const std::string& name);  ///< "sigmoid", "tanh", "relu"
Loss loss_from_name(const std::string& name);              ///< "cross-entropy", "quadratic"
const char* name_of(Activation a);
const char* name_of(Loss l);

/// Loss sum, correct classifications and (optionally) the confusion matrix of some samples.
struct Evaluation {
  double loss_sum = 0;
  std::uint64_t correct = 0;
  std::uint64_t count = 0;
  std::vector<std::uint64_t> confusion;  ///< [true label][predicted], classes^2, if asked for
};

template <class T>
class Network {
 public:
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using ConstInputs = Eigen::Map<const Matrix>;

  /// `layers` = {n_0 (inputs), n_1, ..., n_L (classes)}, at least two entries, all >= 1.
  Network(std::vector<std::size_t> layers, Activation hidden, Loss loss);

  const std::vector<std::size_t>& layers() const { return layers_; }
  std::size_t num_layers() const { return layers_.size() - 1; }  ///< L (weight layers)
  std::size_t num_parameters() const { return offsets_.back(); }
  Activation hidden() const { return hidden_; }
  Loss loss() const { return loss_; }
  /// Offset of W^l (l = 1 .. L) in the flat vector; theta^l follows at weights_offset(l) + n_l n_(l-1).
  std::size_t weights_offset(std::size_t l) const { return offsets_[l - 1]; }
  std::size_t thresholds_offset(std::size_t l) const { return offsets_[l - 1] + layers_[l] * layers_[l - 1]; }

  /// Gaussian weights with variance 1/n_(l-1) (fan-in), thresholds zero (Section 7.2.2).
  void initialise(std::span<T> parameters, RandomStream& rng) const;

  /// Scratch space of one thread: the layer outputs and errors of a block of samples, in one
  /// 64-byte aligned buffer, each layer's block at a multiple of 64 bytes (so that a shard's
  /// products see the same alignment whichever rank or thread computes them).
  struct Workspace {
    std::vector<T, AlignedAllocator<T>> buffer;
    std::vector<T*> outputs;  ///< outputs[l-1]: V^l (n_l x m), the output layer's fields or values
    std::vector<T*> errors;   ///< errors[l-1]: dH/db^l (n_l x m)
  };

  /// Back-propagation (Algorithm 4) over the samples in the columns of `inputs`: writes the
  /// gradient of the summed loss into `gradient` (num_parameters values) and returns the loss
  /// sum and the correct count.
  /// With weights = false only the thresholds' gradients are written, packed at the start of
  /// `gradient` (n_1 values of layer 1, then layer 2's, ...), and `work` keeps what
  /// the weight gradients need (the errors and layer outputs; the trainer sums those of all its
  /// shards with kernels::KernelTable::weight_gradient_tree_f).
  Evaluation gradient(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                      std::span<T> gradient, Workspace& work, bool weights = true) const;

  /// Forward pass only: loss sum, correct count and, with `confusion`, the confusion matrix.
  Evaluation evaluate(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                      Workspace& work, bool confusion = false) const;

  /// Loss of one labelled sample set (for finite-difference checks; double accumulation).
  double loss_sum(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels) const;

 private:
  void prepare(Workspace& work, std::size_t m, bool with_errors) const;
  void forward(std::span<const T> parameters, const ConstInputs& inputs, Workspace& work) const;
  Evaluation score(const T* fields, std::size_t m, const std::int32_t* labels, bool confusion) const;
  std::vector<std::size_t> layers_;
  std::vector<std::size_t> offsets_;  ///< offsets_[l-1] = start of layer l's block; back() = total
  Activation hidden_;
  Loss loss_;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace nnsim::sgd
