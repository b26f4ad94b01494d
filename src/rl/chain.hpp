#pragma once
// A random walk on a chain with a known value function, and TD(lambda) with a linear value
// function (11.20 of the book) to predict it.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "rl/environment.hpp"

namespace nnsim::rl {

/// States 0 .. n-1 in a row, episodes start in the middle (state n / 2). Action 0 steps left,
/// action 1 right; stepping left of state 0 ends the episode with reward 0, right of state n-1
/// with reward +1; every other step has reward 0. Under the uniformly random policy (the walk)
/// with gamma = 1 the value of state i is the probability to leave on the right,
/// V(i) = (i + 1) / (n + 1).
class ChainWalk {
 public:
  /// Throws std::invalid_argument unless n >= 1.
  explicit ChainWalk(std::size_t n = 5);
  std::size_t num_states() const { return n_; }
  std::size_t num_actions() const { return 2; }
  std::size_t reset(RandomStream& /*rng*/) const { return n_ / 2; }
  ActionMask legal_actions(std::size_t /*state*/) const { return 0b11; }
  Step step(std::size_t state, std::size_t action, RandomStream& /*rng*/) const {
    if (action == 0) return state == 0 ? Step{0, 0.0, true} : Step{state - 1, 0.0, false};
    return state + 1 == n_ ? Step{0, 1.0, true} : Step{state + 1, 0.0, false};
  }
  /// V(i) = (i + 1) / (n + 1) of the random walk, gamma = 1.
  double true_value(std::size_t state) const { return static_cast<double>(state + 1) / static_cast<double>(n_ + 1); }

 private:
  std::size_t n_;
};

/// Features of a linear value function V(s) = w . phi(s): one row of `dimension` numbers per state.
struct Features {
  std::size_t dimension = 0;
  std::vector<double> values;  ///< [state][dimension]
  const double* of(std::size_t state) const { return values.data() + state * dimension; }
};
/// phi(s) = e_s: the tabular case of a linear value function.
Features one_hot_features(std::size_t states);
/// phi(s) = (1, s / (states - 1)): two features; the chain's V is linear in s, so exactly representable.
Features affine_features(std::size_t states);

/// TD(lambda) with a linear value function (11.20), online, with accumulating eligibility traces:
/// after a step s -> s' with reward r,
///   e <- gamma lambda e + grad_w V(s) = gamma lambda e + phi(s),
///   w <- w + alpha [r + gamma V(s') - V(s)] e,
/// V(s') = 0 when s' is terminal; e starts at 0 in every episode.
/// Offline (`offline` = true): the changes of an episode are summed with w held fixed and applied
/// when it ends. The mean change is then linear in w with coefficients that do not depend on w,
/// so the mean over learners relaxes to the TD fixed point without the O(alpha) bias that online
/// updates have (w and e are correlated within an episode).
class LinearTdLambda {
 public:
  LinearTdLambda(Features features, double alpha, double lambda, double gamma = 1, double initial_weight = 0,
                 bool offline = false);
  double value(std::size_t state) const;
  /// Observes one step (the agent does not choose actions: it predicts the value of a given policy).
  void observe(std::size_t state, double reward, std::size_t next_state, bool done);
  /// Call at the start of every episode.
  void start_episode();
  /// Call at the end of every episode (applies the summed changes when offline).
  void end_episode();
  const std::vector<double>& weights() const { return weights_; }

 private:
  Features features_;
  double alpha_, lambda_, gamma_;
  bool offline_;
  std::vector<double> weights_, trace_, pending_;
};

/// One episode of the uniformly random walk on `chain`, fed to `learner`; returns its steps.
std::uint64_t td_lambda_episode(const ChainWalk& chain, LinearTdLambda& learner, RandomStream& rng);

/// Root-mean-square error of the learner's values against the true values, over the states.
double rms_value_error(const ChainWalk& chain, const LinearTdLambda& learner);

}  // namespace nnsim::rl
