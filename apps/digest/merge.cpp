#include "merge.hpp"

#include <algorithm>
#include <sstream>

#include "core/error.hpp"
#include "digest.hpp"

namespace nnsim::digest_app {

namespace an = nnsim::anneal;

namespace {

/// What a nnsim-digest file says about its instances and configurations (not per run).
struct DigestLayout {
  std::string instances_text;
  std::string trace_every;  // run control, not in the merge fingerprint, but it shapes /results/trace
  std::vector<an::Instance> instances;
  std::vector<Configuration> configurations;
  std::vector<an::ExactResult> exact;  // empty without --exact
};

DigestLayout read_layout(const std::string& path) {
  const auto file = io::File::open_read_only(path);
  const auto& root = file.root();
  const std::string where = "input '" + path + "'";
  if (!root.has_attribute("instances")) throw UsageError(where + " lacks the root attribute 'instances'");
  DigestLayout out;
  out.instances_text = root.string_attribute("instances");
  if (root.has_attribute("trace-every")) {
    out.trace_every = root.attribute_kind("trace-every") == io::ValueKind::kString
                          ? root.string_attribute("trace-every")
                          : std::to_string(root.attribute<std::uint64_t>("trace-every"));
  }
  std::istringstream lines(out.instances_text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.instances.push_back(an::parse_instance_text(line));
  }
  for (const char* column : {"points/name", "points/energy", "points/schedule", "points/move_mix",
                             "points/configuration", "points/replicas"}) {
    if (!root.exists(column)) throw UsageError(where + " lacks /" + column + ": not a complete nnsim-digest file");
  }
  const auto names = root.read_strings("points/name");
  const auto energies = root.read_strings("points/energy");
  const auto schedules = root.read_strings("points/schedule");
  const auto mixes = root.read_strings("points/move_mix");
  // Files written before --space existed ran in the orderings space.
  const auto spaces = root.exists("points/space") ? root.read_strings("points/space")
                                                  : std::vector<std::string>(names.size(), "orderings");
  const auto config = root.read<std::int64_t>("points/configuration");
  const auto replicas = root.read<std::int64_t>("points/replicas");
  const std::size_t points = config.size();
  const std::size_t num_configs =
      points == 0 ? 0 : static_cast<std::size_t>(*std::max_element(config.begin(), config.end()) + 1);
  bool valid = !out.instances.empty() && num_configs > 0 && points == out.instances.size() * num_configs &&
               names.size() == points && energies.size() == points && schedules.size() == points &&
               mixes.size() == points && replicas.size() == points && spaces.size() == points;
  for (std::size_t p = 0; valid && p < points; ++p) {
    valid = names[p] == out.instances[p / num_configs].name && config[p] == static_cast<std::int64_t>(p % num_configs);
  }
  if (!valid) {
    throw UsageError(where + ": /points (name, configuration) are not its instances x configurations in the "
                     "driver's order");
  }
  for (std::size_t c = 0; c < num_configs; ++c) {
    Configuration conf;  // what write_instances reports of a configuration
    conf.energy = energies[c];
    conf.space = spaces[c];
    conf.schedule = schedules[c];
    conf.move_mix = mixes[c];
    conf.replicas = static_cast<std::uint64_t>(replicas[c]);
    out.configurations.push_back(std::move(conf));
  }
  if (root.exists("instances/" + out.instances.front().name + "/exact_distinct_maps")) {
    for (const auto& instance : out.instances) {
      out.exact.push_back(read_exact(root.open_group("instances/" + instance.name), instance));
    }
  }
  return out;
}

/// The exact enumeration's results without its measured times.
bool same_exact(const an::ExactResult& x, const an::ExactResult& y) {
  return x.maps == y.maps && x.map_count == y.map_count && x.ordered_pairs == y.ordered_pairs &&
         x.mirror_classes == y.mirror_classes && x.complete == y.complete &&
         x.listing_complete == y.listing_complete && x.nodes == y.nodes;
}

}  // namespace

std::function<void(io::File&)> merged_instances(const std::vector<std::string>& inputs, const EnsembleSpec& spec,
                                                const EnsembleResult& result) {
  std::vector<DigestLayout> layouts;
  for (const auto& path : inputs) layouts.push_back(read_layout(path));
  const DigestLayout& a = layouts.front();
  for (std::size_t i = 1; i < layouts.size(); ++i) {
    const DigestLayout& b = layouts[i];
    auto conflict = [&](const std::string& what) {
      throw UsageError("'" + inputs[i] + "' and '" + inputs.front() + "' differ in " + what +
                       "; only runs of the same instances and options can be merged");
    };
    if (b.instances_text != a.instances_text) conflict("their instances (root attribute instances)");
    if (b.trace_every != a.trace_every) {
      conflict("--trace-every (" + b.trace_every + " vs " + a.trace_every + "), which shapes /results/trace");
    }
    bool same_configurations = b.configurations.size() == a.configurations.size();
    for (std::size_t c = 0; same_configurations && c < a.configurations.size(); ++c) {
      same_configurations = b.configurations[c].label() == a.configurations[c].label();
    }
    if (!same_configurations) conflict("their configurations (/points energy, space, replicas, schedule, move_mix)");
    if (b.exact.size() != a.exact.size()) conflict("--exact");
    for (std::size_t k = 0; k < a.exact.size(); ++k) {
      if (!same_exact(a.exact[k], b.exact[k])) {
        conflict("the exact enumeration of instance '" + a.instances[k].name + "' (/instances/" +
                 a.instances[k].name + "/exact_*)");
      }
    }
  }
  if (spec.num_points != a.instances.size() * a.configurations.size()) {
    throw UsageError("the merged points are not the " + std::to_string(a.instances.size()) + " instances x " +
                     std::to_string(a.configurations.size()) +
                     " configurations of '" + inputs.front() + "': nnsim-digest files merge by sample ranges only");
  }
  return [layout = a, &spec, &result](io::File& file) {
    write_instances(file, layout.instances, layout.configurations, spec, result, layout.exact);
  };
}

}  // namespace nnsim::digest_app
