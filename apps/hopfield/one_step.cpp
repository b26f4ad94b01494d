#include <cmath>
#include <sstream>

#include "experiments.hpp"
#include "hopfield/theory.hpp"

namespace nnsim::hopfield_app {

namespace hf = nnsim::hopfield;

namespace {

/// Upper bound of the bytes one one-step task holds: the packed patterns (p N / 8), the
/// 256-pattern overlap block and the 512-neuron spin block in double (the widest case, p N >= 2^24),
/// and the 512 x 256 field block.
double one_step_task_bytes(const Point& pt) {
  const auto n = static_cast<double>(pt.neurons);
  const auto p = static_cast<double>(pt.patterns);
  return p * std::ceil(n / 64) * 8 + p * 256 * 8 + 512 * p * 8 + 512.0 * 256 * 8;
}

}  // namespace

GriddedExperiment one_step_experiment(const HopfieldOptions& o, const Choices& choices, const CommonOptions& common,
                                      const PointKey& keys) {
  const auto points = make_points(o, {}, keys);
  for (const auto& pt : points) {
    const double need = one_step_task_bytes(pt) * common.threads;
    if (need > o.memory_budget_mb * 1e6) {
      std::ostringstream message;
      message.precision(4);
      message << "--memory-budget " << o.memory_budget_mb << " MB is too small for N = " << pt.neurons
              << ", p = " << pt.patterns << " with " << common.threads << " thread(s): the one-step count needs "
              << need / 1e6 << " MB (the patterns alone take p N / 8 bytes per thread); lower --N or --alpha, or "
              << "raise --memory-budget if the node has the memory";
      throw UsageError(message.str());
    }
  }
  const hf::Diagonal diagonal = choices.diagonal;
  const std::uint64_t seed = common.seed;
  const std::uint64_t per_sample = o.patterns_per_sample;
  auto checked = [per_sample](const Point& pt) {
    return per_sample == 0 ? pt.patterns : std::min<std::int64_t>(pt.patterns, static_cast<std::int64_t>(per_sample));
  };

  GriddedExperiment e;
  e.program = "nnsim-hopfield";
  e.experiment = "one-step";
  e.spec.num_points = points.size();
  e.spec.observables = {"one_step_error"};
  e.spec.cost = [points, checked](std::uint64_t i) {
    const auto& pt = points[i];
    return static_cast<double>(pt.neurons) * static_cast<double>(pt.patterns) * static_cast<double>(checked(pt));
  };
  e.spec.run = [points, checked, seed, diagonal](const Task& task, const CancelFlag& cancel) {
    const auto& pt = points[task.point];
    auto rng = make_stream(seed, pt.key, task.sample, /*stream=*/0);
    const auto patterns = hf::PatternSet::random(static_cast<std::size_t>(pt.patterns),
                                                 static_cast<std::size_t>(pt.neurons), rng);
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    const auto count = hf::count_one_step_errors(patterns, static_cast<std::size_t>(checked(pt)), diagonal,
                                                 hf::Precision::kAuto, &cancel);
    return std::vector<double>{count.error_rate()};
  };

  std::vector<std::int64_t> n_col, p_col, k_col;
  std::vector<double> alpha_col;
  for (const auto& pt : points) {
    n_col.push_back(pt.neurons);
    alpha_col.push_back(pt.alpha);
    p_col.push_back(pt.patterns);
    k_col.push_back(checked(pt));
    e.point_keys.push_back(pt.key);
  }
  e.points = {
      {"N", n_col, "number of neurons N", "1"},
      {"alpha", alpha_col, "load alpha = p/N as requested (p is rounded, see /points/p)", "1"},
      {"p", p_col, "number of stored random patterns p = round(alpha N)", "1"},
      {"patterns_checked", k_col, "patterns fed per sample; all N bits of each are updated once", "1"},
  };
  const std::string rule = diagonal == hf::Diagonal::kZero ? "(2.26), w_ii = 0" : "(2.25), w_ii = p/N";
  e.observables = {{"one_step_error",
                    "fraction of bits i of fed patterns nu with sgn(b_i) != x_i^nu after one update, b_i = sum_j w_ij "
                    "x_j^nu, Hebb's rule " + rule + ", sgn(0) = +1",
                    "P_error(t=1) = <1[sgn(b_i) != x_i^nu]>, Section 2.4", "1"}};
  e.theory = [points, diagonal] {
    std::vector<double> book, exact;
    for (const auto& pt : points) {
      book.push_back(hf::one_step_error_book(static_cast<double>(pt.patterns) / static_cast<double>(pt.neurons)));
      exact.push_back(hf::one_step_error_exact(static_cast<std::uint64_t>(pt.neurons),
                                               static_cast<std::uint64_t>(pt.patterns), diagonal));
    }
    return std::vector<TheoryColumn>{
        {"one_step_error", book,
         "large-N theory at alpha = p/N (p as rounded); cross-talk Gaussian with variance alpha",
         "(2.39): P_error(t=1) = (1/2) [1 - erf(sqrt(1/(2 alpha)))]", "1"},
        {"one_step_error_exact", exact,
         "exact finite-N value for random patterns: the cross-talk C is 2K - M with K ~ Binomial(M, 1/2), "
         "M = (N-1)(p-1); see README",
         "P = P(C < -T) + P(C = -T)/2, T = N-1 for (2.26) (T = N+p-1 for (2.25))", "1"}};
  };
  return e;
}

}  // namespace nnsim::hopfield_app
