#pragma once
// Action-selection policies over a row of Q values (Section 11.3 of the book): epsilon-greedy
// with an exploration schedule, and softmax. Ties between maximal Q entries are broken uniformly
// at random (the book's convention for tic-tac-toe, Section 11.5), among the legal actions only.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>

#include "core/rng.hpp"
#include "rl/environment.hpp"

namespace nnsim::rl {

// ---- exploration schedules: epsilon as a function of the round (episode) number, from 0 ----

/// epsilon = value in every round.
struct ConstantEpsilon {
  double value = 0.1;
  double operator()(std::uint64_t /*round*/) const { return value; }
};

/// The book's schedule for tic-tac-toe (Section 11.5): epsilon = initial for the first `hold`
/// rounds, then multiplied by `factor` after every `every` rounds:
///   epsilon(t) = initial                                   for t < hold,
///   epsilon(t) = initial * factor^floor((t - hold) / every) for t >= hold,
/// so rounds hold .. hold + every - 1 still use `initial` and the first factor applies after
/// them. The book: initial 1, hold 10^4, factor 0.9, every 100.
struct StepDecayEpsilon {
  double initial = 1;
  std::uint64_t hold = 10000;
  double factor = 0.9;
  std::uint64_t every = 100;
  double operator()(std::uint64_t round) const {
    if (round < hold) return initial;
    return initial * std::pow(factor, static_cast<double>((round - hold) / every));
  }
};

/// epsilon(t) = max(minimum, initial * exp(-t / decay_rounds)).
struct ExponentialEpsilon {
  double initial = 1;
  double decay_rounds = 1000;
  double minimum = 0;
  double operator()(std::uint64_t round) const {
    return std::max(minimum, initial * std::exp(-static_cast<double>(round) / decay_rounds));
  }
};

using EpsilonSchedule = std::variant<ConstantEpsilon, StepDecayEpsilon, ExponentialEpsilon>;

/// epsilon of `schedule` in round `round`.
double epsilon_at(const EpsilonSchedule& schedule, std::uint64_t round);

/// A schedule from its text, with `initial` as epsilon in round 0:
///   "constant"                 epsilon = initial
///   "book"                     StepDecayEpsilon{initial, 10000, 0.9, 100}
///   "step:K,F,M"               StepDecayEpsilon{initial, K, F, M}
///   "exponential:TAU[,MIN]"    ExponentialEpsilon{initial, TAU, MIN}
/// Throws std::invalid_argument with a message saying what is allowed.
EpsilonSchedule parse_epsilon_schedule(const std::string& text, double initial);

/// Canonical text of a schedule (parse_epsilon_schedule reads it back).
std::string format_epsilon_schedule(const EpsilonSchedule& schedule);

// ---- choosing an action from a row of Q values (q[a] for a = 0 .. 63, legal ones in a mask) ----

/// The legal actions whose Q is maximal.
inline ActionMask greedy_actions(const double* q, ActionMask legal) {
  double best = -std::numeric_limits<double>::infinity();
  ActionMask set = 0;
  for (ActionMask m = legal; m != 0; m &= m - 1) {
    const auto a = static_cast<unsigned>(std::countr_zero(m));
    const double v = q[a];
    if (v > best) {
      best = v;
      set = ActionMask{1} << a;
    } else if (v == best) {
      set |= ActionMask{1} << a;
    }
  }
  return set;
}

/// max_a Q(a) over the legal actions.
inline double max_q(const double* q, ActionMask legal) {
  double best = -std::numeric_limits<double>::infinity();
  for (ActionMask m = legal; m != 0; m &= m - 1) best = std::max(best, q[std::countr_zero(m)]);
  return best;
}

/// A maximal legal action, ties broken uniformly at random (a random draw only when there is a tie).
inline std::size_t greedy_action(const double* q, ActionMask legal, RandomStream& rng) {
  return uniform_action(greedy_actions(q, legal), rng);
}

/// Epsilon-greedy (Section 11.3): with probability epsilon a uniformly random legal action, else a
/// greedy one. epsilon >= 1 and epsilon <= 0 draw no number for the coin.
inline std::size_t epsilon_greedy_action(const double* q, ActionMask legal, double epsilon, RandomStream& rng) {
  const bool explore = epsilon >= 1 || (epsilon > 0 && rng.uniform() < epsilon);
  return explore ? uniform_action(legal, rng) : greedy_action(q, legal, rng);
}

/// Softmax (Boltzmann) selection: P(a) proportional to exp(beta Q(a)) over the legal actions.
std::size_t softmax_action(const double* q, ActionMask legal, double beta, RandomStream& rng);

// ---- policies as small classes (the agents take one as a template argument) ----

/// Epsilon-greedy with a schedule (default: constant 0.1).
class EpsilonGreedy {
 public:
  EpsilonGreedy() = default;
  explicit EpsilonGreedy(EpsilonSchedule schedule) : schedule_(schedule) {}
  std::size_t choose(const double* q, ActionMask legal, std::uint64_t round, RandomStream& rng) const {
    return epsilon_greedy_action(q, legal, epsilon_at(schedule_, round), rng);
  }
  double epsilon(std::uint64_t round) const { return epsilon_at(schedule_, round); }

 private:
  EpsilonSchedule schedule_ = ConstantEpsilon{};
};

/// Softmax with inverse temperature beta (default 1).
class Softmax {
 public:
  explicit Softmax(double beta = 1) : beta_(beta) {}
  std::size_t choose(const double* q, ActionMask legal, std::uint64_t /*round*/, RandomStream& rng) const {
    return softmax_action(q, legal, beta_, rng);
  }

 private:
  double beta_;
};

/// What an agent needs from a policy P:
///   std::size_t P::choose(const double* q_row, ActionMask legal, std::uint64_t round, RandomStream&) const;
template <class P>
concept Policy = requires(const P& policy, const double* q, ActionMask legal, std::uint64_t round, RandomStream& rng) {
  { policy.choose(q, legal, round, rng) } -> std::convertible_to<std::size_t>;
};

}  // namespace nnsim::rl
