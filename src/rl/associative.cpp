#include "rl/associative.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace nnsim::rl {

AssociativeTask::AssociativeTask(const std::array<double, 4>& reward_probability) : p_(reward_probability) {
  for (const double p : p_) {
    if (!(p >= 0 && p <= 1))
      throw std::invalid_argument("reward probabilities must be in [0, 1], got " + std::to_string(p));
  }
}

double AssociativeTask::max_expected_reward() const {
  double total = 0;
  for (std::size_t s = 0; s < kStates; ++s) total += std::max(expected_reward(s, 0), expected_reward(s, 1));
  return total / static_cast<double>(kStates);
}

std::size_t AssociativeTask::best_action(std::size_t state) const {
  return expected_reward(state, 0) > expected_reward(state, 1) ? 0 : 1;
}

std::array<double, 4> update_probabilities(const AssociativeTask& task, double epsilon) {
  std::array<double, 4> p{};
  for (std::size_t s = 0; s < 2; ++s) {
    for (std::size_t a = 0; a < 2; ++a) {
      const bool greedy = a == task.best_action(s);
      p[2 * s + a] = 0.5 * (greedy ? 1 - epsilon / 2 : epsilon / 2);
    }
  }
  return p;
}

std::array<double, 4> relaxation_rates(const AssociativeTask& task, double alpha, double epsilon) {
  auto rates = update_probabilities(task, epsilon);
  for (double& r : rates) r = -std::log1p(-alpha * r);
  return rates;
}

std::array<double, 4> book_relaxation_rates(const AssociativeTask& task, double alpha, double epsilon) {
  std::array<double, 4> rates{};
  for (std::size_t s = 0; s < 2; ++s) {
    for (std::size_t a = 0; a < 2; ++a) {
      if (epsilon >= 1) {
        rates[2 * s + a] = alpha / 4;  // (11.28)
      } else {
        rates[2 * s + a] = a == task.best_action(s) ? alpha / 2 : epsilon * alpha / 4;  // (11.29)
      }
    }
  }
  return rates;
}

double expected_q(const AssociativeTask& task, double alpha, double epsilon, double q0, std::size_t entry,
                  double episodes) {
  const double limit = task.expected_reward(entry / 2, entry % 2);
  const double p = update_probabilities(task, epsilon)[entry];
  return limit + (q0 - limit) * std::pow(1 - alpha * p, episodes);
}

double StochasticNeuron::probability_plus(double b) { return 1 / (1 + std::exp(-2 * b)); }

void reward_penalty_update(StochasticNeuron& neuron, const std::array<double, 2>& x, int y, double reward, double alpha,
                           double delta) {
  const double mean_y = std::tanh(neuron.field(x));
  const double yy = static_cast<double>(y);
  const double change = reward > 0 ? alpha * (yy - mean_y) : alpha * delta * (-yy - mean_y);
  neuron.weights[0] += change * x[0];
  neuron.weights[1] += change * x[1];
}

double expected_reward(const StochasticNeuron& neuron, const AssociativeTask& task) {
  double total = 0;
  for (std::size_t s = 0; s < 2; ++s) {
    const double p_plus = StochasticNeuron::probability_plus(neuron.field(AssociativeTask::stimulus(s)));
    total += (1 - p_plus) * task.expected_reward(s, 0) + p_plus * task.expected_reward(s, 1);
  }
  return total / 2;
}

}  // namespace nnsim::rl
