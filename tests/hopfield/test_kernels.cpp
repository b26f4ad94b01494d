// Every kernel path this machine can run (generic, AVX2, AVX-512; hopfield/kernels) must give
// bitwise the same results as the others and as a plain reference, on random inputs with sizes
// that exercise the tile and block edges.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/rng.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/kernels/dispatch.hpp"
#include "hopfield/network.hpp"
#include "hopfield/one_step.hpp"

using namespace nnsim;
using namespace nnsim::hopfield;

namespace {

/// Restores the active path after a test switched it.
class KernelPaths : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = active_isa(); }
  void TearDown() override { set_active_isa(saved_); }
  Isa saved_ = Isa::kGeneric;
};

/// One-step errors by the overlap formula in 64-bit integers: obviously exact, any size.
std::uint64_t brute_one_step_errors(const PatternSet& x, std::size_t checked, Diagonal diagonal) {
  const std::size_t n = x.num_neurons(), p = x.num_patterns();
  std::uint64_t errors = 0;
  std::vector<std::int64_t> overlap(p);
  for (std::size_t nu = 0; nu < checked; ++nu) {
    for (std::size_t mu = 0; mu < p; ++mu) overlap[mu] = x.overlap(mu, nu);
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t h = 0;
      for (std::size_t mu = 0; mu < p; ++mu) h += x.value(mu, i) * overlap[mu];
      if (diagonal == Diagonal::kZero) h -= static_cast<std::int64_t>(p) * x.value(nu, i);
      errors += (h >= 0 ? 1 : -1) != x.value(nu, i);
    }
  }
  return errors;
}

}  // namespace

TEST(Isa, TheMachineRunsAtLeastGeneric) {
  const auto paths = supported_isas();
  ASSERT_FALSE(paths.empty());
  EXPECT_EQ(paths.front(), Isa::kGeneric);
  EXPECT_EQ(paths.back(), best_supported_isa());
  for (const auto isa : paths) EXPECT_STREQ(kernels::kernels_for(isa).name, to_string(isa));
}

// Sizes: N and p around multiples of 64, tiles (8..32 rows, 6/12 columns) and blocks (256 rows,
// 240 columns); p = 1; K < p; both diagonals; float and (forced and natural) double.
TEST_F(KernelPaths, OneStepCountsAgreeWithDenseReferenceOnEveryPath) {
  struct Case {
    std::size_t n, p, k;
  };
  const Case cases[] = {{2, 1, 0},     {65, 1, 0},      {64, 64, 0},    {70, 20, 0},  {130, 63, 0},
                        {257, 241, 0}, {300, 90, 7},    {600, 280, 37}, {777, 300, 0}, {129, 129, 0},
                        {1000, 13, 0}, {513, 481, 250}, {31, 500, 0}};
  for (const auto c : cases) {
    auto rng = make_stream(11, c.n, c.p, 0);
    const auto x = PatternSet::random(c.p, c.n, rng);
    for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
      const auto dense = count_one_step_errors_dense(x, c.k, diagonal);
      for (const auto isa : supported_isas()) {
        set_active_isa(isa);
        for (const auto precision : {Precision::kFloat, Precision::kDouble}) {
          const auto fast = count_one_step_errors(x, c.k, diagonal, precision);
          EXPECT_EQ(fast.errors, dense.errors) << to_string(isa) << " N=" << c.n << " p=" << c.p << " K=" << c.k
                                               << (precision == Precision::kFloat ? " float" : " double")
                                               << (diagonal == Diagonal::kZero ? " zero" : " keep");
          EXPECT_EQ(fast.bits, dense.bits);
        }
      }
    }
  }
}

// A set stop flag ends a one-step count on every path with nnsim::Cancelled (the driver's
// long tasks poll it: issue 6, a Slurm warning signal must not wait for a minutes-long task);
// a clear flag changes nothing.
TEST_F(KernelPaths, OneStepCountStopsWhenCancelled) {
  auto rng = make_stream(13, 0, 0, 0);
  const auto x = PatternSet::random(300, 1500, rng);
  const auto reference = count_one_step_errors(x, 0, Diagonal::kZero).errors;
  std::atomic<bool> cancel{true};
  std::atomic<bool> go_on{false};
  for (const auto isa : supported_isas()) {
    set_active_isa(isa);
    EXPECT_THROW(count_one_step_errors(x, 0, Diagonal::kZero, Precision::kAuto, &cancel), Cancelled) << to_string(isa);
    EXPECT_EQ(count_one_step_errors(x, 0, Diagonal::kZero, Precision::kAuto, &go_on).errors, reference)
        << to_string(isa);
  }
}

// p N >= 2^24: Precision::kAuto must take double; checked against the integer formula.
TEST_F(KernelPaths, OneStepDoubleRegimeIsExactOnEveryPath) {
  const std::size_t n = 6001, p = 2797, k = 3;
  ASSERT_GE(static_cast<double>(n) * static_cast<double>(p), 16777216.0);
  auto rng = make_stream(12, n, p, 0);
  const auto x = PatternSet::random(p, n, rng);
  EXPECT_THROW(count_one_step_errors(x, k, Diagonal::kZero, Precision::kFloat), std::invalid_argument);
  for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
    const auto expected = brute_one_step_errors(x, k, diagonal);
    for (const auto isa : supported_isas()) {
      set_active_isa(isa);
      EXPECT_EQ(count_one_step_errors(x, k, diagonal).errors, expected) << to_string(isa);
    }
  }
}

