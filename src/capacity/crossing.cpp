#include "capacity/crossing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "capacity/detail.hpp"
#include "core/rng.hpp"

namespace nnsim::capacity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Loads with their counts summed, sorted by alpha.
struct Aggregate {
  double alpha;
  double successes;
  double trials;
};

std::vector<Aggregate> aggregate(std::span<const BinomialPoint> points) {
  std::vector<Aggregate> sorted;
  sorted.reserve(points.size());
  for (const auto& p : points)
    sorted.push_back({p.alpha, static_cast<double>(p.successes), static_cast<double>(p.trials)});
  std::sort(sorted.begin(), sorted.end(), [](const Aggregate& a, const Aggregate& b) { return a.alpha < b.alpha; });
  std::vector<Aggregate> merged;
  for (const auto& p : sorted) {
    if (!merged.empty() && merged.back().alpha == p.alpha) {
      merged.back().successes += p.successes;
      merged.back().trials += p.trials;
    } else {
      merged.push_back(p);
    }
  }
  return merged;
}

void check_points(std::span<const BinomialPoint> points) {
  for (const auto& p : points) {
    if (!std::isfinite(p.alpha)) throw std::invalid_argument("capacity: a point's alpha is not finite");
    if (p.trials < 1)
      throw std::invalid_argument("capacity: a point's trials must be >= 1, got " + std::to_string(p.trials));
    if (p.successes < 0 || p.successes > p.trials)
      throw std::invalid_argument("capacity: a point's successes must be in [0, trials], got " +
                                  std::to_string(p.successes) + " of " + std::to_string(p.trials));
  }
}

// Per-point log-likelihood k ln F(eta) + (n - k) ln(1 - F(eta)) and its first two derivatives in eta.
struct PointTerms {
  double value, first, second;
};

PointTerms point_terms(Link link, double eta, double k, double n) {
  if (link == Link::probit) {
    const double up = detail::normal_hazard(eta), down = detail::normal_hazard(-eta);  // phi/Phi(+-eta)
    return {k * detail::log_normal_cdf(eta) + (n - k) * detail::log_normal_cdf(-eta),
            k * up - (n - k) * down,  //
            -k * up * (eta + up) - (n - k) * down * (down - eta)};
  }
  const double f = link_cdf(Link::logistic, eta);
  // ln F = -ln(1 + e^-eta), ln(1 - F) = -ln(1 + e^eta), each without overflow
  const auto softplus = [](double t) { return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); };
  return {-k * softplus(-eta) - (n - k) * softplus(eta), k - n * f, -n * f * (1 - f)};
}

// The maximum-likelihood fit in standardised coordinates.
struct CoreFit {
  FitStatus status = FitStatus::too_few_points;
  double centre = 0, scale = 1;            // x = (alpha - centre) / scale
  double c0 = 0, c1 = 0;                   // eta = c0 - c1 x
  double cov00 = 0, cov01 = 0, cov11 = 0;  // (-H)^-1
  double log_likelihood = 0;
  int iterations = 0;
  double separation_lower = kNaN, separation_upper = kNaN;
  Location separation_side = Location::undetermined;
  std::string message;
};

double log_likelihood(const std::vector<Aggregate>& data, Link link, double centre, double scale, double c0,
                      double c1) {
  double sum = 0;
  for (const auto& p : data)
    sum += point_terms(link, c0 - c1 * (p.alpha - centre) / scale, p.successes, p.trials).value;
  return sum;
}

