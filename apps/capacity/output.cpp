// nnsim-capacity on rank 0 after the last round: the estimates, the output groups, the summary.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "capacity.hpp"
#include "ensemble/accumulator.hpp"
#include "ensemble/provenance.hpp"

namespace nnsim::capacity_app {

namespace cap = nnsim::capacity;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<const cap::LoadSamples*> loads_of(const StudyResults& r, std::int64_t n) {
  std::vector<const cap::LoadSamples*> out;
  for (auto it = r.loads.lower_bound({n, 0}); it != r.loads.end() && it->first.first == n; ++it) out.push_back(&it->second);
  return out;
}

bool usable(const cap::CrossingFit& fit) {
  return fit.status == cap::FitStatus::converged && fit.location == cap::Location::bracketed;
}

/// alpha_c(N) and its error as used downstream: the probit crossing with its bootstrap error
/// (the Fisher error where the bootstrap has none); NaN unless the fit converged inside the
/// probed loads.
std::pair<double, double> alpha_c(const cap::SizeEstimate& e) {
  if (!usable(e.probit)) return {kNaN, kNaN};
  const double err = std::isfinite(e.bootstrap_stderr) && e.bootstrap_stderr > 0 ? e.bootstrap_stderr
                                                                                  : e.probit.crossing_stderr;
  return {e.probit.crossing, err};
}

double value_or_nan(const cap::CrossingFit& fit) { return usable(fit) ? fit.crossing : kNaN; }

std::string format(const char* pattern, double a, double b) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, pattern, a, b);
  return buffer;
}

}  // namespace

StudyResults analyse(const CapacityOptions& o, const cap::StudySettings& settings, const RoundsHistory& history,
                     std::uint64_t seed) {
  std::vector<std::string> labels;
  std::vector<std::uint64_t> tasks;
  for (const auto& completed : history) {
    labels.push_back(completed.round.label);
    tasks.push_back(completed.round.num_tasks());
  }
  return analyse_loads(o, settings.sizes, cap::aggregate(history, settings.first_sample), std::move(labels),
                       std::move(tasks), seed);
}

StudyResults analyse_loads(const CapacityOptions& o, const std::vector<std::int64_t>& sizes,
                           std::map<std::pair<std::int64_t, std::int64_t>, cap::LoadSamples> all_loads,
                           std::vector<std::string> round_labels, std::vector<std::uint64_t> round_tasks,
                           std::uint64_t seed) {
  StudyResults r;
  r.loads = std::move(all_loads);
  r.round_labels = std::move(round_labels);
  r.round_tasks = std::move(round_tasks);
  cap::EstimateOptions estimate;
  estimate.m_cut = o.m_cut;
  estimate.level = o.level;
  estimate.overlap_level = o.overlap_level;
  estimate.bootstrap_resamples = o.bootstrap;
  estimate.seed = seed;
  std::vector<cap::SizePoint> points;
  std::vector<cap::SizeData> collapse_data;
  for (const std::int64_t n : sizes) {
    const auto loads = loads_of(r, n);
    r.sizes.push_back(cap::estimate_size(n, loads, estimate));
    const auto [a, err] = alpha_c(r.sizes.back());
    if (std::isfinite(a) && std::isfinite(err) && err > 0) points.push_back({static_cast<double>(n), a, err});
    collapse_data.push_back({static_cast<double>(n), cap::retrieval_counts(loads, o.m_cut)});
  }
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.size < b.size; });
  r.extrapolation = cap::recommend_extrapolation(points);
  r.fit_names = {"x_free", "x_0.5", "x_0.667", "x_1"};
  for (std::size_t i = 0; i < r.extrapolation.candidates.size(); ++i) {
    const auto& c = r.extrapolation.candidates[i];
    if (r.extrapolation.fit.status == cap::ExtrapolationStatus::ok && c.exponent_free == r.extrapolation.fit.exponent_free &&
        c.exponent == r.extrapolation.fit.exponent) {
      r.recommended = r.fit_names.at(i);
    }
  }
  cap::CollapseOptions collapse;
  collapse.fit_shift = true;
  r.collapse = cap::fit_scaling_collapse(collapse_data, collapse);
  return r;
}

