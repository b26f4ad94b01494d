#pragma once
// The hot loops of the Hopfield models, compiled once per instruction set (generic x86-64-v2,
// AVX2 = x86-64-v3, AVX-512 = x86-64-v4) in separate translation units and chosen at run time
// (core/isa.hpp). The interface is deliberately C-like: raw pointers and sizes, no templates,
// no std containers, no inline functions. A kernel file compiled with -mavx512f that
// instantiated any inline function with external linkage (an Eigen template, a std::vector
// member, PatternSet::overlap) would emit a weak copy with AVX-512 instructions under the same
// name as the baseline copy; the linker keeps either, and an AVX2 machine could then die with
// SIGILL in baseline code. The test kernels.symbols (tests/hopfield) checks with nm that each
// kernel object defines nothing global or weak except its one entry point.

#include <cstddef>
#include <cstdint>

namespace nnsim::hopfield::kernels {

/// Results of KernelTable::count_one_step_errors.
enum CountStatus : int { kCountDone = 0, kCountNoMemory = 1, kCountStopped = 2 };

/// One function pointer per kernel; every table computes bitwise identical results.
struct KernelTable {
  const char* name;  ///< "generic", "avx2" or "avx512"

  /// One-step error count (one_step.hpp): patterns packed as `words` 64-bit words each (bits
  /// beyond n zero), p patterns, fed patterns nu < checked; diagonal removed when
  /// `zero_diagonal`; arithmetic in double when `use_double`, else float (exact only while
  /// p n < 2^24, checked by the caller). Writes the number of wrong bits to *errors.
  /// `stop`, if not null, is called with `stop_context` before every block of 512 neurons x 256
  /// patterns; when it returns true the count ends early. Returns kCountDone, kCountNoMemory
  /// (the workspace could not be allocated) or kCountStopped.
  int (*count_one_step_errors)(const std::uint64_t* patterns, std::size_t words, std::size_t n, std::size_t p,
                               std::size_t checked, bool zero_diagonal, bool use_double, std::uint64_t* errors,
                               bool (*stop)(const void*), const void* stop_context);

  /// sum over mu with bit mu of `bits` set of m[mu]; m has 64 * words entries.
  std::int64_t (*masked_sum)(const std::uint64_t* bits, const std::int32_t* m, std::size_t words);

  /// m[mu] += (bit mu set ? delta : -delta) for mu < p; entries p .. 64 * words - 1 unchanged.
  void (*masked_update)(const std::uint64_t* bits, std::int32_t* m, std::size_t words, std::size_t p,
                        std::int32_t delta);

  /// h[j] += scale * row[j] for j < n.
  void (*add_scaled_row)(std::int32_t* h, const std::int16_t* row, std::size_t n, std::int32_t scale);

  /// sum_j row[j] * state[j] for j < n.
  std::int32_t (*row_dot_state)(const std::int16_t* row, const std::int8_t* state, std::size_t n);
};

/// Entry points, one per kernel object (the only symbols those objects define).
const KernelTable* generic_kernels();
const KernelTable* avx2_kernels();    // x86-64 builds only
const KernelTable* avx512_kernels();  // x86-64 builds only

}  // namespace nnsim::hopfield::kernels
