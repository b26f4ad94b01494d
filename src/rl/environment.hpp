#pragma once
// The environment concept of the reinforcement-learning library (Chapter 11 of the book): a
// finite Markov decision process with integer states and at most 64 integer actions, the legal
// ones of a state given as a bit mask. An environment knows its dynamics and rewards and nothing
// about agents, policies, MPI or files; agents (tabular.hpp) know nothing about a particular
// environment.

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "core/rng.hpp"

namespace nnsim::rl {

/// Bit a of an ActionMask is set when action a is legal.
using ActionMask = std::uint64_t;

/// What an action does: the next state, the immediate reward r, and whether the episode ended
/// (then next_state is terminal and its value is 0 by definition).
struct Step {
  std::size_t next_state = 0;
  double reward = 0;
  bool done = false;
};

/// What the agents need from an environment E (each clause is checked on its own, so a compiler
/// error names the missing member):
///   std::size_t E::num_states() const;              states are 0 .. num_states() - 1
///   std::size_t E::num_actions() const;             at most 64
///   std::size_t E::reset(RandomStream&);             start of an episode: the initial state
///   ActionMask  E::legal_actions(std::size_t) const; non-empty for a non-terminal state
///   Step        E::step(std::size_t state, std::size_t action, RandomStream&);
template <class E>
concept Environment = requires(E& env, const E& const_env, std::size_t state, std::size_t action, RandomStream& rng) {
  { const_env.num_states() } -> std::convertible_to<std::size_t>;
  { const_env.num_actions() } -> std::convertible_to<std::size_t>;
  { env.reset(rng) } -> std::convertible_to<std::size_t>;
  { const_env.legal_actions(state) } -> std::convertible_to<ActionMask>;
  { env.step(state, action, rng) } -> std::same_as<Step>;
};

/// The number of legal actions in `mask`.
inline unsigned count_actions(ActionMask mask) { return static_cast<unsigned>(std::popcount(mask)); }

/// The index of the n-th set bit of `mask` (n < count_actions(mask)).
inline std::size_t nth_action(ActionMask mask, unsigned n) {
  for (unsigned i = 0; i < n; ++i) mask &= mask - 1;  // clear the lowest set bit n times
  return static_cast<std::size_t>(std::countr_zero(mask));
}

/// A legal action drawn uniformly from a non-empty `mask`.
inline std::size_t uniform_action(ActionMask mask, RandomStream& rng) {
  const unsigned n = count_actions(mask);
  return nth_action(mask, n == 1 ? 0u : static_cast<unsigned>(rng.below(n)));
}

}  // namespace nnsim::rl
