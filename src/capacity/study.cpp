#include "capacity/study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"

namespace nnsim::capacity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string text(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

using LoadMap = std::map<std::pair<std::int64_t, std::int64_t>, LoadSamples>;

std::vector<const LoadSamples*> loads_of(const LoadMap& loads, std::int64_t n) {
  std::vector<const LoadSamples*> out;
  for (auto it = loads.lower_bound({n, 0}); it != loads.end() && it->first.first == n; ++it) out.push_back(&it->second);
  return out;
}

/// Sample standard deviation of the finite values (NaN for fewer than two).
double spread(const std::vector<double>& values, int* used = nullptr) {
  double sum = 0, sum2 = 0;
  int count = 0;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++count;
  }
  if (used) *used = count;
  if (count < 2) return kNaN;
  const double mean = sum / count;
  for (const double v : values) {
    if (std::isfinite(v)) sum2 += (v - mean) * (v - mean);
  }
  return std::sqrt(sum2 / (count - 1));
}

/// The crossing of a fit, where it has one (converged, or separated with a finite midpoint).
double crossing_of(const CrossingFit& fit) {
  const bool usable = fit.status == FitStatus::converged || fit.status == FitStatus::separated;
  return usable && std::isfinite(fit.crossing) ? fit.crossing : kNaN;
}

}  // namespace

double StudySettings::sample_cost(std::int64_t n, std::int64_t p) const {
  // N p operations per sweep. Measured near the crossing (bench/run_bench_capacity.sh,
  // docs/performance.md), N p predicts the cost relative to N = 256 within a factor 2.3 up to
  // N = 32768 (within 15 % for 8192 ... 32768); N = 65536 costs 3.5 times more than it
  // predicts (the patterns no longer fit the caches).
  return static_cast<double>(n) * static_cast<double>(std::max<std::int64_t>(p, 1));
}

std::pair<double, double> StudySettings::bracket(std::int64_t n) const {
  if (!auto_bracket) return {bracket_low, bracket_high};
  const double size = static_cast<double>(n);
  const double root = std::sqrt(size);
  return {std::max(0.138 + (0.9 - 2.4) / root, 1.0 / size), std::min(0.138 + (0.9 + 2.4) / root, 1.0)};
}

std::uint64_t load_key(const StudySettings& settings, std::int64_t n, std::int64_t p) {
  PointKey key = settings.key_base;
  return key.add("N", n).add("p", p).value();
}

LoadMap aggregate(const RoundsHistory& history, std::uint64_t first_sample) {
  LoadMap loads;
  for (std::size_t r = 0; r < history.size(); ++r) {
    const auto& completed = history[r];
    std::size_t task = 0;
    for (const auto& block : completed.round.blocks) {
      if (block.point.integers.size() != 2) throw std::logic_error("capacity: a block without (N, p)");
      const std::int64_t n = block.point.integers[0];
      const std::int64_t p = block.point.integers[1];
      auto [it, inserted] = loads.try_emplace({n, p});
      LoadSamples& load = it->second;
      if (inserted) {
        load.size = n;
        load.patterns = p;
        load.key = block.point.key;
        load.first_round = static_cast<int>(r);
      }
      if (block.first_sample != first_sample + load.count()) {
        throw std::logic_error("capacity: samples of load (N = " + std::to_string(n) + ", p = " + std::to_string(p) +
                               ") are not contiguous in the history");
      }
      for (std::uint64_t s = 0; s < block.count; ++s, ++task) {
        const double* v = completed.values.data() + task * kTaskValues;
        load.final_overlap.push_back(v[kFinalOverlap]);
        load.retrieved.push_back(v[kRetrieved]);
        load.sweeps.push_back(v[kSweeps]);
        load.converged.push_back(v[kConverged]);
      }
    }
    if (task * kTaskValues != completed.values.size()) throw std::logic_error("capacity: round values do not match its blocks");
  }
  return loads;
}

std::vector<BinomialPoint> retrieval_counts(const std::vector<const LoadSamples*>& loads, double m_cut) {
  std::vector<BinomialPoint> points;
  for (const auto* load : loads) {
    BinomialPoint point{load->alpha(), 0, static_cast<std::int64_t>(load->count())};
    for (const double m : load->final_overlap) point.successes += m > m_cut ? 1 : 0;
    points.push_back(point);
  }
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.alpha < b.alpha; });
  return points;
}

