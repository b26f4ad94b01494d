// nnsim-merge for nnsim-capacity files (capacity.hpp has the rules).

#include "capacity.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "../capacity/capacity.hpp"
#include "core/error.hpp"
#include "core/grid.hpp"
#include "core/json.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "ensemble/provenance.hpp"
#include "io/hdf5.hpp"
#include "nnsim/version.hpp"
#include "text.hpp"

namespace nnsim::merge_capacity {
namespace {

using merging::replace_json_member;

namespace cap = nnsim::capacity;
using LoadMap = std::map<std::pair<std::int64_t, std::int64_t>, cap::LoadSamples>;

constexpr const char* kProgram = "nnsim-capacity";

[[noreturn]] void refuse(const std::string& message) { throw UsageError(message); }

std::string attribute_or(const io::Group& g, const std::string& name, const std::string& fallback = "") {
  return g.has_attribute(name) ? g.string_attribute(name) : fallback;
}

/// Options that may differ between the inputs: which sizes each ran.
bool size_selection(const std::string& option) { return option == "N" || option == "size-block"; }

std::string sizes_text(const std::vector<std::int64_t>& sizes) {
  std::string out;
  for (const auto n : sizes) {
    if (!out.empty()) out += ',';
    out += std::to_string(n);
  }
  return out;
}

struct Input {
  std::string path, program, git_commit, fingerprint, host, start_time, end_time;
  std::map<std::string, std::string> options;  // result-relevant options (fingerprint), as text
  JsonValue fingerprint_value;
  std::uint64_t seed = 0;
  std::int64_t mpi_ranks = 0;
  double elapsed = 0;
  std::uint64_t tasks_resumed = 0;
  std::vector<std::int64_t> sizes;  // /capacity/N: the sizes it ran, in its order
  LoadMap loads;
  std::vector<std::string> round_labels;
  std::vector<std::uint64_t> round_tasks;
};

Input read_input(const std::string& path) {
  Input in;
  in.path = path;
  if (!std::filesystem::is_regular_file(path)) refuse("input '" + path + "' is not a file");
  const io::File file = [&] {
    try {
      return io::File::open_read_only(path);
    } catch (const io::IoError& e) {
      refuse("input '" + path + "' is not a readable HDF5 file: " + e.what());
    }
  }();
  const auto& root = file.root();
  in.program = attribute_or(root, "program");
  if (in.program != kProgram) {
    refuse("input '" + path + "' is " + (in.program.empty() ? "not an nnsim output" : "an output of " + in.program) +
           ", the others of nnsim-capacity; only outputs of one program can be merged");
  }
  for (const char* required : {"fingerprint_json", "seed"}) {
    if (!root.has_attribute(required)) refuse("input '" + path + "' lacks the root attribute '" + required + "'");
  }
  for (const char* group : {"points", "results", "capacity", "rounds"}) {
    if (!root.exists(group)) refuse("input '" + path + "' has no /" + group + ": not a complete nnsim-capacity output");
  }
  in.git_commit = attribute_or(root, "git_commit", "unknown");
  in.fingerprint = root.string_attribute("fingerprint_json");
  in.host = attribute_or(root, "host");
  in.start_time = attribute_or(root, "start_time");
  in.end_time = attribute_or(root, "end_time");
  in.seed = root.attribute<std::uint64_t>("seed");
  if (root.has_attribute("mpi_ranks")) in.mpi_ranks = root.attribute<std::int64_t>("mpi_ranks");
  if (root.has_attribute("elapsed_seconds")) in.elapsed = root.attribute<double>("elapsed_seconds");
  if (root.has_attribute("tasks_resumed")) in.tasks_resumed = root.attribute<std::uint64_t>("tasks_resumed");
  in.fingerprint_value = parse_json(in.fingerprint, path + ": fingerprint_json");
  if (!in.fingerprint_value.is_object()) refuse("input '" + path + "': fingerprint_json is not a JSON object");
  for (const auto& [name, value] : in.fingerprint_value.as_object()) in.options[name] = scalar_text(value);
  for (const char* needed : {"N", "m-cut", "crossing-level", "overlap-level", "bootstrap"}) {
    if (!in.options.count(needed)) refuse("input '" + path + "': fingerprint_json lacks the option '" + needed + "'");
  }

  in.sizes = root.read<std::int64_t>("capacity/N");
  const auto n = root.read<std::int64_t>("points/N");
  const auto p = root.read<std::int64_t>("points/p");
  const auto key = root.read<std::uint64_t>("points/key");
  const auto round = root.read<std::int64_t>("points/round");
  const std::set<std::int64_t> mine(in.sizes.begin(), in.sizes.end());
  if (p.size() != n.size() || key.size() != n.size() || round.size() != n.size()) {
    refuse("input '" + path + "': the /points columns differ in length");
  }
  using Member = std::vector<double> cap::LoadSamples::*;
  const std::pair<const char*, Member> observables[] = {{"final_overlap", &cap::LoadSamples::final_overlap},
                                                        {"retrieved", &cap::LoadSamples::retrieved},
                                                        {"sweeps", &cap::LoadSamples::sweeps},
                                                        {"converged", &cap::LoadSamples::converged}};
  std::vector<cap::LoadSamples> loads(n.size());
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!mine.count(n[i])) {
      refuse("input '" + path + "': /points has N = " + std::to_string(n[i]) + ", which /capacity/N does not list");
    }
    loads[i].size = n[i];
    loads[i].patterns = p[i];
    loads[i].key = key[i];
    loads[i].first_round = static_cast<int>(round[i]);
  }
  for (const auto& [name, member] : observables) {
    const auto group = root.open_group(std::string("results/") + name);
    const auto samples = group.open_dataset("samples");
    const auto dims = samples.dims();
    const auto count = group.read<std::int64_t>("count");
    if (dims.size() != 2 || dims[0] != n.size() || count.size() != n.size()) {
      refuse("input '" + path + "': /results/" + name + " does not have one row per load");
    }
    const auto values = samples.read<double>();
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (count[i] < 0 || static_cast<hsize_t>(count[i]) > dims[1]) {
        refuse("input '" + path + "': /results/" + name + "/count exceeds the samples");
      }
      const auto first = values.begin() + static_cast<std::ptrdiff_t>(i * dims[1]);
      (loads[i].*member).assign(first, first + count[i]);
    }
  }
  for (auto& load : loads) {
    const auto where = std::make_pair(load.size, load.patterns);
    if (!in.loads.emplace(where, std::move(load)).second) {
      refuse("input '" + path + "' lists the load (N = " + std::to_string(where.first) +
             ", p = " + std::to_string(where.second) + ") twice");
    }
  }
  in.round_labels = root.read_strings("rounds/label");
  in.round_tasks = root.read<std::uint64_t>("rounds/samples");
  if (in.round_tasks.size() != in.round_labels.size()) refuse("input '" + path + "': /rounds/label and /rounds/samples differ in length");
  return in;
}

}  // namespace