void write_results(io::File& file, const StudyResults& r, const CapacityOptions& o) {
  auto& root = file.root();
  // /points: every probed (N, p), sorted by N then p
  std::vector<std::int64_t> n_col, p_col, round_col;
  std::vector<double> alpha_col;
  std::vector<std::uint64_t> key_col;
  std::uint64_t max_count = 0;
  for (const auto& [np, load] : r.loads) {
    n_col.push_back(load.size);
    p_col.push_back(load.patterns);
    alpha_col.push_back(load.alpha());
    key_col.push_back(load.key);
    round_col.push_back(load.first_round);
    max_count = std::max(max_count, load.count());
  }
  const std::uint64_t np = n_col.size();
  auto points = root.require_group("points");
  std::vector<io::Dataset> scales;
  auto scale = [&](io::Dataset d, const std::string& name, const std::string& description) {
    describe(d, description, "1");
    d.make_scale(name);
    scales.push_back(std::move(d));
  };
  scale(points.write("N", n_col), "N", "number of neurons N");
  scale(points.write("alpha", alpha_col), "alpha", "load alpha = p/N (exact: loads are chosen as integers p)");
  scale(points.write("p", p_col), "p", "number of stored random patterns p");
  scale(points.write("key", key_col), "key",
        "random-stream key of the load: a hash of (update, max-sweeps, N, p) (README, Random streams)");
  scale(points.write("round", round_col), "round", "the round (0-based, /rounds) in which the load was first probed");
  auto attach = [&](io::Dataset& d) {
    for (const auto& s : scales) d.attach_scale(s, 0);
  };

  // /results/<obs>: per-sample values, NaN-padded to the largest sample count
  struct Obs {
    const char* name;
    const char* description;
    const char* equation;
    const char* units;
    const std::vector<double> cap::LoadSamples::*values;
  };
  const Obs observables[] = {
      {"final_overlap", "m_1 = (1/N) sum_i x_i^1 s_i at the fixed point (or after max-sweeps)", "(3.2)", "1",
       &cap::LoadSamples::final_overlap},
      {"retrieved", "1 if the final overlap exceeds m-cut, else 0; its mean is P_ret(alpha; N)", "", "1",
       &cap::LoadSamples::retrieved},
      {"sweeps", "sweeps until a sweep flipped nothing (a fixed point) or max-sweeps", "", "sweeps",
       &cap::LoadSamples::sweeps},
      {"converged", "1 if the run ended at a fixed point, 0 if it hit max-sweeps", "", "1",
       &cap::LoadSamples::converged},
  };
  for (const auto& obs : observables) {
    std::vector<double> samples(np * max_count, kNaN), mean(np), err(np);
    std::vector<std::int64_t> count(np);
    std::size_t i = 0;
    for (const auto& [key, load] : r.loads) {
      const auto& v = load.*obs.values;
      std::copy(v.begin(), v.end(), samples.begin() + static_cast<std::ptrdiff_t>(i * max_count));
      const auto s = summarize(v);
      mean[i] = s.mean;
      err[i] = s.stderr_of_mean;
      count[i] = static_cast<std::int64_t>(s.count);
      ++i;
    }
    auto group = root.require_group(std::string("results/") + obs.name);
    describe(group, obs.description, obs.units, obs.equation);
    auto d = group.write("mean", mean);
    describe(d, std::string("mean over samples of ") + obs.description, obs.units, obs.equation);
    attach(d);
    d = group.write("stderr", err);
    describe(d, "standard error of the mean: sample standard deviation / sqrt(count); NaN when count < 2", obs.units);
    attach(d);
    d = group.write("count", count);
    describe(d, "number of independent samples of the load (they differ between loads: the rounds choose them)", "1");
    attach(d);
    d = group.write("samples", samples, {np, max_count});
    describe(d,
             "one value per (load, sample), NaN-padded: entry s of a load is sample number first-sample + s, for s < "
             "count; computed from random streams keyed by (seed, /points/key, sample number)",
             obs.units, obs.equation);
    attach(d);
  }

  // /capacity: one entry per N, in the order of --N
  auto capacity = root.require_group("capacity");
  describe(capacity, "the finite-size storage capacity alpha_c(N) and alternative estimators, per N in the order of --N",
           "1");
  std::vector<std::int64_t> sizes, samples, loads;
  std::vector<std::string> status, location;
  std::map<std::string, std::vector<double>> columns;
  for (const auto& e : r.sizes) {
    sizes.push_back(e.size);
    samples.push_back(static_cast<std::int64_t>(e.samples));
    loads.push_back(static_cast<std::int64_t>(e.loads));
    status.push_back(cap::to_string(e.probit.status));
    location.push_back(cap::to_string(e.probit.location));
    const auto [a, err] = alpha_c(e);
    columns["alpha_c"].push_back(a);
    columns["alpha_c_stderr"].push_back(err);
    columns["alpha_c_stderr_fisher"].push_back(usable(e.probit) ? e.probit.crossing_stderr : kNaN);
    columns["width"].push_back(usable(e.probit) ? e.probit.width : kNaN);
    columns["width_stderr"].push_back(usable(e.probit) ? e.probit.width_stderr : kNaN);
    columns["alpha_c_logistic"].push_back(value_or_nan(e.logistic));
    columns["alpha_c_logistic_stderr"].push_back(usable(e.logistic) ? e.logistic_bootstrap_stderr : kNaN);
    const bool linear = e.linear.location == cap::Location::bracketed;
    columns["alpha_c_linear"].push_back(linear ? e.linear.crossing : kNaN);
    columns["alpha_c_linear_stderr"].push_back(linear ? e.linear.crossing_stderr : kNaN);
    const bool mean = e.mean_overlap.location == cap::Location::bracketed;
    columns["alpha_c_mean_overlap"].push_back(mean ? e.mean_overlap.crossing : kNaN);
    columns["alpha_c_mean_overlap_stderr"].push_back(mean ? e.mean_overlap_bootstrap_stderr : kNaN);
    columns["alpha_c_steepest"].push_back(usable(e.probit) ? e.steepest.alpha : kNaN);
    columns["alpha_c_steepest_stderr"].push_back(usable(e.probit) ? e.steepest.alpha_stderr : kNaN);
    columns["alpha_c_m_cut_0.8"].push_back(value_or_nan(e.m_cut_08));
    columns["alpha_c_m_cut_0.8_stderr"].push_back(usable(e.m_cut_08) ? e.m_cut_08_bootstrap_stderr : kNaN);
    columns["alpha_c_m_cut_0.9"].push_back(value_or_nan(e.m_cut_09));
    columns["alpha_c_m_cut_0.9_stderr"].push_back(usable(e.m_cut_09) ? e.m_cut_09_bootstrap_stderr : kNaN);
    const bool shift = usable(e.m_cut_08) && usable(e.m_cut_09);
    columns["m_cut_shift"].push_back(shift ? e.m_cut_shift : kNaN);
    columns["m_cut_shift_stderr"].push_back(shift ? e.m_cut_shift_stderr : kNaN);
  }
  auto n_dataset = capacity.write("N", sizes);
  describe(n_dataset, "network size N, in the order given to --N", "1");
  n_dataset.make_scale("N");
  const std::string level = format("%g", o.level, 0);
  const std::string bootstrap = "bootstrap over disorder samples (" + std::to_string(o.bootstrap) +
                                " resamples; README, nnsim-capacity); NaN where the estimate is NaN";
  struct Column {
    const char* name;
    std::string description;
    std::string equation;
  };
  const std::vector<Column> described = {
      {"alpha_c", "alpha_c(N): the load where P_ret crosses crossing-level (" + level +
                      "), from a maximum-likelihood probit fit of the retrieval counts of all loads of this N; NaN "
                      "unless the fit converged with the crossing inside the probed loads (see status, location)",
       "P_ret(alpha) = Phi((alpha_0 - alpha) / w); alpha_c = alpha_0 - w Phi^-1(crossing-level)"},
      {"alpha_c_stderr", "standard error of alpha_c: " + bootstrap, ""},
      {"alpha_c_stderr_fisher", "standard error of alpha_c from the observed Fisher information (delta method)", ""},
      {"width", "w of the probit fit: the width of the transition in alpha", "P_ret = Phi((alpha_0 - alpha) / w)"},
      {"width_stderr", "standard error of w (Fisher information)", ""},
      {"alpha_c_logistic", "the crossing of crossing-level from a logistic fit (another link function)",
       "P_ret = 1 / (1 + exp(-(alpha_0 - alpha) / w))"},
      {"alpha_c_logistic_stderr", "standard error: " + bootstrap, ""},
      {"alpha_c_linear",
       "the crossing of crossing-level by linear interpolation between the two neighbouring probed loads that bracket "
       "it (the first downward crossing in alpha)",
       "alpha* = a_1 + (y_1 - level)(a_2 - a_1)/(y_1 - y_2)"},
      {"alpha_c_linear_stderr", "first-order error propagation of the two binomial fractions", ""},
      {"alpha_c_mean_overlap", "the load where the mean final overlap falls through overlap-level (linear interpolation)",
       "(3.2)"},
      {"alpha_c_mean_overlap_stderr", "standard error: " + bootstrap, ""},
      {"alpha_c_steepest", "the steepest point of the fitted P_ret (the probit midpoint alpha_0)",
       "max |dP_ret/dalpha| at alpha_0"},
      {"alpha_c_steepest_stderr", "standard error (Fisher information)", ""},
      {"alpha_c_m_cut_0.8", "alpha_c with m-cut = 0.8 from the same samples (probit, crossing-level)", ""},
      {"alpha_c_m_cut_0.8_stderr", "standard error: " + bootstrap, ""},
      {"alpha_c_m_cut_0.9", "alpha_c with m-cut = 0.9 from the same samples (probit, crossing-level)", ""},
      {"alpha_c_m_cut_0.9_stderr", "standard error: " + bootstrap, ""},
      {"m_cut_shift", "alpha_c(m-cut = 0.8) - alpha_c(m-cut = 0.9), same samples", ""},
      {"m_cut_shift_stderr", "standard error of the difference: paired " + bootstrap, ""},
  };
  for (const auto& c : described) {
    auto d = capacity.write(c.name, columns.at(c.name));
    describe(d, c.description, "1", c.equation);
    d.attach_scale(n_dataset, 0);
  }
  auto d_samples = capacity.write("samples", samples);
  describe(d_samples, "samples of this N over all its loads", "1");
  d_samples.attach_scale(n_dataset, 0);
  auto d_loads = capacity.write("loads", loads);
  describe(d_loads, "loads p probed for this N", "1");
  d_loads.attach_scale(n_dataset, 0);
  auto d_status = capacity.write_strings("status", status);
  describe(d_status,
           "status of the probit fit: converged, separated (every load all-or-nothing: no width), not_decreasing, "
           "too_few_points, not_converged",
           "1");
  auto d_location = capacity.write_strings("location", location);
  describe(d_location, "where the crossing lies: bracketed (inside the probed loads), below_range, above_range", "1");

  // /extrapolation/<fit>
  auto extrapolation = root.require_group("extrapolation");
  describe(extrapolation,
           "alpha_c(N) = alpha_c(inf) + a N^(-x), weighted least squares on /capacity/alpha_c with weights "
           "1/alpha_c_stderr^2 (sizes whose alpha_c is NaN are left out); errors not rescaled by chi^2/dof",
           "1", "alpha_c(N) = a_inf + a N^(-x)");
  extrapolation.set_attribute("recommended", r.recommended);
  extrapolation.set_attribute("reason", r.extrapolation.reason);
  for (std::size_t i = 0; i < r.extrapolation.candidates.size(); ++i) {
    const auto& f = r.extrapolation.candidates[i];
    auto g = extrapolation.require_group(r.fit_names[i]);
    const bool ok = f.status == cap::ExtrapolationStatus::ok;
    describe(g, f.exponent_free ? "x fitted" : format("x fixed at %.4g", f.exponent, 0), "1",
             "alpha_c(N) = a_inf + a N^(-x)");
    g.set_attribute("status", cap::to_string(f.status));
    g.set_attribute("message", f.message);
    auto put = [&](const char* name, double value, const char* description) {
      auto d = g.write_scalar(name, ok ? value : kNaN);
      describe(d, description, "1");
    };
    put("a_inf", f.a_inf, "alpha_c(infinity)");
    put("a_inf_stderr", f.a_inf_stderr, "standard error of a_inf");
    put("amplitude", f.amplitude, "a");
    put("amplitude_stderr", f.amplitude_stderr, "standard error of a");
    put("exponent", f.exponent, "x");
    put("exponent_stderr", f.exponent_stderr, "standard error of x (0 when fixed)");
    put("chi2", f.chi2, "chi^2 = sum_i ((alpha_c(N_i) - model_i) / sigma_i)^2");
    put("chi2_per_dof", f.chi2_per_dof, "chi^2 per degree of freedom");
    auto d = g.write_scalar("dof", static_cast<std::int64_t>(f.degrees_of_freedom));
    describe(d, "degrees of freedom: sizes - parameters", "1");
  }
  const bool have = !r.recommended.empty();
  const double a = have ? r.extrapolation.fit.a_inf : kNaN;
  const double e = have ? r.extrapolation.fit.a_inf_stderr : kNaN;
  auto put = [&](const char* name, double value, const std::string& description) {
    auto d = extrapolation.write_scalar(name, value);
    describe(d, description, "1");
  };
  put("alpha_c_inf", a, "alpha_c(inf) of the recommended fit (attribute recommended; reason)");
  put("alpha_c_inf_stderr", e, "its standard error");
  put("z_rs", (a - kAlphaRs) / e, "(alpha_c_inf - alpha_c_rs) / alpha_c_inf_stderr");
  put("z_rsb", (a - kAlphaRsb) / e, "(alpha_c_inf - alpha_c_rsb) / alpha_c_inf_stderr");
  put("z_monte_carlo", (a - kAlphaMonteCarlo) / std::hypot(e, kAlphaMonteCarloStderr),
      "(alpha_c_inf - alpha_c_monte_carlo) / sqrt(alpha_c_inf_stderr^2 + alpha_c_monte_carlo_stderr^2)");

  // /scaling: the finite-size-scaling collapse
  auto scaling = root.require_group("scaling");
  const auto& c = r.collapse;
  const bool converged = c.status == cap::FitStatus::converged;
  describe(scaling,
           "finite-size-scaling collapse: joint maximum-likelihood probit fit of the retrieval counts (m-cut, level 1/2) "
           "of all sizes, P_ret = Phi(eta), eta = [(alpha_inf - alpha) s_N + b] / w_0, s_N = (N / reference_size)^(1/nu); "
           "the crossing of 1/2 moves as alpha_c(N) = alpha_inf + b (N / reference_size)^(-1/nu)",
           "1", "P_ret = Phi([(alpha_inf - alpha) (N/N_ref)^(1/nu) + b] / w_0)");
  scaling.set_attribute("status", cap::to_string(c.status));
  scaling.set_attribute("message", c.message);
  auto sput = [&](const char* name, double value, const char* description) {
    auto d = scaling.write_scalar(name, converged ? value : kNaN);
    describe(d, description, "1");
  };
  sput("alpha_inf", c.alpha_inf, "alpha_c(infinity) of the collapse");
  sput("alpha_inf_stderr", c.alpha_inf_stderr, "its standard error (Fisher information)");
  sput("nu", c.nu, "the exponent nu");
  sput("nu_stderr", c.nu_stderr, "its standard error");
  sput("width", c.width, "w_0: the width at N = reference_size");
  sput("width_stderr", c.width_stderr, "its standard error");
  sput("shift", c.shift, "b");
  sput("shift_stderr", c.shift_stderr, "its standard error");
  sput("reference_size", c.reference_size, "N_ref: the geometric mean of the sizes");
  sput("deviance", c.deviance, "deviance against the saturated model (about chi^2 with dof degrees of freedom)");
  auto d_dof = scaling.write_scalar("dof", static_cast<std::int64_t>(c.degrees_of_freedom));
  describe(d_dof, "degrees of freedom: loads - 4 parameters", "1");
  std::vector<double> x;
  for (const auto& [key, load] : r.loads) {
    x.push_back(converged ? (load.alpha() - c.alpha_inf) *
                                std::pow(static_cast<double>(load.size) / c.reference_size, 1.0 / c.nu)
                          : kNaN);
  }
  auto d_x = scaling.write("x", x);
  describe(d_x, "the scaling variable of each load of /points; P_ret there is /results/retrieved/mean", "1",
           "x = (alpha - alpha_inf) (N / N_ref)^(1/nu)");
  attach(d_x);

  // /rounds
  auto rounds = root.require_group("rounds");
  describe(rounds, "the adaptive rounds in the order run", "1");
  auto d_labels = rounds.write_strings("label", r.round_labels);
  describe(d_labels, "what the round did: bracket (first loads), widen (the crossing lay outside), refine", "1");
  auto d_tasks = rounds.write("samples", r.round_tasks);
  describe(d_tasks, "samples computed in the round (all sizes)", "1");
}

