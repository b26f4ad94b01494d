// nnsim-digest on rank 0 after the ensemble: the solutions of every instance collected over all
// runs, verified, deduplicated and counted under the three conventions, beside the exact
// enumeration (--exact), and the success and timing summary.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "core/log.hpp"
#include "digest.hpp"
#include "ensemble/provenance.hpp"

namespace nnsim::digest_app {

namespace an = nnsim::anneal;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void scalar(io::Group& g, const std::string& name, std::int64_t value, const std::string& description) {
  auto d = g.write_scalar(name, value);
  describe(d, description, "1");
}

void scalar(io::Group& g, const std::string& name, double value, const std::string& description,
            const std::string& units = "1") {
  auto d = g.write_scalar(name, value);
  describe(d, description, units);
}

/// Writes a dataset and its description.
void put(io::Group& g, const std::string& name, const std::vector<std::string>& data, const std::string& description,
         const std::string& units) {
  auto d = g.write_strings(name, data);
  describe(d, description, units);
}
template <class T>
void put(io::Group& g, const std::string& name, const std::vector<T>& data, const std::string& description,
         const std::string& units) {
  auto d = g.write(name, data);
  describe(d, description, units);
}

/// The maps of a set, as [maps, cuts] int64 matrices of A and of B cuts.
void write_maps(io::Group& g, const std::string& prefix, const std::vector<an::RestrictionMap>& maps,
                const an::Instance& instance) {
  const std::size_t ca = instance.a.size() - 1, cb = instance.b.size() - 1;
  std::vector<std::int64_t> a, b;
  for (const auto& m : maps) {
    a.insert(a.end(), m.a_cuts.begin(), m.a_cuts.end());
    b.insert(b.end(), m.b_cuts.begin(), m.b_cuts.end());
  }
  auto da = g.write(prefix + "a_cuts", a, {maps.size(), ca});
  describe(da, "A cut positions of each map (one row per map, increasing; the molecule is [0, L])", "1");
  auto db = g.write(prefix + "b_cuts", b, {maps.size(), cb});
  describe(db, "B cut positions of each map (one row per map, increasing)", "1");
}

}  // namespace

std::string Configuration::label() const {
  // The space is named when it is not the book's, so labels of orderings runs read as before it.
  return "energy=" + energy + (space == "orderings" ? "" : ", space=" + space) + ", replicas=" + std::to_string(replicas) + ", schedule=" + schedule +
         ", move-mix=" + move_mix;
}

an::ExactResult read_exact(const io::Group& g, const an::Instance& instance) {
  an::ExactResult x;
  auto count = [&g](const char* name) { return static_cast<std::uint64_t>(g.read<std::int64_t>(name).at(0)); };
  auto seconds = [&g](const char* name) { return g.read<double>(name).at(0); };
  x.map_count = count("exact_distinct_maps");
  x.mirror_classes = count("exact_distinct_maps_up_to_mirror");
  x.ordered_pairs = count("exact_ordered_pairs");
  x.nodes = count("exact_nodes");
  x.seconds = seconds("exact_seconds");
  x.first_solution_seconds = seconds("exact_first_solution_seconds");
  if (std::isnan(x.first_solution_seconds)) x.first_solution_seconds = -1;
  x.complete = x.listing_complete = count("exact_complete") == 1;
  const auto a = g.read<std::int64_t>("exact_a_cuts");
  const auto b = g.read<std::int64_t>("exact_b_cuts");
  const std::size_t ca = instance.a.size() - 1, cb = instance.b.size() - 1;
  const std::size_t rows = ca > 0 ? a.size() / ca : b.size() / std::max<std::size_t>(cb, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    an::RestrictionMap m;
    m.a_cuts.assign(a.begin() + static_cast<std::ptrdiff_t>(r * ca), a.begin() + static_cast<std::ptrdiff_t>((r + 1) * ca));
    m.b_cuts.assign(b.begin() + static_cast<std::ptrdiff_t>(r * cb), b.begin() + static_cast<std::ptrdiff_t>((r + 1) * cb));
    x.maps.push_back(std::move(m));
  }
  return x;
}

