#pragma once
// Dynamics of the Hopfield network: deterministic asynchronous updates (random sequential or
// in fixed order), synchronous updates (the book's (2.4)), and the stochastic binary neuron
// (3.1) at noise level 1/beta. Time is counted in sweeps of N updates.

#include <atomic>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "hopfield/network.hpp"

namespace nnsim::hopfield {

enum class UpdateRule {
  kRandomSequential,  ///< asynchronous; each update picks a neuron uniformly at random
  kFixedOrder,        ///< asynchronous; neurons 0, 1, ..., N-1 in every sweep
  kSynchronous,       ///< all neurons at once from the old state (2.4)
};

struct DynamicsOptions {
  UpdateRule rule = UpdateRule::kRandomSequential;
  /// Inverse noise level; infinity = deterministic sgn update (2.4), else the stochastic
  /// neuron (3.1): s_i = +1 with probability 1 / (1 + exp(-2 beta b_i)).
  double beta = std::numeric_limits<double>::infinity();
  /// Deterministic runs stop at a fixed point or after this many sweeps; stochastic runs make
  /// exactly this many.
  std::size_t max_sweeps = 1000;
  /// Sweeps left out of the time average m_1(T) (3.2).
  std::size_t transient_sweeps = 0;
  /// Record m_1 after every this many sweeps (and at t = 0); 0 records nothing.
  std::size_t trace_every = 0;
};

struct Trajectory {
  double final_overlap = 0;         ///< m_1 at the end
  std::uint64_t wrong_bits = 0;     ///< bits of the final state that differ from the fed pattern
  double final_energy = 0;          ///< H (2.45) at the end
  double time_average_overlap = 0;  ///< m_1(T): mean of m_1 after each sweep past the transient (3.2)
  double time_average_error = 0;    ///< its standard error from binning the sweep series (0 if < 64 sweeps)
  std::uint64_t updates = 0;
  std::uint64_t flips = 0;
  std::size_t sweeps = 0;
  bool converged = false;            ///< deterministic: ended at a fixed point
  std::vector<double> overlap_trace;  ///< m_1 at t = 0, trace_every, 2 trace_every, ...
};

/// Runs the dynamics from the network's current state; m_1 is the overlap with pattern
/// `fed_pattern`. Stops early (throwing nnsim::Cancelled) when `cancel` becomes true.
Trajectory run_dynamics(HopfieldNetwork& network, std::size_t fed_pattern, const DynamicsOptions& options,
                        RandomStream& rng, const std::atomic<bool>* cancel = nullptr);

/// Standard error of the mean of a correlated series by log-binning: bins of 1, 2, 4, ...
/// values, the largest naive error over levels that keep at least 32 bins (a conservative
/// plateau estimate). 0 for fewer than 64 values.
double binning_error(std::span<const double> series);

}  // namespace nnsim::hopfield