CoreFit fit_core(const std::vector<Aggregate>& data, const FitOptions& options) {
  CoreFit fit;
  if (data.size() < 2) {
    fit.status = FitStatus::too_few_points;
    fit.message = "need at least two distinct loads, got " + std::to_string(data.size());
    return fit;
  }
  // Separation (file comment of crossing.hpp): ones below the step, zeros above it.
  const auto all = [](const Aggregate& p) { return p.successes == p.trials; };
  const auto none = [](const Aggregate& p) { return p.successes == 0; };
  const auto size = static_cast<std::ptrdiff_t>(data.size());
  std::ptrdiff_t first_not_all = 0, last_not_none = size - 1;
  while (first_not_all < size && all(data[static_cast<std::size_t>(first_not_all)])) ++first_not_all;
  while (last_not_none >= 0 && none(data[static_cast<std::size_t>(last_not_none)])) --last_not_none;
  if (last_not_none <= first_not_all) {
    fit.status = FitStatus::separated;
    const auto at = [&](std::ptrdiff_t i) { return data[static_cast<std::size_t>(i)].alpha; };
    fit.separation_lower = last_not_none < 0 ? -kInf : at(last_not_none);
    fit.separation_upper = first_not_all >= size ? kInf : at(first_not_all);
    if (last_not_none < 0)
      fit.separation_side = Location::below_range;
    else if (first_not_all >= size)
      fit.separation_side = Location::above_range;
    else
      fit.separation_side = Location::bracketed;
    fit.message = "perfect separation: every sample retrieved below alpha = " + std::to_string(fit.separation_lower) +
                  " and none above alpha = " + std::to_string(fit.separation_upper) + "; no ML estimate exists";
    return fit;
  }
  // The same test the other way round: zeros below, ones above.
  std::ptrdiff_t first_not_none = 0, last_not_all = size - 1;
  while (first_not_none < size && none(data[static_cast<std::size_t>(first_not_none)])) ++first_not_none;
  while (last_not_all >= 0 && all(data[static_cast<std::size_t>(last_not_all)])) --last_not_all;
  if (last_not_all <= first_not_none) {
    fit.status = FitStatus::not_decreasing;
    fit.message = "the data are separated with retrieval increasing in alpha";
    return fit;
  }

  double total = 0, weighted = 0, successes = 0;
  for (const auto& p : data) {
    total += p.trials;
    weighted += p.trials * p.alpha;
    successes += p.successes;
  }
  fit.centre = weighted / total;
  double spread = 0;
  for (const auto& p : data) spread += p.trials * (p.alpha - fit.centre) * (p.alpha - fit.centre);
  fit.scale = std::sqrt(spread / total);

  const double mean_fraction = std::clamp(successes / total, 0.01, 0.99);
  double c0 = link_quantile(options.link, mean_fraction), c1 = 0;
  double current = log_likelihood(data, options.link, fit.centre, fit.scale, c0, c1);
  fit.status = FitStatus::not_converged;
  double h00 = 0, h01 = 0, h11 = 0;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    fit.iterations = iteration;
    double g0 = 0, g1 = 0;
    h00 = h01 = h11 = 0;
    for (const auto& p : data) {
      const double x = (p.alpha - fit.centre) / fit.scale;
      const auto t = point_terms(options.link, c0 - c1 * x, p.successes, p.trials);
      g0 += t.first;
      g1 -= t.first * x;
      h00 += t.second;
      h01 -= t.second * x;
      h11 += t.second * x * x;
    }
    const double det = h00 * h11 - h01 * h01;
    double step0 = -(h11 * g0 - h01 * g1) / det, step1 = -(-h01 * g0 + h00 * g1) / det;
    double trial = current;
    for (int halving = 0; halving < 60; ++halving) {
      trial = log_likelihood(data, options.link, fit.centre, fit.scale, c0 + step0, c1 + step1);
      if (trial >= current - 1e-12 * std::fabs(current)) break;
      step0 /= 2;
      step1 /= 2;
    }
    c0 += step0;
    c1 += step1;
    current = trial;
    if (std::max(std::fabs(step0), std::fabs(step1)) < options.tolerance) {
      fit.status = FitStatus::converged;
      break;
    }
  }
  // Covariance at the final point (the Hessian of the last iteration is one tiny step away;
  // recompute so the errors belong to the reported estimate).
  h00 = h01 = h11 = 0;
  for (const auto& p : data) {
    const double x = (p.alpha - fit.centre) / fit.scale;
    const double second = point_terms(options.link, c0 - c1 * x, p.successes, p.trials).second;
    h00 += second;
    h01 -= second * x;
    h11 += second * x * x;
  }
  const double det = h00 * h11 - h01 * h01;
  fit.cov00 = -h11 / det;
  fit.cov01 = h01 / det;
  fit.cov11 = -h00 / det;
  fit.c0 = c0;
  fit.c1 = c1;
  fit.log_likelihood = current;
  if (fit.status == FitStatus::not_converged) {
    fit.message = "Newton's method did not converge in " + std::to_string(options.max_iterations) + " iterations";
  } else if (c1 <= 0) {
    fit.status = FitStatus::not_decreasing;
    fit.message = "the fitted curve does not decrease with alpha (c_1 = " + std::to_string(c1) + ")";
  }
  return fit;
}

// The crossing of `quantile` = F^-1(level) and its delta-method error.
struct Crossing {
  double value, stderr_value;
};

Crossing crossing_of(const CoreFit& fit, double quantile) {
  const double x = (fit.c0 - quantile) / fit.c1;
  const double d0 = fit.scale / fit.c1, d1 = -fit.scale * x / fit.c1;  // d alpha / d(c0, c1)
  const double variance = d0 * d0 * fit.cov00 + 2 * d0 * d1 * fit.cov01 + d1 * d1 * fit.cov11;
  return {fit.centre + fit.scale * x, std::sqrt(std::max(variance, 0.0))};
}