namespace {

/// What one configuration's runs of an instance did.
struct ConfigurationSummary {
  std::uint64_t runs = 0, solved = 0;
  double seconds = 0, steps_to_solution = 0;
  std::vector<double> seconds_to_solution;  // of the solved runs
  std::set<an::RestrictionMap> maps;
  std::int64_t runs_to_all = -1;  // runs (in sample order) until every known map had been met
  double seconds_to_all = kNaN;
};

double median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// /instances/<name>/by_configuration: one entry per configuration (/points/configuration).
void write_by_configuration(io::Group& instance_group, const std::vector<Configuration>& configurations,
                            const std::vector<ConfigurationSummary>& summaries) {
  auto g = instance_group.require_group("by_configuration");
  describe(g,
           "the runs of this instance by configuration (every combination of the --energy, --space, --replicas, "
           "--schedule "
           "and --move-mix lists; entry c is /points/configuration = c): success, time to the first solution and "
           "to all known maps (the exact enumeration's with --exact, else all the ensemble found)",
           "1");
  std::vector<std::string> energies, spaces, schedules, mixes, labels;
  std::vector<std::int64_t> replicas, runs, solved, distinct, runs_to_all;
  std::vector<double> rate, mean_steps, median_seconds, per_solution, seconds_to_all;
  for (std::size_t c = 0; c < configurations.size(); ++c) {
    const auto& conf = configurations[c];
    const auto& sum = summaries[c];
    energies.push_back(conf.energy);
    spaces.push_back(conf.space);
    schedules.push_back(conf.schedule);
    mixes.push_back(conf.move_mix);
    labels.push_back(conf.label());
    replicas.push_back(static_cast<std::int64_t>(conf.replicas));
    runs.push_back(static_cast<std::int64_t>(sum.runs));
    solved.push_back(static_cast<std::int64_t>(sum.solved));
    distinct.push_back(static_cast<std::int64_t>(sum.maps.size()));
    runs_to_all.push_back(sum.runs_to_all);
    rate.push_back(sum.runs > 0 ? static_cast<double>(sum.solved) / static_cast<double>(sum.runs) : kNaN);
    mean_steps.push_back(sum.solved > 0 ? sum.steps_to_solution / static_cast<double>(sum.solved) : kNaN);
    median_seconds.push_back(median(sum.seconds_to_solution));
    per_solution.push_back(sum.solved > 0 ? sum.seconds / static_cast<double>(sum.solved) : kNaN);
    seconds_to_all.push_back(sum.seconds_to_all);
  }
  put(g, "label", labels, "the configuration in words", "1");
  put(g, "energy", energies, "--energy of the configuration", "1");
  put(g, "space", spaces, "--space of the configuration: orderings (sigma, mu) or pieces", "1");
  put(g, "schedule", schedules, "--schedule (used when replicas = 1)", "1");
  put(g, "move_mix", mixes, "--move-mix R,S,T", "1");
  put(g, "replicas", replicas, "--replicas (1 = simulated annealing)", "1");
  put(g, "runs", runs, "runs of this instance in the configuration", "1");
  put(g, "solved_runs", solved, "runs that met a solution", "1");
  put(g, "success_rate", rate, "solved_runs / runs", "1");
  put(g, "distinct_maps", distinct, "distinct maps met by the configuration's runs", "1");
  put(g, "mean_steps_to_solution", mean_steps,
           "mean Metropolis steps to the first solution over the solved runs (NaN if none)", "1");
  put(g, "median_seconds_to_solution", median_seconds,
           "median wall time to the first solution over the solved runs (NaN if none; measured)", "s");
  put(g, "seconds_per_solution", per_solution,
           "expected wall time per solution found: total wall time of the runs / solved runs (NaN if none; "
           "measured)",
           "s");
  put(g, "runs_to_all_maps", runs_to_all,
           "runs, in sample order, until the configuration had met every known map; -1 if it never did", "1");
  put(g, "seconds_to_all_maps", seconds_to_all,
           "total wall time of those runs on one core (NaN if never; measured)", "s");
  if (configurations.size() > 1) {
    for (std::size_t c = 0; c < configurations.size(); ++c) {
      log::info("  " + labels[c] + ": " + std::to_string(solved[c]) + "/" + std::to_string(runs[c]) +
                " solved, " + (std::isnan(per_solution[c]) ? std::string("no solution")
                                                            : std::to_string(per_solution[c]) + " s per solution") +
                ", " + std::to_string(distinct[c]) + " maps");
    }
  }
}

}  // namespace

