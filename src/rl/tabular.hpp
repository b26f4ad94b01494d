#pragma once
// Tabular agents (Section 11.4 of the book): a Q-table, the Q-learning (11.24) and SARSA (11.23)
// updates, and episode loops over any Environment (environment.hpp) with any Policy
// (policy.hpp). Nothing here knows a particular environment.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "rl/environment.hpp"
#include "rl/policy.hpp"

namespace nnsim::rl {

/// Q(s, a) for states 0 .. S-1 and actions 0 .. A-1, one row per state.
class QTable {
 public:
  QTable() = default;
  QTable(std::size_t states, std::size_t actions, double initial = 0)
      : actions_(actions), values_(states * actions, initial) {}
  std::size_t num_states() const { return actions_ == 0 ? 0 : values_.size() / actions_; }
  std::size_t num_actions() const { return actions_; }
  double* row(std::size_t state) { return values_.data() + state * actions_; }
  const double* row(std::size_t state) const { return values_.data() + state * actions_; }
  double& operator()(std::size_t state, std::size_t action) { return values_[state * actions_ + action]; }
  double operator()(std::size_t state, std::size_t action) const { return values_[state * actions_ + action]; }
  const std::vector<double>& values() const { return values_; }
  void fill(double value) { values_.assign(values_.size(), value); }

 private:
  std::size_t actions_ = 0;
  std::vector<double> values_;
};

/// Q-learning (11.24): Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') - Q(s,a)], the max over
/// the legal actions of s'; at the end of an episode the target is r alone (terminal value 0).
inline void q_learning_update(QTable& q, std::size_t state, std::size_t action, double reward, std::size_t next_state,
                              bool done, ActionMask next_legal, double alpha, double gamma) {
  const double target = done ? reward : reward + gamma * max_q(q.row(next_state), next_legal);
  double& entry = q(state, action);
  entry += alpha * (target - entry);
}

/// SARSA (11.23): Q(s,a) <- Q(s,a) + alpha [r + gamma Q(s',a') - Q(s,a)] with a' the action the
/// policy takes in s'; at the end of an episode the target is r alone.
inline void sarsa_update(QTable& q, std::size_t state, std::size_t action, double reward, std::size_t next_state,
                         std::size_t next_action, bool done, double alpha, double gamma) {
  const double target = done ? reward : reward + gamma * q(next_state, next_action);
  double& entry = q(state, action);
  entry += alpha * (target - entry);
}

/// What one episode did.
struct EpisodeResult {
  double total_reward = 0;  ///< sum of the rewards (undiscounted)
  std::uint64_t steps = 0;
  bool finished = true;  ///< false when max_steps ended the episode first
};

/// One episode of Q-learning (Algorithm 11 of the book, (11.24)): act with `policy`, update after
/// every step. `round` is the episode number (for the policy's schedule).
template <Environment E, Policy P>
EpisodeResult q_learning_episode(E& env, QTable& q, const P& policy, std::uint64_t round, double alpha, double gamma,
                                 RandomStream& rng, std::uint64_t max_steps = UINT64_MAX) {
  EpisodeResult result;
  std::size_t state = env.reset(rng);
  while (result.steps < max_steps) {
    const std::size_t action = policy.choose(q.row(state), env.legal_actions(state), round, rng);
    const Step step = env.step(state, action, rng);
    q_learning_update(q, state, action, step.reward, step.next_state, step.done,
                      step.done ? ActionMask{0} : env.legal_actions(step.next_state), alpha, gamma);
    result.total_reward += step.reward;
    ++result.steps;
    if (step.done) return result;
    state = step.next_state;
  }
  result.finished = false;
  return result;
}

/// One episode of SARSA (11.23): the next action is chosen before the update and then taken.
template <Environment E, Policy P>
EpisodeResult sarsa_episode(E& env, QTable& q, const P& policy, std::uint64_t round, double alpha, double gamma,
                            RandomStream& rng, std::uint64_t max_steps = UINT64_MAX) {
  EpisodeResult result;
  std::size_t state = env.reset(rng);
  std::size_t action = policy.choose(q.row(state), env.legal_actions(state), round, rng);
  while (result.steps < max_steps) {
    const Step step = env.step(state, action, rng);
    result.total_reward += step.reward;
    ++result.steps;
    if (step.done) {
      sarsa_update(q, state, action, step.reward, step.next_state, 0, true, alpha, gamma);
      return result;
    }
    const std::size_t next_action =
        policy.choose(q.row(step.next_state), env.legal_actions(step.next_state), round, rng);
    sarsa_update(q, state, action, step.reward, step.next_state, next_action, false, alpha, gamma);
    state = step.next_state;
    action = next_action;
  }
  result.finished = false;
  return result;
}

}  // namespace nnsim::rl