std::optional<Round> plan_next_round(const StudySettings& s, const RoundsHistory& history) {
  if (history.size() >= static_cast<std::size_t>(s.max_rounds)) return std::nullopt;
  const LoadMap loads = aggregate(history, s.first_sample);
  Round round;
  std::set<std::string> labels;
  for (const std::int64_t n : s.sizes) {
    const auto mine = loads_of(loads, n);
    std::uint64_t total = 0;
    for (const auto* load : mine) total += load->count();
    std::vector<std::int64_t> wanted;  // loads that should get more samples, in this order
    std::string label;
    auto add_range = [&](std::int64_t from, std::int64_t to, int count) {
      // `count` loads evenly from `from` to `to` (inclusive), clamped to [1, N]
      for (int j = 0; j < count; ++j) {
        const double t = count == 1 ? 0.0 : static_cast<double>(j) / (count - 1);
        const auto p = static_cast<std::int64_t>(std::llround(static_cast<double>(from) + t * static_cast<double>(to - from)));
        wanted.push_back(std::clamp<std::int64_t>(p, 1, n));
      }
    };
    if (mine.empty()) {
      label = "bracket";
      const auto [alpha_low, alpha_high] = s.bracket(n);
      const auto low = std::llround(alpha_low * static_cast<double>(n));
      const auto high = std::llround(alpha_high * static_cast<double>(n));
      add_range(low, high, s.bracket_points);
    } else {
      const auto counts = retrieval_counts(mine, s.m_cut);
      const std::int64_t p_low = mine.front()->patterns;
      const std::int64_t p_high = mine.back()->patterns;
      const std::int64_t span = std::max<std::int64_t>(p_high - p_low, s.bracket_points - 1);
      const bool below = counts.front().fraction() < s.level;
      const bool above = counts.back().fraction() >= s.level;
      if (below || above) {
        const std::string where = below ? "lowest" : "highest";
        const auto& edge = below ? counts.front() : counts.back();
        std::string what = "P_ret = " + text(edge.fraction()) + " at the " + where + " probed load alpha = " +
                           text(edge.alpha) + " (" + std::to_string(edge.successes) + "/" +
                           std::to_string(edge.trials) + " retrieved) is " +
                           (below ? "already below" : "still not below") + " the crossing level " + text(s.level);
        if ((below && p_low == 1) || (above && p_high == n)) {
          throw UsageError("the crossing of N = " + std::to_string(n) + " cannot be bracketed: " + what +
                           (below ? ", and alpha = 1/N is the smallest load" : ", and alpha = 1 is the largest load"));
        }
        if (!s.widen) {
          throw UsageError("--bracket " + (s.auto_bracket ? std::string("auto") : text(s.bracket_low) + ":" + text(s.bracket_high)) +
                           " does not contain the crossing for N = " + std::to_string(n) + ": " + what + "; " +
                           (below ? "lower" : "raise") + " the bracket, or drop --fixed-bracket to let it widen");
        }
        label = "widen";
        if (below) {
          add_range(p_low - 1, p_low - span, s.bracket_points - 1);
        } else {
          add_range(p_high + 1, p_high + span, s.bracket_points - 1);
        }
      } else {
        if (total >= s.budget) continue;
        const CrossingFit fit = fit_crossing(counts, FitOptions{.link = Link::probit, .level = s.level});
        if (fit.status == FitStatus::converged && fit.location == Location::bracketed &&
            fit.crossing_stderr <= s.target_error) {
          continue;
        }
        label = "refine";
        auto add_alpha = [&](double alpha) {
          wanted.push_back(std::clamp<std::int64_t>(std::llround(alpha * static_cast<double>(n)), 1, n));
        };
        if (fit.status == FitStatus::converged) {
          for (const double z : {0.0, -0.6, 0.6, -1.2, 1.2}) add_alpha(fit.crossing + z * fit.width);
        } else if (fit.status == FitStatus::separated) {
          // The step lies between the last all-retrieved load below the first load that is not
          // all retrieved and the first none-retrieved load above the last load that is not
          // none retrieved: spread up to 5 loads inside it (the probed one in it gets more samples).
          std::size_t first_partial = 0;
          while (first_partial + 1 < counts.size() && counts[first_partial].successes == counts[first_partial].trials) {
            ++first_partial;
          }
          std::size_t last_partial = counts.size() - 1;
          while (last_partial > 0 && counts[last_partial].successes == 0) --last_partial;
          const std::int64_t lo = mine[first_partial > 0 ? first_partial - 1 : 0]->patterns;
          const std::int64_t hi = mine[std::min(last_partial + 1, counts.size() - 1)]->patterns;
          for (int j = 1; j <= 5; ++j) {
            const std::int64_t p = lo + (hi - lo) * j / 6;
            if (p > lo && p < hi) wanted.push_back(p);
          }
          if (wanted.empty()) {
            wanted = {lo, hi};  // adjacent loads: the step is located to one p; refine its ends
          }
        } else {
          for (const auto* load : mine) wanted.push_back(load->patterns);  // noisy data: more samples everywhere
        }
      }
    }
    // Blocks: new loads from sample 0, probed ones continued, within the caps.
    std::set<std::int64_t> seen;
    std::uint64_t added = 0;
    for (const std::int64_t p : wanted) {
      if (!seen.insert(p).second) continue;
      const auto it = loads.find({n, p});
      const std::uint64_t have = it == loads.end() ? 0 : it->second.count();
      const std::uint64_t room_total = s.budget > total + added ? s.budget - total - added : 0;
      const std::uint64_t count =
          std::min({s.round_samples, s.samples_per_load > have ? s.samples_per_load - have : 0, room_total});
      if (count == 0) continue;
      TaskBlock block;
      block.point.key = load_key(s, n, p);
      block.point.integers = {n, p};
      block.point.reals = {static_cast<double>(p) / static_cast<double>(n)};
      block.first_sample = s.first_sample + have;
      block.count = count;
      block.cost = s.sample_cost(n, p);
      round.blocks.push_back(std::move(block));
      added += count;
    }
    if (added > 0) labels.insert(label);
  }
  if (round.blocks.empty()) return std::nullopt;
  for (const auto& label : labels) round.label += (round.label.empty() ? "" : "+") + label;
  return round;
}

