// Benchmarks of the one-step error kernel (issue 2): the suite's method
// (nnsim::hopfield::count_one_step_errors: packed patterns, popcount overlaps, blocked GEMM,
// cost p K N) against the dense-weight baseline (count_one_step_errors_dense, cost ~N^2 (p + K)).
//
// Reproduce (from the repository root, build directory configured as Release):
//   cmake --build build -j2 --target nnsim-bench-one-step
//   ./build/bench/nnsim-bench-one-step --benchmark_counters_tabular=true
// The suite runs once per kernel path this CPU supports (suite_generic, suite_avx2,
// suite_avx512; issue 6), side by side; only the dense baseline:
//   ./build/bench/nnsim-bench-one-step --benchmark_filter=dense
// Results and the machine they were measured on: docs/performance.md.
//
// One benchmark iteration = one sample of the driver's one-step experiment without the pattern
// generation (that is OneStep/pattern_generation): count the one-step errors of K fed patterns
// out of p stored ones. The patterns are generated once, before the timed loop; the count is
// deterministic, so repeating it on the same patterns measures the same work every iteration.
// Before timing, every configuration is checked once: suite and baseline must give the same
// count on the same patterns, otherwise the benchmark is skipped with an error.
//
// Counters: bits_per_s = N K bits decided per second; p, N, K; MB = working set of the method in
// 10^6 bytes (suite: packed patterns + the p x 256 overlap block + the 512 x p spin block;
// baseline: N x N weights + N x p spins + N x K fields); P_err = measured one-step error rate.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/isa.hpp"
#include "core/rng.hpp"
#include "hopfield/one_step.hpp"
#include "hopfield/patterns.hpp"