// The estimate the bootstrap and a separated fit report (CrossingFit::crossing).
double point_estimate(const CoreFit& fit, double quantile) {
  if (fit.status == FitStatus::separated) {
    if (std::isinf(fit.separation_lower)) return fit.separation_upper;
    if (std::isinf(fit.separation_upper)) return fit.separation_lower;
    return (fit.separation_lower + fit.separation_upper) / 2;
  }
  return crossing_of(fit, quantile).value;
}

Location locate(double crossing, double alpha_min, double alpha_max) {
  if (crossing < alpha_min) return Location::below_range;
  if (crossing > alpha_max) return Location::above_range;
  return Location::bracketed;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const auto above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

}  // namespace

const char* to_string(Location location) {
  switch (location) {
    case Location::bracketed:
      return "bracketed";
    case Location::below_range:
      return "below range";
    case Location::above_range:
      return "above range";
    case Location::undetermined:
      return "undetermined";
  }
  return "?";
}

const char* to_string(FitStatus status) {
  switch (status) {
    case FitStatus::converged:
      return "converged";
    case FitStatus::separated:
      return "separated";
    case FitStatus::not_decreasing:
      return "not decreasing";
    case FitStatus::too_few_points:
      return "too few points";
    case FitStatus::not_converged:
      return "not converged";
  }
  return "?";
}

BinomialPoint binomial_point(double alpha, std::span<const std::uint8_t> retrieved) {
  if (retrieved.empty()) throw std::invalid_argument("binomial_point: no samples");
  std::int64_t ones = 0;
  for (const auto r : retrieved) {
    if (r > 1) throw std::invalid_argument("binomial_point: outcomes must be 0 or 1, got " + std::to_string(r));
    ones += r;
  }
  return {alpha, ones, static_cast<std::int64_t>(retrieved.size())};
}

MeanPoint mean_point(double alpha, std::span<const double> values) {
  if (values.size() < 2) throw std::invalid_argument("mean_point: need at least 2 samples");
  double sum = 0;
  for (const double v : values) sum += v;
  const double n = static_cast<double>(values.size());
  const double mean = sum / n;
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return {alpha, mean, std::sqrt(squares / (n - 1) / n), static_cast<std::int64_t>(values.size())};
}

double link_cdf(Link link, double t) {
  if (link == Link::probit) return 0.5 * std::erfc(-t / std::numbers::sqrt2);
  return t >= 0 ? 1 / (1 + std::exp(-t)) : std::exp(t) / (1 + std::exp(t));
}

double link_density(Link link, double t) {
  if (link == Link::probit) return std::exp(-t * t / 2) * (std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  const double f = link_cdf(Link::logistic, t);
  return f * (1 - f);
}

double link_quantile(Link link, double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("link_quantile: p must be in (0, 1), got " + std::to_string(p));
  if (p == 0.5) return 0;  // exactly, so the crossing of level 1/2 is the midpoint to the bit
  if (link == Link::logistic) return std::log(p / (1 - p));
  // Bisection on the monotone Phi to the last bit: called once per fit, so speed does not matter.
  double lower = -40, upper = 40;
  for (int i = 0;
       i < 200 && upper - lower > 4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(lower)); ++i) {
    const double middle = (lower + upper) / 2;
    (link_cdf(Link::probit, middle) < p ? lower : upper) = middle;
  }
  return (lower + upper) / 2;
}

