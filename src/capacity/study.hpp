#pragma once
// The adaptive capacity study of nnsim-capacity: which loads to probe next (the planner of
// ensemble/rounds.hpp) and what is estimated from the samples at the end (crossing.hpp,
// extrapolation.hpp, collapse.hpp).
//
// A load of size N is an integer number of patterns p, alpha = p / N exactly, so two requested
// loads can never round to the same p and the crossing is located on the lattice the model
// lives on. A sample of (N, p) is one disorder realisation; the task returns
//   kFinalOverlap  m at the fixed point (or after --max-sweeps)
//   kRetrieved     1 if m > m_cut else 0
//   kSweeps, kConverged
// The planner only sees the history (rounds.hpp): it aggregates the samples of each (N, p) in
// sample order, and for every size that is not finished adds blocks to the next round:
//   1. bracket: `bracket_points` loads spread evenly over [bracket_low, bracket_high], or with
//      auto_bracket over alpha = 0.138 + (0.9 +- 2.4) / sqrt(N) (clamped to [1/N, 1]): a prior
//      from the reduced study of the README (alpha_c(N) = 0.146 ... 0.190 for N = 16384 ... 256,
//      transition widths ~ 0.6 / sqrt(N)), so large N are not probed far above alpha_c(N),
//      where samples relax for hundreds of sweeps;
//   2. widen: while P_ret at the lowest probed load is below the level (or at the highest is
//      not below it), the bracket grows by its own width on that side (towards p = 1 or p = N),
//      unless widening is off: then the planner stops the run with UsageError naming --bracket;
//   3. refine: probit fit of the counts (fit_crossing); samples are added, `round_samples` at a
//      time up to `samples_per_load`, at the loads c + w {-1.2, -0.6, 0, 0.6, 1.2} (c the
//      crossing, w the fitted width: these loads carry most of the Fisher information on c),
//      or, while the counts are separated, at the loads of the step and inside it;
//   4. a size is finished when the Fisher error of its crossing is at most `target_error` (with
//      the crossing inside the probed range), when its samples reach `budget`, or when no
//      useful load can take more samples.
// Every decision is a function of the history alone, so rounds and results are the same for
// any rank count and after a resume.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "capacity/collapse.hpp"
#include "capacity/crossing.hpp"
#include "capacity/extrapolation.hpp"
#include "core/rng.hpp"
#include "ensemble/rounds.hpp"

namespace nnsim::capacity {

/// Values of one task, in this order (RoundsSpec observables).
enum TaskValue : std::size_t { kFinalOverlap = 0, kRetrieved, kSweeps, kConverged, kTaskValues };

struct StudySettings {
  std::vector<std::int64_t> sizes;  ///< N, in the order given
  double m_cut = 0.9;
  double level = 0.5;
  bool auto_bracket = false;  ///< the bracket of each N from the prior above
  double bracket_low = 0.10;
  double bracket_high = 0.25;
  /// [low, high] of the first round of size n.
  std::pair<double, double> bracket(std::int64_t n) const;
  int bracket_points = 7;
  bool widen = true;
  std::uint64_t samples_per_load = 400;  ///< cap per (N, p)
  std::uint64_t round_samples = 100;     ///< samples added to a load per round
  std::uint64_t budget = 3200;           ///< cap of samples per N over all its loads
  double target_error = 5e-4;
  std::uint64_t first_sample = 0;        ///< sample numbers start here
  int max_rounds = 100;
  /// The point-key prefix; a load's key adds "|N=<N>|p=<p>".
  PointKey key_base{"nnsim-capacity"};
  /// Relative cost of one sample (scheduling and progress only).
  double sample_cost(std::int64_t n, std::int64_t p) const;
};

/// The samples of one load (N, p), in sample order [first_sample, first_sample + size).
struct LoadSamples {
  std::int64_t size = 0;
  std::int64_t patterns = 0;
  std::uint64_t key = 0;
  int first_round = 0;
  std::vector<double> final_overlap, retrieved, sweeps, converged;
  double alpha() const { return static_cast<double>(patterns) / static_cast<double>(size); }
  std::uint64_t count() const { return final_overlap.size(); }
};

/// All loads of the history, keyed by (N, p), sorted by N then p. Throws std::logic_error if the
/// blocks of a load are not contiguous from first_sample.
std::map<std::pair<std::int64_t, std::int64_t>, LoadSamples> aggregate(const RoundsHistory& history,
                                                                       std::uint64_t first_sample);

/// The key of load (N, p).
std::uint64_t load_key(const StudySettings& settings, std::int64_t n, std::int64_t p);

/// The planner (file comment). Throws UsageError when the crossing of some N is outside the
/// bracket and widening is off, or cannot be bracketed at all (P_ret below the level at p = 1,
/// or not below it at p = N).
std::optional<Round> plan_next_round(const StudySettings& settings, const RoundsHistory& history);

/// Counts of retrieval (final overlap > m_cut) of the loads of one size, sorted by alpha.
std::vector<BinomialPoint> retrieval_counts(const std::vector<const LoadSamples*>& loads, double m_cut);

/// The estimates of one size (all errors are standard errors; NaN where undefined).
struct SizeEstimate {
  std::int64_t size = 0;
  CrossingFit probit;  ///< at m_cut and the level; crossing = alpha_c(N)
  double bootstrap_stderr = 0;
  int bootstrap_used = 0;  ///< resamples whose fit gave a crossing
  CrossingFit logistic;
  double logistic_bootstrap_stderr = 0;
  LinearCrossing linear;        ///< local linear crossing of P_ret
  LinearCrossing mean_overlap;  ///< where the mean final overlap falls through overlap_level
  double mean_overlap_bootstrap_stderr = 0;
  SteepestPoint steepest;
  CrossingFit m_cut_08, m_cut_09;  ///< the crossing with m_cut = 0.8 and 0.9
  double m_cut_08_bootstrap_stderr = 0, m_cut_09_bootstrap_stderr = 0;
  double m_cut_shift = 0;  ///< alpha_c(m_cut = 0.8) - alpha_c(m_cut = 0.9), same samples
  double m_cut_shift_stderr = 0;  ///< paired bootstrap
  std::uint64_t samples = 0;
  std::uint64_t loads = 0;
};

struct EstimateOptions {
  double m_cut = 0.9;
  double level = 0.5;
  double overlap_level = 0.5;
  /// Bootstrap over disorder samples: resample b draws, at every load j (in alpha order)
  /// independently, n_j of its samples with replacement from RandomStream(seed, key, b, j), key
  /// = PointKey("nnsim-capacity/bootstrap").add("N", N); every estimator is recomputed on the
  /// same resample (so differences, e.g. the m_cut shift, get paired errors).
  int bootstrap_resamples = 200;
  std::uint64_t seed = 0;
};

SizeEstimate estimate_size(std::int64_t n, const std::vector<const LoadSamples*>& loads, const EstimateOptions& options);

}  // namespace nnsim::capacity
