#include "anneal/annealer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace nnsim::anneal {

namespace {
template <class T>
void require(bool ok, const std::string& what, T got) {
  if (ok) return;
  std::ostringstream message;
  message << "anneal: " << what << ", got " << got;
  throw UsageError(message.str());
}

bool automatic_or_positive(double t) { return t == 0 || (t > 0 && std::isfinite(t)); }
}  // namespace

void validate(const AnnealOptions& o) {
  o.schedule.validate();
  require(o.steps_per_temperature >= 1, "steps_per_temperature must be >= 1", o.steps_per_temperature);
  require(automatic_or_positive(o.initial_temperature),
          "initial_temperature must be positive and finite (or 0 = automatic)", o.initial_temperature);
  require(automatic_or_positive(o.final_temperature),
          "final_temperature must be positive and finite (or 0 = automatic)", o.final_temperature);
  if (o.initial_temperature > 0 && o.final_temperature > 0) {
    require(o.final_temperature <= o.initial_temperature, "final_temperature must be <= initial_temperature",
            o.final_temperature);
  }
  require(o.initial_acceptance > 0 && o.initial_acceptance < 1, "initial_acceptance must be in (0, 1)",
          o.initial_acceptance);
  require(o.final_acceptance > 0 && o.final_acceptance < 1, "final_acceptance must be in (0, 1)", o.final_acceptance);
  const bool automatic = o.initial_temperature == 0 || o.final_temperature == 0;
  require(!automatic || o.temperature_samples >= 1, "temperature_samples must be >= 1 when a temperature is automatic",
          o.temperature_samples);
  require(o.energy_tolerance >= 0 && std::isfinite(o.energy_tolerance), "energy_tolerance must be >= 0 and finite",
          o.energy_tolerance);
  require(std::isfinite(o.target_energy), "target_energy must be finite", o.target_energy);

  const auto& rx = o.replica_exchange;
  require(rx.replicas >= 1, "replica_exchange.replicas must be >= 1 (1 = plain annealing)", rx.replicas);
  if (rx.replicas >= 2) {
    require(rx.steps_per_exchange >= 1, "replica_exchange.steps_per_exchange must be >= 1", rx.steps_per_exchange);
    require(o.restart_after_levels == 0, "restart_after_levels must be 0 with replica exchange (no restarts there)",
            o.restart_after_levels);
    require(rx.temperatures.empty() || rx.temperatures.size() == rx.replicas,
            "replica_exchange.temperatures must be empty or have one entry per replica (" +
                std::to_string(rx.replicas) + ")",
            rx.temperatures.size());
    for (std::size_t r = 0; r < rx.temperatures.size(); ++r) {
      const double t = rx.temperatures[r];
      require(t > 0 && std::isfinite(t), "replica_exchange.temperatures must be positive and finite", t);
      if (r > 0) {
        require(t > rx.temperatures[r - 1], "replica_exchange.temperatures must be strictly ascending", t);
      }
    }
  }
}

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::kBudget:
      return "budget";
    case StopReason::kTarget:
      return "target";
    case StopReason::kCallback:
      return "callback";
  }
  return "unknown";
}

double acceptance_probability(double delta, double temperature) {
  if (delta <= 0) return 1.0;
  return std::exp(-delta / temperature);
}

double swap_probability(double temperature_i, double energy_i, double temperature_j, double energy_j) {
  const double exponent = (1.0 / temperature_i - 1.0 / temperature_j) * (energy_i - energy_j);
  return exponent >= 0 ? 1.0 : std::exp(exponent);
}

TemperatureEstimate temperatures_from_changes(const std::vector<double>& absolute_changes, double initial_acceptance,
                                              double final_acceptance, double tolerance) {
  TemperatureEstimate estimate;
  estimate.samples = absolute_changes.size();
  double sum = 0;
  double smallest = 0;
  for (const double change : absolute_changes) {
    if (!(change > tolerance)) continue;
    sum += change;
    smallest = estimate.nonzero == 0 ? change : std::min(smallest, change);
    ++estimate.nonzero;
  }
  if (estimate.nonzero == 0) return estimate;
  estimate.mean_change = sum / static_cast<double>(estimate.nonzero);
  estimate.min_change = smallest;
  // exp(-|Delta H| / T) = chi  <=>  T = |Delta H| / ln(1 / chi)   (Kirkpatrick's choice of T0).
  estimate.initial_temperature = estimate.mean_change / std::log(1.0 / initial_acceptance);
  estimate.final_temperature =
      std::min(estimate.min_change / std::log(1.0 / final_acceptance), estimate.initial_temperature);
  return estimate;
}

std::vector<double> geometric_ladder(double t_min, double t_max, std::size_t n) {
  std::vector<double> ladder(n, t_min);
  if (n < 2) return ladder;
  for (std::size_t r = 0; r < n; ++r) {
    ladder[r] = t_min * std::pow(t_max / t_min, static_cast<double>(r) / static_cast<double>(n - 1));
  }
  ladder.back() = t_max;
  return ladder;
}

}  // namespace nnsim::anneal
