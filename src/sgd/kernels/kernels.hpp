#pragma once
// The hot loops of nnsim-sgd (the products of the forward and backward passes, activations,
// softmax, the optimiser update), compiled once per instruction set (generic x86-64-v2, AVX2 =
// x86-64-v3, AVX-512 = x86-64-v4) in separate translation units and chosen at run time
// (core/isa.hpp), like the Hopfield kernels (src/hopfield/kernels/kernels.hpp).
//
// The large products are the kernels' own register-blocked multiply-add chains (kernels_body.inc:
// each element one chain in a fixed order, so a sample's values do not depend on the samples
// computed with it); Eigen does the small W^T delta products, with fixed cache sizes for its
// blocking. Eigen is a header-only template library: a kernel object compiled with
// -mavx512f that instantiated Eigen::internal::gebp_kernel<...> would emit a weak AVX-512 copy
// under the same name as the baseline object's copy, and the linker keeps either (SIGILL on an
// older CPU). So each kernel object includes Eigen with its namespace renamed by a macro
// (`#define Eigen nnsim_sgd_eigen_<isa>`, kernels_body.inc) and puts its own code in namespace
// nnsim::sgd::kernels::isa_<isa>: every symbol it can share with other objects carries the name
// of its instruction set. The test sgd.kernels.symbols (tests/sgd) checks that with nm.
//
// The interface is C-like: raw pointers and sizes, no templates, no inline functions.
//
// Results: a path is deterministic (the same bits for the same inputs, whatever the thread or
// the rank), but different paths round differently (FMA, vector width, Eigen's blocking), so a
// training must use one path on all ranks (apps/sgd: the lowest over the ranks) and a checkpoint
// records its path. The activations, the softmax and the optimiser update are compiled without
// FMA contraction, so they agree between paths; the products do not.

#include <cstddef>
#include <cstdint>

namespace nnsim::sgd::kernels {

/// A multilayer perceptron (network.hpp): layers[0] inputs, ..., layers[num_layers] outputs; the
/// parameters are the flat vector of network.hpp (W^l column-major n_l x n_(l-1), then theta^l).
struct Shape {
  const std::size_t* layers;
  std::size_t num_layers;  ///< L, weight layers
  int activation;          ///< hidden units: 0 sigmoid, 1 tanh, 2 ReLU (network.hpp's Activation)
  int loss;                ///< 0 softmax + cross-entropy, 1 sigmoid + quadratic energy
};

/// Optimiser methods of `update` (optimizer.hpp's Method).
enum UpdateMethod : int { kUpdateSgd = 0, kUpdateMomentum = 1, kUpdateNesterov = 2 };

/// One function pointer per kernel, each for float (_f) and double (_d).
struct KernelTable {
  const char* name;  ///< "generic", "avx2" or "avx512"

  /// Forward pass over the m samples in the columns of x (n_0 x m, column-major): writes
  /// V^l = g(W^l V^(l-1) - theta^l) into outputs[l-1] for hidden layers l < L, and the output
  /// layer's local fields b^L (before softmax or sigmoid) into outputs[L-1]; each n_l x m.
  void (*forward_f)(const Shape* shape, const float* parameters, const float* x, std::size_t m,
                    float* const* outputs);
  void (*forward_d)(const Shape* shape, const double* parameters, const double* x, std::size_t m,
                    double* const* outputs);

  /// Back-propagation after forward_*: turns outputs[L-1] into the output values O (softmax or
  /// sigmoid), writes the errors dH/db^l into errors[l-1] (n_l x m) and the gradient of the loss
  /// summed over the m samples into `gradient` (num_parameters values; labels in [0, n_L)).
  /// With weights == 0, the weight gradients dH/dW^l are left out and `gradient` receives only
  /// the thresholds' gradients, packed (n_1 values of layer 1, then layer 2's, ...):
  /// weight_gradient_tree_f computes the weights' from the errors afterwards.
  void (*backward_f)(const Shape* shape, const float* parameters, const float* x, std::size_t m,
                     const std::int32_t* labels, float* const* outputs, float* const* errors, float* gradient,
                     int weights);
  void (*backward_d)(const Shape* shape, const double* parameters, const double* x, std::size_t m,
                     const std::int32_t* labels, double* const* outputs, double* const* errors, double* gradient,
                     int weights);

  /// The weight gradient of one layer summed over `leaves` shards in the canonical tree order
  /// (ensemble/collective_tree.hpp: node [lo, hi) = [lo, mid) + [mid, hi), mid = lo + (hi-lo)/2):
  /// out (rows x cols, column-major) = tree sum over s of delta_s in_s^T, with delta_s the errors
  /// (rows x counts[s]) and in_s the layer's inputs (cols x counts[s]) of shard s. Bitwise the
  /// tree sum of the per-shard gradients that backward_f(weights = 1) writes, without storing
  /// them: the shards' values of a block of columns are summed while in cache. Columns
  /// [col_first, col_end) only (threads split the columns).
  void (*weight_gradient_tree_f)(std::size_t rows, std::size_t cols, std::size_t leaves, const float* const* deltas,
                                 const float* const* inputs, const std::size_t* counts, float* out,
                                 std::size_t col_first, std::size_t col_end);

  /// Optimiser update of n parameters (optimizer.hpp): sgd w -= eta g; momentum v = alpha v - eta g,
  /// w += v; nesterov v' = alpha v - eta g, w += -alpha v + (1 + alpha) v'. v unused for sgd.
  void (*update_f)(int method, float* w, float* v, const float* g, std::size_t n, float eta, float alpha);
  void (*update_d)(int method, double* w, double* v, const double* g, std::size_t n, double eta, double alpha);
};

/// Entry points, one per kernel object (the only symbols those objects define outside their
/// instruction set's namespaces).
const KernelTable* generic_kernels();
const KernelTable* avx2_kernels();    // x86-64 builds only
const KernelTable* avx512_kernels();  // x86-64 builds only

/// The table of the active instruction set (core/isa.hpp's active_isa()).
const KernelTable& active_kernels();

}  // namespace nnsim::sgd::kernels
