// Benchmarks of the Hopfield dynamics (issue 3): one steady-state sample = random patterns,
// network set-up, deterministic random-sequential dynamics from stored pattern 1 until a fixed
// point, at alpha = 0.14 and zero noise; against a straightforward implementation (dense float
// weights from one matrix product, every local field recomputed from its weight row at every
// update) at the same N with the same random numbers.
//
// Reproduce (Release build):
//   cmake --build build -j2 --target nnsim-bench-dynamics
//   ./build/bench/nnsim-bench-dynamics --benchmark_counters_tabular=true
// The suite runs once per kernel path this CPU supports (suite_patterns_generic, ..._avx2,
// ..._avx512; issue 6), side by side.
// Results: docs/performance.md.

#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/isa.hpp"
#include "core/rng.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/network.hpp"

namespace {

namespace hf = nnsim::hopfield;
constexpr double kAlpha = 0.14;
constexpr std::uint64_t kSeed = 20261125;

struct Outcome {
  double overlap;
  std::uint64_t sweeps;
};

/// The suite: one sample as the driver runs it.
Outcome suite_sample(std::size_t n, std::uint64_t sample, hf::WeightStorage storage) {
  const auto p = static_cast<std::size_t>(std::llround(kAlpha * static_cast<double>(n)));
  auto pattern_rng = nnsim::make_stream(kSeed, 0, sample, 0);
  const auto x = hf::PatternSet::random(p, n, pattern_rng);
  hf::HopfieldNetwork net(x, hf::Diagonal::kZero, storage);
  auto init = nnsim::make_stream(kSeed, 0, sample, 1);
  net.set_state_from_pattern(0, 0.0, init);
  auto dyn = nnsim::make_stream(kSeed, 0, sample, 2);
  const auto t = hf::run_dynamics(net, 0, hf::DynamicsOptions{}, dyn);
  return {t.final_overlap, t.sweeps};
}

/// The straightforward implementation: W = X X^T / N in float (one GEMM), w_ii = 0, and at
/// every update b_i = sum_j w_ij s_j from row i; same update sequence as the suite.
Outcome baseline_sample(std::size_t n, std::uint64_t sample) {
  const auto p = static_cast<std::size_t>(std::llround(kAlpha * static_cast<double>(n)));
  auto pattern_rng = nnsim::make_stream(kSeed, 0, sample, 0);
  const auto x = hf::PatternSet::random(p, n, pattern_rng);
  Eigen::MatrixXf patterns(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(p));
  for (std::size_t mu = 0; mu < p; ++mu) {
    for (std::size_t i = 0; i < n; ++i) {
      patterns(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(mu)) = static_cast<float>(x.value(mu, i));
    }
  }
  Eigen::MatrixXf w = patterns * patterns.transpose() / static_cast<float>(n);
  w.diagonal().setZero();
  Eigen::VectorXf s = patterns.col(0);
  auto dyn = nnsim::make_stream(kSeed, 0, sample, 2);
  std::uint64_t sweeps = 0;
  for (;;) {
    std::uint64_t flips = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<Eigen::Index>(dyn.below(n));
      const float b = w.col(i).dot(s);  // row i = column i (symmetric), contiguous in column-major
      const float target = b >= 0 ? 1.0f : -1.0f;
      if (target != s(i)) {
        s(i) = target;
        ++flips;
      }
    }
    ++sweeps;
    if (flips == 0) {
      bool fixed = true;
      for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n) && fixed; ++i) {
        fixed = (w.col(i).dot(s) >= 0 ? 1.0f : -1.0f) == s(i);
      }
      if (fixed || sweeps >= 1000) break;
    }
  }
  return {static_cast<double>(s.dot(patterns.col(0))) / static_cast<double>(n), sweeps};
}

void report(benchmark::State& state, std::size_t n, double overlap_sum, double sweeps_sum, std::uint64_t samples,
            double memory_bytes) {
  state.counters["N"] = static_cast<double>(n);
  state.counters["m1"] = overlap_sum / static_cast<double>(samples);
  state.counters["sweeps"] = sweeps_sum / static_cast<double>(samples);
  state.counters["MB"] = memory_bytes / 1e6;
}

void suite(benchmark::State& state, hf::WeightStorage storage, nnsim::Isa isa) {
  nnsim::set_active_isa(isa);
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto p = static_cast<std::size_t>(std::llround(kAlpha * static_cast<double>(n)));
  double overlaps = 0, sweeps = 0;
  std::uint64_t sample = 0;
  for (auto _ : state) {
    const auto o = suite_sample(n, sample++, storage);
    overlaps += o.overlap;
    sweeps += static_cast<double>(o.sweeps);
  }
  report(state, n, overlaps, sweeps, sample, static_cast<double>(hf::network_memory_bytes(n, p, storage)));
}

void BM_Baseline(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto p = static_cast<std::size_t>(std::llround(kAlpha * static_cast<double>(n)));
  // Same random numbers: the baseline must end in the same state as the suite.
  const auto check = suite_sample(n, 0, hf::WeightStorage::kPatterns);
  const auto ref = baseline_sample(n, 0);
  if (check.overlap != ref.overlap) state.SkipWithError("baseline and suite disagree");
  double overlaps = 0, sweeps = 0;
  std::uint64_t sample = 0;
  for (auto _ : state) {
    const auto o = baseline_sample(n, sample++);
    overlaps += o.overlap;
    sweeps += static_cast<double>(o.sweeps);
  }
  report(state, n, overlaps, sweeps, sample, static_cast<double>(n * n * 4 + n * p * 4));
}

void register_benchmarks() {
  for (const auto isa : nnsim::supported_isas()) {
    const std::string path = nnsim::to_string(isa);
    benchmark::RegisterBenchmark(("Dynamics/suite_patterns_" + path).c_str(), suite, hf::WeightStorage::kPatterns, isa)
        ->RangeMultiplier(2)->Range(1024, 32768)->Unit(benchmark::kMillisecond)->MinTime(2.0);
  }
  for (const auto isa : nnsim::supported_isas()) {
    const std::string path = nnsim::to_string(isa);
    benchmark::RegisterBenchmark(("Dynamics/suite_matrix_" + path).c_str(), suite, hf::WeightStorage::kMatrix, isa)
        ->RangeMultiplier(2)->Range(1024, 8192)->Unit(benchmark::kMillisecond)->MinTime(2.0);
  }
  benchmark::RegisterBenchmark("Dynamics/straightforward", BM_Baseline)
      ->RangeMultiplier(2)->Range(1024, 4096)->Unit(benchmark::kMillisecond)->MinTime(2.0);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