void write_instances(io::File& file, const std::vector<an::Instance>& instances,
                     const std::vector<Configuration>& configurations, const EnsembleSpec& spec,
                     const EnsembleResult& result, const std::vector<an::ExactResult>& exact) {
  auto root = file.root().require_group("instances");
  describe(root,
           "one group per instance: the solutions the ensemble found (verified, deduplicated), their counts under "
           "three conventions, with --exact the exact enumeration beside them, and the runs' success and timing, "
           "in total and by configuration",
           "1");
  const std::size_t num_configs = configurations.size();
  {
    std::vector<std::string> names, energies, spaces, schedules, mixes;
    for (const auto& i : instances) {
      for (const auto& c : configurations) {
        names.push_back(i.name);
        energies.push_back(c.energy);
        spaces.push_back(c.space);
        schedules.push_back(c.schedule);
        mixes.push_back(c.move_mix);
      }
    }
    auto points = file.root().require_group("points");
    put(points, "name", names, "instance name (the group /instances/<name>)", "1");
    put(points, "energy", energies, "energy minimised (--energy): unmatched or book (4.15)", "1");
    put(points, "space", spaces,
        "configuration space (--space): orderings (sigma, mu of the A and B fragments) or pieces (an order of the "
        "double-digest pieces with A/B labels on the cuts)",
        "1");
    put(points, "schedule", schedules,
             "cooling schedule (--schedule; used when replicas = 1)", "1");
    put(points, "move_mix", mixes, "move mix R,S,T: reverse, swap, shift (--move-mix)", "1");
  }

  const std::uint64_t samples = spec.samples_per_point;
  const std::size_t stride = spec.values_per_task();
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const auto& instance = instances[i];
    auto g = root.require_group(instance.name);
    describe(g, "instance '" + instance.name + "': " + an::format_instance_text(instance), "1");
    g.set_attribute("L", instance.L);
    g.set_attribute("a", instance.a);
    g.set_attribute("b", instance.b);
    g.set_attribute("c", instance.c);
    const std::size_t ca = instance.a.size() - 1, cb = instance.b.size() - 1;

    // Every solution row of every run of this instance, runs in task order (configuration,
    // then sample).
    std::vector<ConfigurationSummary> by_config(num_configs);
    std::map<an::RestrictionMap, std::int64_t> runs_meeting;
    std::uint64_t solved = 0;
    double seconds = 0, steps_to_solution = 0;
    std::uint64_t runs_to_all = 0;  // runs (in task order) until the last new map was met
    double seconds_to_all = 0;
    std::vector<std::vector<an::RestrictionMap>> run_maps(num_configs * samples);
    for (std::size_t c = 0; c < num_configs; ++c) {
      ConfigurationSummary& summary = by_config[c];
      for (std::uint64_t s = 0; s < samples; ++s) {
        const std::uint64_t t = (i * num_configs + c) * samples + s;
        const double* v = result.values.data() + t * stride;
        seconds += v[kSeconds];
        ++summary.runs;
        summary.seconds += v[kSeconds];
        if (v[kSolved] == 1.0) {
          ++solved;
          steps_to_solution += v[kStepsToSolution];
          ++summary.solved;
          summary.steps_to_solution += v[kStepsToSolution];
          summary.seconds_to_solution.push_back(v[kSecondsToSolution]);
        }
        const auto& rows = result.records[kSolutions].by_task[t];
        const std::size_t width = spec.records[kSolutions].width;
        for (std::size_t r = 0; r + width <= rows.size(); r += width) {
          an::RestrictionMap map;
          for (std::size_t k = 0; k < ca; ++k) map.a_cuts.push_back(static_cast<an::Length>(rows[r + k]));
          for (std::size_t k = 0; k < cb; ++k) map.b_cuts.push_back(static_cast<an::Length>(rows[r + ca + k]));
          run_maps[c * samples + s].push_back(map);
          if (++runs_meeting[map] == 1) {
            runs_to_all = c * samples + s + 1;
            seconds_to_all = seconds;
          }
        }
      }
    }
    std::vector<an::RestrictionMap> maps;
    std::vector<std::int64_t> meetings;
    std::set<an::RestrictionMap> mirror_classes;
    for (const auto& [map, count] : runs_meeting) {
      if (!an::verify_map(instance, map)) {
        throw std::runtime_error("instance '" + instance.name + "': a reported solution does not verify: " +
                                 an::format_map(map, instance.L));
      }
      maps.push_back(map);
      meetings.push_back(count);
      mirror_classes.insert(an::canonical_mirror(map, instance.L));
    }
    const auto per_map = static_cast<std::int64_t>(an::orderings_per_map(instance));
    scalar(g, "distinct_maps", static_cast<std::int64_t>(maps.size()),
           "distinct restriction maps (cut positions of A and of B) among the solutions found by the ensemble");
    scalar(g, "distinct_maps_up_to_mirror", static_cast<std::int64_t>(mirror_classes.size()),
           "the same, counting a map and its mirror image (x -> L - x) once");
    scalar(g, "ordered_pairs", static_cast<std::int64_t>(maps.size()) * per_map,
           "ordered pairs (sigma, mu) of fragment orderings with H = 0 that the found maps stand for: each map is "
           "given by prod_v m_a(v)! m_b(v)! orderings (m(v): fragments of length v)");
    write_maps(g, "", maps, instance);
    auto d_meet = g.write("runs_meeting", meetings);
    describe(d_meet, "number of runs that met each map (rows of a_cuts, b_cuts)", "1");

    // Success and timing over all runs.
    const std::uint64_t runs = samples * num_configs;
    const double rate = runs > 0 ? static_cast<double>(solved) / static_cast<double>(runs) : kNaN;
    scalar(g, "runs", static_cast<std::int64_t>(runs), "annealing runs of this instance (all configurations)");
    scalar(g, "solved_runs", static_cast<std::int64_t>(solved), "runs that met a solution");
    scalar(g, "success_rate", rate, "solved_runs / runs");
    scalar(g, "mean_steps_to_solution", solved > 0 ? steps_to_solution / static_cast<double>(solved) : kNaN,
           "mean Metropolis steps to the first solution over the solved runs");
    scalar(g, "seconds_per_solution", solved > 0 ? seconds / static_cast<double>(solved) : kNaN,
           "expected wall time per solution found: the total wall time of all runs / solved runs (measured: not "
           "reproducible)",
           "s");

    scalar(g, "runs_to_all_maps", static_cast<std::int64_t>(runs_to_all),
           "runs, in task order (configuration, then sample), until every map of distinct_maps had been met (one "
           "realisation of the time to find all known solutions)");
    scalar(g, "seconds_to_all_maps", seconds_to_all,
           "total wall time of those runs on one core (measured: not reproducible)", "s");

    // The known maps: the exact enumeration's when complete, else all the ensemble found.
    std::set<an::RestrictionMap> known(maps.begin(), maps.end());
    if (!exact.empty() && exact.at(i).complete && exact.at(i).listing_complete) {
      known = std::set<an::RestrictionMap>(exact.at(i).maps.begin(), exact.at(i).maps.end());
    }
    for (std::size_t c = 0; c < num_configs; ++c) {
      ConfigurationSummary& summary = by_config[c];
      double elapsed = 0;
      std::size_t met_known = 0;
      for (std::uint64_t s = 0; s < samples && summary.runs_to_all < 0; ++s) {
        elapsed += result.values[((i * num_configs + c) * samples + s) * stride + kSeconds];
        for (const auto& map : run_maps[c * samples + s]) {
          if (summary.maps.insert(map).second && known.count(map)) ++met_known;
        }
        if (!known.empty() && met_known == known.size()) {
          summary.runs_to_all = static_cast<std::int64_t>(s + 1);
          summary.seconds_to_all = elapsed;
        }
      }
      for (std::uint64_t s = 0; s < samples; ++s) {
        for (const auto& map : run_maps[c * samples + s]) summary.maps.insert(map);
      }
    }

    if (!exact.empty()) {
      const auto& x = exact.at(i);
      scalar(g, "exact_distinct_maps", static_cast<std::int64_t>(x.map_count), "distinct maps, exact enumeration");
      scalar(g, "exact_distinct_maps_up_to_mirror", static_cast<std::int64_t>(x.mirror_classes),
             "maps up to mirror reversal, exact enumeration");
      scalar(g, "exact_ordered_pairs", static_cast<std::int64_t>(x.ordered_pairs),
             "ordered pairs (sigma, mu) with H = 0, exact enumeration");
      scalar(g, "exact_nodes", static_cast<std::int64_t>(x.nodes), "search nodes of the enumeration");
      scalar(g, "exact_seconds", x.seconds, "wall time of the enumeration (measured)", "s");
      scalar(g, "exact_first_solution_seconds", x.first_solution_seconds < 0 ? kNaN : x.first_solution_seconds,
             "wall time of the enumeration until its first solution, NaN if none (measured)", "s");
      scalar(g, "exact_complete", static_cast<std::int64_t>(x.complete && x.listing_complete ? 1 : 0),
             "1 if the enumeration finished and listed every map");
      std::int64_t missing = 0;
      for (const auto& m : x.maps) missing += runs_meeting.count(m) ? 0 : 1;
      scalar(g, "missing_maps", missing, "maps of the exact enumeration that no run found");
      scalar(g, "found_all", static_cast<std::int64_t>(missing == 0 && x.complete && x.listing_complete &&
                                                       maps.size() == x.map_count
                                                   ? 1
                                                   : 0),
             "1 if the ensemble found every map of the exact enumeration");
      write_maps(g, "exact_", x.maps, instance);
    }
    log::info("instance '" + instance.name + "': " + std::to_string(solved) + "/" + std::to_string(runs) +
              " runs solved; " + std::to_string(maps.size()) + " distinct maps (" +
              std::to_string(mirror_classes.size()) + " up to mirror)" +
              (exact.empty() ? "" : "; exact: " + std::to_string(exact.at(i).map_count)));
    write_by_configuration(g, configurations, by_config);
  }
}

}  // namespace nnsim::digest_app
