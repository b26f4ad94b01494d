#pragma once
// The two-stimulus associative task of Fig. 11.2 of the book, with its theory: the limit of
// Q-learning (11.30), the relaxation rates (11.27)-(11.29) and the maximal expected reward
// (11.4); and the associative reward-penalty rule (11.10) for the binary stochastic neuron (11.2).

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/rng.hpp"
#include "rl/environment.hpp"

namespace nnsim::rl {

/// p_reward for (x1, y=-1), (x1, y=+1), (x2, y=-1), (x2, y=+1): the book's table (Fig. 11.2).
inline constexpr std::array<double, 4> kBookRewardTable{0.6, 0.8, 0.3, 0.1};

/// Stimuli x1 = [1, 0] (state 0) and x2 = [1, 1] (state 1), drawn with equal probability; output
/// y = -1 (action 0) or +1 (action 1); reward +1 with probability p_reward(x, y), else -1. Every
/// episode is one step (11.26). Entry k = 2 * state + action of a table is in the order of the
/// reward table.
class AssociativeTask {
 public:
  static constexpr std::size_t kStates = 2;
  static constexpr std::size_t kActions = 2;

  /// Throws std::invalid_argument unless every probability is in [0, 1].
  explicit AssociativeTask(const std::array<double, 4>& reward_probability = kBookRewardTable);

  std::size_t num_states() const { return kStates; }
  std::size_t num_actions() const { return kActions; }
  std::size_t reset(RandomStream& rng) const { return static_cast<std::size_t>(rng() >> 63); }
  ActionMask legal_actions(std::size_t /*state*/) const { return 0b11; }
  Step step(std::size_t state, std::size_t action, RandomStream& rng) const {
    return {state, rng.uniform() < p_[2 * state + action] ? 1.0 : -1.0, true};
  }

  double reward_probability(std::size_t state, std::size_t action) const { return p_[2 * state + action]; }
  /// Q*(x, y) = <r | x, y> = 2 p_reward(x, y) - 1 (11.30): the limit of Q-learning.
  double expected_reward(std::size_t state, std::size_t action) const { return 2 * p_[2 * state + action] - 1; }
  /// r_max (11.4): the expected reward of the best deterministic policy, averaged over the stimuli.
  double max_expected_reward() const;
  /// The action with the larger Q* in `state` (action 1 on a tie).
  std::size_t best_action(std::size_t state) const;
  /// Stimulus vector x of a state.
  static std::array<double, 2> stimulus(std::size_t state) { return {1.0, state == 0 ? 0.0 : 1.0}; }

 private:
  std::array<double, 4> p_;
};

/// The probability per episode that entry k = 2 s + a of the Q-table is updated under
/// epsilon-greedy, the greedy action of each state being its best_action: (1/2)(1 - epsilon/2)
/// for the greedy entries and (1/2)(epsilon/2) for the others; 1/4 for all at epsilon = 1.
std::array<double, 4> update_probabilities(const AssociativeTask& task, double epsilon);

/// Relaxation rate per episode of <Q_t> - Q* for each entry, -ln(1 - alpha p) with p from
/// update_probabilities (<Q_t> - Q* = (Q_0 - Q*)(1 - alpha p)^t, (11.27)-(11.29)); about alpha p.
std::array<double, 4> relaxation_rates(const AssociativeTask& task, double alpha, double epsilon);

/// The book's rates (11.28)-(11.29): alpha/4 for every entry at epsilon = 1; otherwise alpha/2
/// for the greedy entries and epsilon alpha/4 for the others (the limit epsilon << 1).
std::array<double, 4> book_relaxation_rates(const AssociativeTask& task, double alpha, double epsilon);

/// <Q_t> of entry k after t episodes from Q_0 = q0, the greedy entries fixed as in
/// update_probabilities: Q* + (q0 - Q*)(1 - alpha p_k)^t. Exact at epsilon = 1, where the choice
/// does not depend on Q; for epsilon < 1 once the greedy action of each state has settled.
double expected_q(const AssociativeTask& task, double alpha, double epsilon, double q0, std::size_t entry,
                  double episodes);

/// The binary stochastic neuron (11.2): output y = +1 with probability p(b) = 1 / (1 + exp(-2 b))
/// and -1 otherwise, local field b = w . x, so <y> = tanh(b).
struct StochasticNeuron {
  std::array<double, 2> weights{0.0, 0.0};
  double field(const std::array<double, 2>& x) const { return weights[0] * x[0] + weights[1] * x[1]; }
  static double probability_plus(double b);
  int fire(const std::array<double, 2>& x, RandomStream& rng) const {
    return rng.uniform() < probability_plus(field(x)) ? 1 : -1;
  }
};

/// The associative reward-penalty rule (11.10) (Barto and Anandan's A_RP, the form the book uses):
///   r = +1:  delta w = alpha (y - <y>) x
///   r = -1:  delta w = alpha delta (-y - <y>) x
/// with <y> = tanh(w . x); delta in (0, 1] weighs penalties (0 < delta << 1 in the book).
void reward_penalty_update(StochasticNeuron& neuron, const std::array<double, 2>& x, int y, double reward, double alpha,
                           double delta);

/// Expected immediate reward of the neuron's current weights, averaged over the two stimuli:
/// (1/2) sum_x sum_y P(y | x) (2 p_reward(x, y) - 1). At most r_max (11.4).
double expected_reward(const StochasticNeuron& neuron, const AssociativeTask& task);

}  // namespace nnsim::rl