std::string summary_text(const StudyResults& r, const CapacityOptions& o) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(5);
  out << "\nalpha_c(N): P_ret crosses " << o.level << " (m_cut = " << o.m_cut << "); errors are standard errors\n";
  out << "       N   samples  alpha_c             linear              mean-overlap        m_cut 0.8 - 0.9\n";
  auto pm = [&](double a, double e) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(5);
    if (std::isfinite(a)) {
      s << a << " +- " << e;
    } else {
      s << "n/a";
    }
    std::string text = s.str();
    text.resize(std::max<std::size_t>(text.size(), 20), ' ');
    return text;
  };
  for (const auto& e : r.sizes) {
    const auto [a, err] = alpha_c(e);
    char head[32];
    std::snprintf(head, sizeof head, "%8lld %9llu  ", static_cast<long long>(e.size),
                  static_cast<unsigned long long>(e.samples));
    out << head << pm(a, err)
        << pm(e.linear.location == cap::Location::bracketed ? e.linear.crossing : kNaN, e.linear.crossing_stderr)
        << pm(e.mean_overlap.location == cap::Location::bracketed ? e.mean_overlap.crossing : kNaN,
              e.mean_overlap_bootstrap_stderr)
        << pm(usable(e.m_cut_08) && usable(e.m_cut_09) ? e.m_cut_shift : kNaN, e.m_cut_shift_stderr);
    if (!usable(e.probit)) out << " (" << cap::to_string(e.probit.status) << ", " << cap::to_string(e.probit.location) << ")";
    out << "\n";
  }
  out << "\nalpha_c(N) = alpha_c(inf) + a N^-x:\n";
  for (std::size_t i = 0; i < r.extrapolation.candidates.size(); ++i) {
    const auto& f = r.extrapolation.candidates[i];
    out << "  " << r.fit_names[i] << ": ";
    if (f.status != cap::ExtrapolationStatus::ok) {
      out << cap::to_string(f.status) << (f.message.empty() ? "" : " (" + f.message + ")") << "\n";
      continue;
    }
    out << "alpha_c(inf) = " << f.a_inf << " +- " << f.a_inf_stderr << ", x = " << f.exponent;
    if (f.exponent_free) out << " +- " << f.exponent_stderr;
    out.precision(2);
    out << ", chi^2/dof = " << f.chi2_per_dof << " (" << f.degrees_of_freedom << " dof)\n";
    out.precision(5);
  }
  if (r.recommended.empty()) {
    out << "no extrapolation: " << r.extrapolation.reason << "\n";
  } else {
    const double a = r.extrapolation.fit.a_inf;
    const double e = r.extrapolation.fit.a_inf_stderr;
    out << "recommended: " << r.recommended << " (" << r.extrapolation.reason << ")\n";
    out << "alpha_c(inf) = " << a << " +- " << e << "\n";
    auto verdict = [&](const char* what, double value, double z) {
      out.precision(2);
      out << "  vs " << what << ": " << z << " standard errors: "
          << (std::fabs(z) <= 2 ? "consistent" : "NOT consistent") << " (|z| <= 2)\n";
      out.precision(5);
      (void)value;
    };
    verdict("0.143 +- 0.002 (Monte Carlo, (3.49))", kAlphaMonteCarlo,
            (a - kAlphaMonteCarlo) / std::hypot(e, kAlphaMonteCarloStderr));
    verdict("0.138187 (RSB, (3.48))", kAlphaRsb, (a - kAlphaRsb) / e);
    verdict("0.137906 (RS, (3.42))", kAlphaRs, (a - kAlphaRs) / e);
  }
  if (r.collapse.status == cap::FitStatus::converged) {
    out << "scaling collapse: alpha_c(inf) = " << r.collapse.alpha_inf << " +- " << r.collapse.alpha_inf_stderr
        << ", nu = " << r.collapse.nu << " +- " << r.collapse.nu_stderr;
    out.precision(1);
    out << ", deviance " << r.collapse.deviance << " on " << r.collapse.degrees_of_freedom << " dof\n";
  } else {
    out << "scaling collapse: " << cap::to_string(r.collapse.status)
        << (r.collapse.message.empty() ? "" : " (" + r.collapse.message + ")") << "\n";
  }
  return out.str();
}

}  // namespace nnsim::capacity_app