SizeEstimate estimate_size(std::int64_t n, const std::vector<const LoadSamples*>& loads, const EstimateOptions& o) {
  SizeEstimate e;
  e.size = n;
  e.loads = loads.size();
  for (const auto* load : loads) e.samples += load->count();
  std::vector<const LoadSamples*> sorted = loads;
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->patterns < b->patterns; });

  auto mean_points = [&](const std::vector<std::vector<double>>& overlaps) {
    std::vector<MeanPoint> points;
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      if (overlaps[j].size() >= 2) points.push_back(mean_point(sorted[j]->alpha(), overlaps[j]));
    }
    return points;
  };
  const FitOptions probit{.link = Link::probit, .level = o.level};
  const FitOptions logistic{.link = Link::logistic, .level = o.level};
  const FitOptions probit_half{.link = Link::probit, .level = o.level};
  auto counts_at = [&](const std::vector<std::vector<double>>& overlaps, double m_cut) {
    std::vector<BinomialPoint> points;
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      BinomialPoint point{sorted[j]->alpha(), 0, static_cast<std::int64_t>(overlaps[j].size())};
      for (const double m : overlaps[j]) point.successes += m > m_cut ? 1 : 0;
      points.push_back(point);
    }
    return points;
  };

  std::vector<std::vector<double>> overlaps;
  for (const auto* load : sorted) overlaps.push_back(load->final_overlap);
  const auto counts = counts_at(overlaps, o.m_cut);
  e.probit = fit_crossing(counts, probit);
  e.logistic = fit_crossing(counts, logistic);
  e.linear = linear_crossing(counts, o.level);
  e.mean_overlap = linear_crossing(mean_points(overlaps), o.overlap_level);
  e.steepest = e.probit.status == FitStatus::converged ? steepest_point(e.probit) : SteepestPoint{kNaN, kNaN, kNaN};
  e.m_cut_08 = fit_crossing(counts_at(overlaps, 0.8), probit_half);
  e.m_cut_09 = fit_crossing(counts_at(overlaps, 0.9), probit_half);
  e.m_cut_shift = crossing_of(e.m_cut_08) - crossing_of(e.m_cut_09);

  // Bootstrap over disorder samples, every estimator on the same resample.
  const std::uint64_t key = PointKey("nnsim-capacity/bootstrap").add("N", n).value();
  std::vector<double> b_probit, b_logistic, b_mean, b_08, b_09, b_shift;
  std::vector<std::vector<double>> resampled(sorted.size());
  for (int b = 0; b < o.bootstrap_resamples; ++b) {
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      const auto& source = sorted[j]->final_overlap;
      RandomStream rng(o.seed, key, static_cast<std::uint64_t>(b), j);
      resampled[j].resize(source.size());
      for (auto& value : resampled[j]) value = source[rng.below(source.size())];
    }
    const auto c = counts_at(resampled, o.m_cut);
    b_probit.push_back(crossing_of(fit_crossing(c, probit)));
    b_logistic.push_back(crossing_of(fit_crossing(c, logistic)));
    const auto mean = linear_crossing(mean_points(resampled), o.overlap_level);
    b_mean.push_back(mean.location == Location::bracketed ? mean.crossing : kNaN);
    b_08.push_back(crossing_of(fit_crossing(counts_at(resampled, 0.8), probit_half)));
    b_09.push_back(crossing_of(fit_crossing(counts_at(resampled, 0.9), probit_half)));
    b_shift.push_back(b_08.back() - b_09.back());
  }
  e.bootstrap_stderr = spread(b_probit, &e.bootstrap_used);
  e.logistic_bootstrap_stderr = spread(b_logistic);
  e.mean_overlap_bootstrap_stderr = spread(b_mean);
  e.m_cut_08_bootstrap_stderr = spread(b_08);
  e.m_cut_09_bootstrap_stderr = spread(b_09);
  e.m_cut_shift_stderr = spread(b_shift);
  return e;
}

}  // namespace nnsim::capacity
