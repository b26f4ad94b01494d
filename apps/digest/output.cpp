// nnsim-digest on rank 0 after the ensemble: the solutions of every instance collected over all
// runs, verified, deduplicated and counted under the three conventions, beside the exact
// enumeration (--exact), and the success and timing summary.

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

void write_instances(io::File& file, const std::vector<an::Instance>& instances, const EnsembleSpec& spec,
                     const EnsembleResult& result, const DigestOptions& options,
                     const std::vector<an::ExactResult>& exact) {
  auto root = file.root().require_group("instances");
  describe(root,
           "one group per instance: the solutions the ensemble found (verified, deduplicated), their counts under "
           "three conventions, and with --exact the exact enumeration beside them",
           "1");
  std::vector<std::string> names;
  for (const auto& i : instances) names.push_back(i.name);
  auto d_names = file.root().require_group("points").write_strings("name", names);
  describe(d_names, "instance name (the group /instances/<name>)", "1");

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

    // Every solution row of every run of this instance, runs in sample order.
    std::map<an::RestrictionMap, std::int64_t> runs_meeting;
    std::uint64_t solved = 0;
    double seconds = 0, steps_to_solution = 0;
    std::uint64_t runs_to_all = 0;  // runs (in sample order) until the last new map was met
    double seconds_to_all = 0;
    for (std::uint64_t s = 0; s < samples; ++s) {
      const std::uint64_t t = i * samples + s;
      const double* v = result.values.data() + t * stride;
      seconds += v[kSeconds];
      if (v[kSolved] == 1.0) {
        ++solved;
        steps_to_solution += v[kStepsToSolution];
      }
      const auto& rows = result.records[kSolutions].by_task[t];
      const std::size_t width = spec.records[kSolutions].width;
      for (std::size_t r = 0; r + width <= rows.size(); r += width) {
        an::RestrictionMap map;
        for (std::size_t k = 0; k < ca; ++k) map.a_cuts.push_back(static_cast<an::Length>(rows[r + k]));
        for (std::size_t k = 0; k < cb; ++k) map.b_cuts.push_back(static_cast<an::Length>(rows[r + ca + k]));
        if (++runs_meeting[map] == 1) {
          runs_to_all = s + 1;
          seconds_to_all = seconds;
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

    // Success and timing.
    const double rate = samples > 0 ? static_cast<double>(solved) / static_cast<double>(samples) : kNaN;
    scalar(g, "runs", static_cast<std::int64_t>(samples), "annealing runs of this instance");
    scalar(g, "solved_runs", static_cast<std::int64_t>(solved), "runs that met a solution");
    scalar(g, "success_rate", rate, "solved_runs / runs");
    scalar(g, "mean_steps_to_solution", solved > 0 ? steps_to_solution / static_cast<double>(solved) : kNaN,
           "mean Metropolis steps to the first solution over the solved runs");
    scalar(g, "seconds_per_solution", solved > 0 ? seconds / static_cast<double>(solved) : kNaN,
           "expected wall time per solution found: the total wall time of all runs / solved runs (measured: not "
           "reproducible)",
           "s");

    scalar(g, "runs_to_all_maps", static_cast<std::int64_t>(runs_to_all),
           "runs, in sample order, until every map of distinct_maps had been met (one realisation of the "
           "time to find all known solutions)");
    scalar(g, "seconds_to_all_maps", seconds_to_all,
           "total wall time of those runs on one core (measured: not reproducible)", "s");

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
    log::info("instance '" + instance.name + "': " + std::to_string(solved) + "/" + std::to_string(samples) +
              " runs solved; " + std::to_string(maps.size()) + " distinct maps (" +
              std::to_string(mirror_classes.size()) + " up to mirror)" +
              (exact.empty() ? "" : "; exact: " + std::to_string(exact.at(i).map_count)));
  }
  (void)options;
}

}  // namespace nnsim::digest_app