TEST(Kernels, MaskedSumAndUpdateAgreeWithScalarReference) {
  auto rng = make_stream(13, 0, 0, 0);
  for (const std::size_t p : {1u, 5u, 63u, 64u, 65u, 100u, 128u, 200u, 319u}) {
    const std::size_t words = (p + 63) / 64;
    std::vector<std::uint64_t> bits(words);
    for (auto& b : bits) b = rng();
    bits.back() &= p % 64 ? (std::uint64_t{1} << (p % 64)) - 1 : ~std::uint64_t{0};  // rows: zero beyond p
    std::vector<std::int32_t> m(64 * words, 0);
    for (std::size_t mu = 0; mu < p; ++mu) m[mu] = static_cast<std::int32_t>(rng.below(200001)) - 100000;
    std::int64_t expected_sum = 0;
    for (std::size_t mu = 0; mu < p; ++mu) expected_sum += ((bits[mu / 64] >> (mu % 64)) & 1U) ? m[mu] : 0;
    std::vector<std::int32_t> expected_m = m;
    for (std::size_t mu = 0; mu < p; ++mu) expected_m[mu] += ((bits[mu / 64] >> (mu % 64)) & 1U) ? -6 : 6;
    for (const auto isa : supported_isas()) {
      const auto& k = kernels::kernels_for(isa);
      EXPECT_EQ(k.masked_sum(bits.data(), m.data(), words), expected_sum) << k.name << " p=" << p;
      std::vector<std::int32_t> updated = m;
      k.masked_update(bits.data(), updated.data(), words, p, -6);
      EXPECT_EQ(updated, expected_m) << k.name << " p=" << p << " (padding beyond p must stay 0)";
    }
  }
}

TEST(Kernels, MatrixRowKernelsAgreeWithScalarReference) {
  auto rng = make_stream(14, 0, 0, 0);
  for (const std::size_t n : {1u, 7u, 16u, 33u, 64u, 100u, 1031u}) {
    std::vector<std::int16_t> row(n);
    std::vector<std::int8_t> state(n);
    std::vector<std::int32_t> h(n);
    for (std::size_t j = 0; j < n; ++j) {
      row[j] = static_cast<std::int16_t>(static_cast<int>(rng.below(65535)) - 32767);
      state[j] = rng.below(2) ? 1 : -1;
      h[j] = static_cast<std::int32_t>(rng.below(2000001)) - 1000000;
    }
    std::int32_t expected_dot = 0;
    std::vector<std::int32_t> expected_h = h;
    for (std::size_t j = 0; j < n; ++j) {
      expected_dot += row[j] * state[j];
      expected_h[j] += -2 * row[j];
    }
    for (const auto isa : supported_isas()) {
      const auto& k = kernels::kernels_for(isa);
      EXPECT_EQ(k.row_dot_state(row.data(), state.data(), n), expected_dot) << k.name << " n=" << n;
      std::vector<std::int32_t> updated = h;
      k.add_scaled_row(updated.data(), row.data(), n, -2);
      EXPECT_EQ(updated, expected_h) << k.name << " n=" << n;
    }
  }
}

// Whole trajectories (deterministic and stochastic, both storages) are identical on every path.
TEST_F(KernelPaths, DynamicsTrajectoriesAreIdenticalOnEveryPath) {
  const std::size_t n = 517, p = 71;
  auto pattern_rng = make_stream(15, 0, 0, 0);
  const auto x = PatternSet::random(p, n, pattern_rng);
  for (const auto storage : {WeightStorage::kPatterns, WeightStorage::kMatrix}) {
    for (const double beta : {std::numeric_limits<double>::infinity(), 8.0}) {
      std::vector<std::int8_t> first_state;
      Trajectory first;
      for (const auto isa : supported_isas()) {
        set_active_isa(isa);
        HopfieldNetwork net(x, Diagonal::kZero, storage);
        auto init = make_stream(15, 0, 0, 1);
        net.set_state_from_pattern(0, 0.2, init);
        auto dyn = make_stream(15, 0, 0, 2);
        DynamicsOptions options;
        options.beta = beta;
        options.max_sweeps = 30;
        const auto t = run_dynamics(net, 0, options, dyn);
        const std::vector<std::int8_t> state(net.state().begin(), net.state().end());
        if (isa == Isa::kGeneric) {
          first = t;
          first_state = state;
          continue;
        }
        EXPECT_EQ(state, first_state) << to_string(isa) << " " << to_string(storage) << " beta " << beta;
        EXPECT_EQ(t.final_overlap, first.final_overlap);
        EXPECT_EQ(t.final_energy, first.final_energy);
        EXPECT_EQ(t.flips, first.flips);
        EXPECT_EQ(t.sweeps, first.sweeps);
      }
    }
  }
}
