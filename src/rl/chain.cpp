#include "rl/chain.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace nnsim::rl {

ChainWalk::ChainWalk(std::size_t n) : n_(n) {
  if (n < 1) throw std::invalid_argument("ChainWalk: at least one state");
}

Features one_hot_features(std::size_t states) {
  Features f{states, std::vector<double>(states * states, 0.0)};
  for (std::size_t s = 0; s < states; ++s) f.values[s * states + s] = 1;
  return f;
}

Features affine_features(std::size_t states) {
  Features f{2, std::vector<double>(states * 2, 1.0)};
  for (std::size_t s = 0; s < states; ++s) {
    f.values[2 * s + 1] = states == 1 ? 0.0 : static_cast<double>(s) / static_cast<double>(states - 1);
  }
  return f;
}

LinearTdLambda::LinearTdLambda(Features features, double alpha, double lambda, double gamma, double initial_weight,
                               bool offline)
    : features_(std::move(features)),
      alpha_(alpha),
      lambda_(lambda),
      gamma_(gamma),
      offline_(offline),
      weights_(features_.dimension, initial_weight),
      trace_(features_.dimension, 0.0),
      pending_(features_.dimension, 0.0) {
  if (!(alpha > 0 && alpha <= 1)) throw std::invalid_argument("TD(lambda): alpha must be in (0, 1]");
  if (!(lambda >= 0 && lambda <= 1)) throw std::invalid_argument("TD(lambda): lambda must be in [0, 1]");
  if (!(gamma >= 0 && gamma <= 1)) throw std::invalid_argument("TD(lambda): gamma must be in [0, 1]");
}

double LinearTdLambda::value(std::size_t state) const {
  const double* phi = features_.of(state);
  double v = 0;
  for (std::size_t k = 0; k < features_.dimension; ++k) v += weights_[k] * phi[k];
  return v;
}

void LinearTdLambda::start_episode() {
  trace_.assign(trace_.size(), 0.0);
  pending_.assign(pending_.size(), 0.0);
}

void LinearTdLambda::end_episode() {
  if (!offline_) return;
  for (std::size_t k = 0; k < weights_.size(); ++k) weights_[k] += pending_[k];
  pending_.assign(pending_.size(), 0.0);
}

void LinearTdLambda::observe(std::size_t state, double reward, std::size_t next_state, bool done) {
  const double target = reward + (done ? 0.0 : gamma_ * value(next_state));
  const double error = target - value(state);  // the TD error of (11.20)
  const double* phi = features_.of(state);
  for (std::size_t k = 0; k < features_.dimension; ++k) {
    trace_[k] = gamma_ * lambda_ * trace_[k] + phi[k];
    (offline_ ? pending_[k] : weights_[k]) += alpha_ * error * trace_[k];
  }
}

std::uint64_t td_lambda_episode(const ChainWalk& chain, LinearTdLambda& learner, RandomStream& rng) {
  learner.start_episode();
  std::size_t state = chain.reset(rng);
  std::uint64_t steps = 0;
  for (;;) {
    const Step step = chain.step(state, uniform_action(chain.legal_actions(state), rng), rng);
    learner.observe(state, step.reward, step.next_state, step.done);
    ++steps;
    if (step.done) {
      learner.end_episode();
      return steps;
    }
    state = step.next_state;
  }
}

double rms_value_error(const ChainWalk& chain, const LinearTdLambda& learner) {
  double total = 0;
  for (std::size_t s = 0; s < chain.num_states(); ++s) {
    const double d = learner.value(s) - chain.true_value(s);
    total += d * d;
  }
  return std::sqrt(total / static_cast<double>(chain.num_states()));
}

}  // namespace nnsim::rl