CrossingFit fit_crossing(std::span<const BinomialPoint> points, const FitOptions& options) {
  check_points(points);
  if (!(options.level > 0 && options.level < 1))
    throw std::invalid_argument("fit_crossing: level must be in (0, 1), got " + std::to_string(options.level));
  if (options.bootstrap_resamples < 0) throw std::invalid_argument("fit_crossing: bootstrap_resamples must be >= 0");
  const auto data = aggregate(points);
  const auto core = fit_core(data, options);
  const double quantile = link_quantile(options.link, options.level);

  CrossingFit result;
  result.status = core.status;
  result.link = options.link;
  result.level = options.level;
  result.iterations = core.iterations;
  result.message = core.message;
  result.crossing = result.crossing_stderr = result.midpoint = result.midpoint_stderr = kNaN;
  result.width = result.width_stderr = result.log_likelihood = kNaN;
  result.separation_lower = core.separation_lower;
  result.separation_upper = core.separation_upper;
  result.bootstrap_stderr = result.bootstrap_lower = result.bootstrap_upper = kNaN;
  if (core.status == FitStatus::separated) {
    result.crossing = point_estimate(core, quantile);
    result.midpoint = result.crossing;
    result.width = 0;
    result.location = core.separation_side;
    result.log_likelihood = 0;  // the supremum, approached as w -> 0 (exactly 0 without a mixed point)
  } else if (core.status == FitStatus::converged) {
    const auto at_level = crossing_of(core, quantile);
    const auto at_half = crossing_of(core, 0);
    result.crossing = at_level.value;
    result.crossing_stderr = at_level.stderr_value;
    result.midpoint = at_half.value;
    result.midpoint_stderr = at_half.stderr_value;
    result.width = core.scale / core.c1;
    result.width_stderr = core.scale / (core.c1 * core.c1) * std::sqrt(core.cov11);
    result.log_likelihood = core.log_likelihood;
    result.location = locate(result.crossing, data.front().alpha, data.back().alpha);
  }
  if (options.bootstrap_resamples == 0 || core.status == FitStatus::too_few_points) return result;

  // Bootstrap over disorder samples (FitOptions documents the streams).
  std::vector<BinomialPoint> resample(points.begin(), points.end());
  std::vector<double> crossings;
  crossings.reserve(static_cast<std::size_t>(options.bootstrap_resamples));
  for (int b = 0; b < options.bootstrap_resamples; ++b) {
    for (std::size_t j = 0; j < points.size(); ++j) {
      RandomStream stream(options.seed, options.key, static_cast<std::uint64_t>(b), j);
      const auto n = static_cast<std::uint64_t>(points[j].trials), k = static_cast<std::uint64_t>(points[j].successes);
      std::int64_t drawn = 0;
      for (std::uint64_t i = 0; i < n; ++i) drawn += stream.below(n) < k ? 1 : 0;  // sample i was one of the k ones
      resample[j].successes = drawn;
    }
    const auto fit = fit_core(aggregate(resample), options);
    if (fit.status != FitStatus::converged && fit.status != FitStatus::separated) continue;
    if (fit.status == FitStatus::separated) ++result.bootstrap_separated;
    crossings.push_back(point_estimate(fit, quantile));
  }
  result.bootstrap_resamples = static_cast<int>(crossings.size());
  if (crossings.size() < 2) return result;
  double mean = 0;
  for (const double c : crossings) mean += c;
  mean /= static_cast<double>(crossings.size());
  double squares = 0;
  for (const double c : crossings) squares += (c - mean) * (c - mean);
  result.bootstrap_stderr = std::sqrt(squares / static_cast<double>(crossings.size() - 1));
  std::sort(crossings.begin(), crossings.end());
  result.bootstrap_lower = quantile_of_sorted(crossings, 0.15865525393145707);
  result.bootstrap_upper = quantile_of_sorted(crossings, 0.8413447460685429);
  return result;
}

SteepestPoint steepest_point(const CrossingFit& fit) {
  SteepestPoint point;
  point.alpha = fit.midpoint;
  point.alpha_stderr = fit.midpoint_stderr;
  point.slope = fit.width > 0 ? -link_density(fit.link, 0) / fit.width : -kInf;
  if (fit.status != FitStatus::converged && fit.status != FitStatus::separated) point.slope = kNaN;
  return point;
}

LinearCrossing linear_crossing(std::span<const MeanPoint> points, double level) {
  LinearCrossing result;
  result.crossing = result.crossing_stderr = result.lower_alpha = result.upper_alpha = kNaN;
  if (points.empty()) return result;
  std::vector<MeanPoint> sorted(points.begin(), points.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const MeanPoint& a, const MeanPoint& b) { return a.alpha < b.alpha; });
  bool all_above = true, all_below = true;
  for (const auto& p : sorted) {
    all_above = all_above && p.mean >= level;
    all_below = all_below && p.mean < level;
  }
  for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
    const auto& a = sorted[i];
    const auto& b = sorted[i + 1];
    if (!(a.mean >= level && b.mean < level)) continue;
    if (++result.downward_crossings > 1) continue;
    const double drop = a.mean - b.mean, gap = b.alpha - a.alpha;
    result.crossing = a.alpha + (a.mean - level) * gap / drop;
    const double variance = gap * gap *
                            ((level - b.mean) * (level - b.mean) * a.stderr_mean * a.stderr_mean +
                             (a.mean - level) * (a.mean - level) * b.stderr_mean * b.stderr_mean) /
                            (drop * drop * drop * drop);
    result.crossing_stderr = std::sqrt(variance);
    result.lower_alpha = a.alpha;
    result.upper_alpha = b.alpha;
    result.location = Location::bracketed;
  }
  if (result.downward_crossings == 0) {
    if (all_above)
      result.location = Location::above_range;
    else if (all_below)
      result.location = Location::below_range;
  }
  return result;
}

LinearCrossing linear_crossing(std::span<const BinomialPoint> points, double level) {
  check_points(points);
  std::vector<MeanPoint> means;
  means.reserve(points.size());
  for (const auto& p : points) {
    const double n = static_cast<double>(p.trials);
    const double smoothed = (static_cast<double>(p.successes) + 0.5) / (n + 1);
    means.push_back({p.alpha, p.fraction(), std::sqrt(smoothed * (1 - smoothed) / n), p.trials});
  }
  return linear_crossing(std::span<const MeanPoint>(means), level);
}

}  // namespace nnsim::capacity