bool handles(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (!std::filesystem::is_regular_file(path)) continue;
    try {
      const auto file = io::File::open_read_only(path);
      if (attribute_or(file.root(), "program") == kProgram) return true;
    } catch (const io::IoError&) {
      // not HDF5: the generic merge names it
    }
  }
  return false;
}

int merge(const std::vector<std::string>& paths, const std::string& output, bool force, bool allow_gaps,
          const std::string& command_line) {
  std::vector<Input> inputs;  // (main.cpp has refused an output that is also an input)
  for (const auto& p : paths) inputs.push_back(read_input(p));
  const Input& a = inputs.front();
  bool shared_sizes = true;  // every input was run with the same --N (size blocks)
  for (const auto& in : inputs) {
    if (in.git_commit != a.git_commit) {
      refuse("'" + in.path + "' and '" + a.path + "' differ in code version (git_commit) ('" + in.git_commit +
             "' vs '" + a.git_commit + "'); only runs with the same options, seed and code version can be merged");
    }
    std::set<std::string> names;
    for (const auto& [name, value] : a.options) names.insert(name);
    for (const auto& [name, value] : in.options) names.insert(name);
    for (const auto& name : names) {
      if (size_selection(name)) continue;
      const auto x = a.options.find(name), y = in.options.find(name);
      const std::string vx = x == a.options.end() ? "(not set)" : x->second;
      const std::string vy = y == in.options.end() ? "(not set)" : y->second;
      if (vx != vy) {
        refuse("'" + in.path + "' and '" + a.path + "' differ in --" + name + " ('" + vy + "' vs '" + vx +
               "'); nnsim-capacity files can be merged only when they differ in --N or --size-block alone "
               "(same options, seed and code version)");
      }
    }
    if (in.options.at("N") != a.options.at("N")) shared_sizes = false;
  }

  // Sizes: each in exactly one input.
  std::map<std::int64_t, std::size_t> owner;
  std::vector<std::int64_t> listed;  // in the order of the inputs
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (const auto n : inputs[i].sizes) {
      const auto [it, inserted] = owner.emplace(n, i);
      if (!inserted) {
        refuse("'" + inputs[i].path + "' and '" + inputs[it->second].path + "' both hold N = " + std::to_string(n) +
               ": the size blocks overlap (the same size would be counted twice)");
      }
      listed.push_back(n);
    }
  }
  std::vector<std::int64_t> sizes;
  if (shared_sizes) {
    const auto all = parse_integer_grid(a.options.at("N"), "N");
    std::vector<std::int64_t> missing;
    for (const auto n : all) (owner.count(n) ? sizes : missing).push_back(n);
    if (sizes.size() != owner.size()) {
      refuse("the inputs hold sizes that their --N (" + a.options.at("N") + ") does not list: not nnsim-capacity files");
    }
    if (!missing.empty() && !allow_gaps) {
      refuse("the sizes N = " + sizes_text(missing) + " of --N " + a.options.at("N") +
             " are in no input (a missing array task?); add their block, or pass --allow-gaps");
    }
  } else {
    sizes = listed;
  }

  // The pooled loads and rounds.
  LoadMap loads;
  for (auto& in : inputs) {
    for (auto& [where, load] : in.loads) loads.emplace(where, std::move(load));
  }
  std::size_t rounds = 0;
  for (const auto& in : inputs) rounds = std::max(rounds, in.round_labels.size());
  std::vector<std::string> labels(rounds);
  std::vector<std::uint64_t> tasks(rounds, 0);
  for (std::size_t r = 0; r < rounds; ++r) {
    std::set<std::string> parts;  // the planner joins its labels in this (sorted) order
    for (const auto& in : inputs) {
      if (r >= in.round_labels.size()) continue;
      std::istringstream text(in.round_labels[r]);
      std::string part;
      while (std::getline(text, part, '+')) {
        if (!part.empty()) parts.insert(part);
      }
      tasks[r] += in.round_tasks[r];
    }
    for (const auto& part : parts) {
      if (!labels[r].empty()) labels[r] += '+';
      labels[r] += part;
    }
  }

  capacity_app::CapacityOptions options;
  const auto& fingerprint = a.fingerprint_value;
  options.m_cut = fingerprint.find("m-cut")->as_double();
  options.level = fingerprint.find("crossing-level")->as_double();
  options.overlap_level = fingerprint.find("overlap-level")->as_double();
  options.bootstrap = static_cast<int>(fingerprint.find("bootstrap")->as_int64());
  const capacity_app::StudyResults results =
      capacity_app::analyse_loads(options, sizes, std::move(loads), std::move(labels), std::move(tasks), a.seed);

  // Provenance: the first input's attributes, the union's sizes, every input.
  std::string merged_from = "[";
  double elapsed = 0;
  std::uint64_t resumed = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    JsonObject o;
    o.add("file", std::filesystem::absolute(in.path).string());
    o.add("N", sizes_text(in.sizes));
    o.add("git_commit", in.git_commit);
    o.add("host", in.host);
    o.add("mpi_ranks", in.mpi_ranks);
    o.add("start_time", in.start_time);
    o.add("end_time", in.end_time);
    o.add("elapsed_seconds", in.elapsed);
    if (i > 0) merged_from += ',';
    merged_from += o.str();
    elapsed += in.elapsed;
    resumed += in.tasks_resumed;
  }
  merged_from += "]";
  const std::string n_text = shared_sizes ? a.options.at("N") : sizes_text(sizes);

  io::AtomicOutput out = [&] {
    try {
      return io::AtomicOutput(output, force);
    } catch (const io::IoError& e) {
      refuse(std::string("--output: ") + e.what());
    }
  }();
  {
    const auto source = io::File::open_read_only(a.path);
    auto file = io::File::create(out.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    root.copy_scalar_attributes(source.root());
    std::string parameters = attribute_or(source.root(), "parameters_json");
    std::string fingerprint_json = a.fingerprint;
    for (auto* json : {&parameters, &fingerprint_json}) {
      *json = replace_json_member(*json, "N", json_quote(n_text));
      *json = replace_json_member(*json, "size-block", json_quote("all"));
    }
    root.set_attribute("N", n_text);
    root.set_attribute("size-block", std::string("all"));
    root.set_attribute("parameters_json", parameters);
    root.set_attribute("fingerprint_json", fingerprint_json);
    root.set_attribute("elapsed_seconds", elapsed);  // the inputs' wall times, summed
    root.set_attribute("tasks_resumed", resumed);
    root.set_attribute("merged_from", merged_from);
    root.set_attribute("merge_command_line", command_line);
    root.set_attribute("merge_time", utc_timestamp());
    root.set_attribute("merged_by", std::string("nnsim-merge ") + kVersion + " (" + kGitCommit + ")");
    capacity_app::write_results(file, results, options);
    file.close();
  }
  out.commit();
  log::info("merged " + std::to_string(inputs.size()) + " nnsim-capacity file(s): N = " + sizes_text(sizes) + ", " +
            std::to_string(results.loads.size()) + " loads, " + std::to_string(results.round_labels.size()) +
            " rounds -> " + output);
  return kExitOk;
}

}  // namespace nnsim::merge_capacity
