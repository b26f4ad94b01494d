#include "hopfield/dynamics.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/numeric.hpp"

namespace nnsim::hopfield {

double binning_error(std::span<const double> series) {
  if (series.size() < 64) return 0.0;
  std::vector<double> level(series.begin(), series.end());
  double best = 0;
  while (level.size() >= 32) {
    double mean = 0;
    for (const double v : level) mean += v;
    mean /= static_cast<double>(level.size());
    const double squares = sum_of_squared_deviations(level, mean);
    const double n = static_cast<double>(level.size());
    best = std::max(best, std::sqrt(squares / (n - 1) / n));
    std::vector<double> coarser(level.size() / 2);
    for (std::size_t k = 0; k < coarser.size(); ++k) coarser[k] = 0.5 * (level[2 * k] + level[2 * k + 1]);
    level.swap(coarser);
  }
  return best;
}

Trajectory run_dynamics(HopfieldNetwork& net, std::size_t fed, const DynamicsOptions& options, RandomStream& rng,
                        const std::atomic<bool>* cancel) {
  const std::size_t n = net.size();
  const bool deterministic = std::isinf(options.beta) && options.beta > 0;
  const double two_beta_over_n = 2.0 * options.beta / static_cast<double>(n);
  Trajectory t;
  if (options.trace_every > 0) t.overlap_trace.push_back(net.overlap(fed));
  std::vector<double> after_transient;

  auto update = [&](std::size_t i) -> bool {
    if (deterministic) return net.update_deterministic(i);
    // (3.1): P(s_i = +1) = 1 / (1 + exp(-2 beta b_i)), b_i = h_i / N.
    const double p_plus = 1.0 / (1.0 + std::exp(-two_beta_over_n * static_cast<double>(net.field(i))));
    const int target = rng.uniform() < p_plus ? 1 : -1;
    if (target == net.spin(i)) return false;
    net.flip(i);
    return true;
  };

  for (std::size_t sweep = 0; sweep < options.max_sweeps; ++sweep) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
    std::uint64_t flips = 0;
    switch (options.rule) {
      case UpdateRule::kRandomSequential:
        for (std::size_t k = 0; k < n; ++k) flips += update(rng.below(n));
        break;
      case UpdateRule::kFixedOrder:
        for (std::size_t i = 0; i < n; ++i) flips += update(i);
        break;
      case UpdateRule::kSynchronous:
        if (!deterministic) throw std::invalid_argument("synchronous updates are deterministic only");
        flips = net.update_synchronous();
        break;
    }
    t.updates += n;
    t.flips += flips;
    t.sweeps = sweep + 1;
    const double m = net.overlap(fed);
    if (sweep + 1 > options.transient_sweeps) after_transient.push_back(m);
    if (options.trace_every > 0 && (sweep + 1) % options.trace_every == 0) t.overlap_trace.push_back(m);
    if (deterministic && flips == 0) {
      // A sweep of random picks may miss neurons: confirm the fixed point.
      if (options.rule != UpdateRule::kRandomSequential || net.is_fixed_point()) {
        t.converged = true;
        break;
      }
    }
  }
  t.final_overlap = net.overlap(fed);
  t.wrong_bits = static_cast<std::uint64_t>((static_cast<std::int64_t>(n) - net.overlap_sum(fed)) / 2);
  t.final_energy = net.energy();
  if (!after_transient.empty()) {
    double sum = 0;
    for (const double v : after_transient) sum += v;
    t.time_average_overlap = sum / static_cast<double>(after_transient.size());
    t.time_average_error = binning_error(after_transient);
  } else {
    t.time_average_overlap = t.final_overlap;
  }
  return t;
}

}  // namespace nnsim::hopfield
