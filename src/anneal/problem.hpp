#pragma once
// The problem concept of the annealing engine: a configuration space, an energy H on it and a
// symmetric proposal. The engine knows nothing else about a problem; a problem knows nothing
// about schedules, restarts, replicas, files or ranks.

#include <concepts>

#include "core/rng.hpp"

namespace nnsim::anneal {

/// What the engine needs from a problem P (each clause is checked separately, so a compiler
/// error names the missing member):
///   typename P::State;   copyable configuration
///   typename P::Move;    small value type
///   double P::energy(const State&) const;                          full evaluation of H
///   State  P::random_state(nnsim::RandomStream&) const;
///   Move   P::propose(const State&, nnsim::RandomStream&) const;   symmetric: g(a->b) = g(b->a)
///   double P::delta(const State&, const Move&) const;              H(after) - H(before), state unchanged
///   void   P::apply(State&, const Move&) const;
/// The symmetry of `propose` is what makes min(1, exp(-Delta H / T)) (4.12) the correct
/// acceptance probability: detailed balance then holds for the Boltzmann distribution
/// exp(-H / T) / Z. A problem whose proposal is not symmetric must not satisfy this concept.
template <class P>
concept AnnealingProblem = std::copyable<typename P::State> && std::copyable<typename P::Move> &&
    requires(const P& problem, const typename P::State& state, typename P::State& mutable_state,
             const typename P::Move& move, RandomStream& rng) {
  { problem.energy(state) } -> std::convertible_to<double>;
  { problem.random_state(rng) } -> std::convertible_to<typename P::State>;
  { problem.propose(state, rng) } -> std::convertible_to<typename P::Move>;
  { problem.delta(state, move) } -> std::convertible_to<double>;
  {problem.apply(mutable_state, move)};
};

}  // namespace nnsim::anneal