namespace {

namespace hf = nnsim::hopfield;

constexpr std::uint64_t kSeed = 20261125;

/// p = round(alpha N), as in apps/hopfield.cpp.
std::size_t patterns_for(std::size_t n, double alpha) {
  return static_cast<std::size_t>(std::llround(alpha * static_cast<double>(n)));
}

/// Deterministic patterns of a configuration: a fixed stream per (N, p).
hf::PatternSet make_patterns(std::size_t n, std::size_t p) {
  auto rng = nnsim::make_stream(kSeed, /*point=*/n, /*sample=*/p, /*stream=*/0);
  return hf::PatternSet::random(p, n, rng);
}

/// Both kernels do their arithmetic in float while p N < 2^24, in double beyond.
std::size_t scalar_bytes(std::size_t n, std::size_t p) {
  return static_cast<double>(p) * static_cast<double>(n) < 16777216.0 ? 4 : 8;
}

double suite_bytes(std::size_t n, std::size_t p) {
  const double s = static_cast<double>(scalar_bytes(n, p));
  const double pd = static_cast<double>(p);
  return pd * static_cast<double>(n) / 8.0 + pd * 256.0 * s + 512.0 * pd * s;
}

double dense_bytes(std::size_t n, std::size_t p, std::size_t k) {
  const double s = static_cast<double>(scalar_bytes(n, p));
  const double nd = static_cast<double>(n);
  return nd * nd * s + nd * static_cast<double>(p) * s + nd * static_cast<double>(k) * s;
}

/// Suite and baseline must agree on the same patterns. Checked once per (N, p, K, path) per process
/// (Google Benchmark calls a benchmark function several times while it sizes the iteration count,
/// and the dense check costs seconds at N = 4000); returns an empty string when they agree.
const std::string& check_agreement(const hf::PatternSet& x, std::size_t k) {
  static std::map<std::tuple<std::size_t, std::size_t, std::size_t, nnsim::Isa>, std::string> checked;
  const auto key = std::make_tuple(x.num_neurons(), x.num_patterns(), k, nnsim::active_isa());
  const auto found = checked.find(key);
  if (found != checked.end()) return found->second;
  const auto suite = hf::count_one_step_errors(x, k);
  const auto dense = hf::count_one_step_errors_dense(x, k);
  std::string message;
  if (suite.errors != dense.errors || suite.bits != dense.bits) {
    message = "suite and dense baseline disagree: errors " + std::to_string(suite.errors) + " vs " +
              std::to_string(dense.errors) + ", bits " + std::to_string(suite.bits) + " vs " +
              std::to_string(dense.bits);
  }
  return checked.emplace(key, std::move(message)).first->second;
}

enum class Method { kSuite, kDense };

/// One iteration = one count of the errors of K fed patterns (K = 0: all p), the suite's with
/// the kernels of `isa`.
void bm_count(benchmark::State& state, Method method, nnsim::Isa isa, std::size_t n, double alpha,
              std::size_t k_requested) {
  const std::size_t p = patterns_for(n, alpha);
  const std::size_t k = k_requested == 0 ? p : std::min(k_requested, p);
  const auto x = make_patterns(n, p);
  nnsim::set_active_isa(isa);
  if (const auto& error = check_agreement(x, k); !error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  hf::OneStepCount count;
  for (auto _ : state) {
    count = method == Method::kSuite ? hf::count_one_step_errors(x, k) : hf::count_one_step_errors_dense(x, k);
    benchmark::DoNotOptimize(count.errors);
    benchmark::ClobberMemory();
  }
  const double bits = static_cast<double>(n) * static_cast<double>(k);
  state.counters["bits_per_s"] = benchmark::Counter(bits, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["N"] = static_cast<double>(n);
  state.counters["p"] = static_cast<double>(p);
  state.counters["K"] = static_cast<double>(k);
  state.counters["MB"] = (method == Method::kSuite ? suite_bytes(n, p) : dense_bytes(n, p, k)) / 1e6;
  state.counters["P_err"] = count.error_rate();
}

/// One iteration = generating the p random patterns of one sample (the rest of a driver sample).
void bm_pattern_generation(benchmark::State& state, std::size_t n, double alpha) {
  const std::size_t p = patterns_for(n, alpha);
  if (const auto& error = check_agreement(make_patterns(n, p), p); !error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::uint64_t sample = 0;
  for (auto _ : state) {
    auto rng = nnsim::make_stream(kSeed, /*point=*/n, sample++, /*stream=*/0);
    auto x = hf::PatternSet::random(p, n, rng);
    benchmark::DoNotOptimize(x.pattern(0));
    benchmark::ClobberMemory();
  }
  const double bits = static_cast<double>(n) * static_cast<double>(p);
  state.counters["bits_per_s"] = benchmark::Counter(bits, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["N"] = static_cast<double>(n);
  state.counters["p"] = static_cast<double>(p);
  state.counters["K"] = 0;
  state.counters["MB"] = bits / 8.0 / 1e6;
  state.counters["P_err"] = 0;
}

std::string alpha_label(double alpha) {
  std::string s = std::to_string(alpha);  // "0.100000"
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  return s;
}

// Iteration sizing: Google Benchmark repeats a case until it has run for kMinTime of CPU time
// (one iteration if a single one takes longer, e.g. the dense baseline at N = 4000), and every case
// is repeated kRepetitions times; the console shows mean, median, stddev and cv of the repetitions.
// The whole binary runs in about two minutes on one core of the machine in docs/performance.md.
constexpr double kMinTime = 1.0;
constexpr int kRepetitions = 3;

benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond)->MinTime(kMinTime)->Repetitions(kRepetitions)->DisplayAggregatesOnly(true);
}

void register_benchmarks() {
  const std::vector<std::size_t> sizes = {500, 1000, 2000, 4000};
  const std::vector<double> alphas = {0.1, 0.3};
  std::vector<std::tuple<std::string, Method, nnsim::Isa>> methods;
  for (const auto isa : nnsim::supported_isas()) {
    methods.emplace_back(std::string("suite_") + nnsim::to_string(isa), Method::kSuite, isa);
  }
  methods.emplace_back("dense_baseline", Method::kDense, nnsim::best_supported_isa());
  for (const auto n : sizes) {
    for (const auto alpha : alphas) {
      for (const auto& [label, method, isa] : methods) {
        const std::string name = "OneStep/" + label + "/N:" + std::to_string(n) + "/alpha:" + alpha_label(alpha);
        configure(benchmark::RegisterBenchmark(name.c_str(), bm_count, method, isa, n, alpha, std::size_t{0}));
      }
    }
  }
  configure(benchmark::RegisterBenchmark("OneStep/pattern_generation/N:4000/alpha:0.3", bm_pattern_generation,
                                         std::size_t{4000}, 0.3));
  for (const auto& [label, method, isa] : methods) {
    const std::string name = "OneStep/subset/" + label + "/N:4000/alpha:0.3/K:100";
    configure(benchmark::RegisterBenchmark(name.c_str(), bm_count, method, isa, std::size_t{4000}, 0.3,
                                           std::size_t{100}));
  }
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
