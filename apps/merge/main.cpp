// nnsim-merge: pools output files of the same driver, experiment and result-relevant options
// into one file, as if one run had computed the union:
//   - disjoint point sets (the blocks of a Slurm job array), and/or
//   - disjoint sample ranges of the same points (--first-sample), e.g. 100 + 300 samples.
// Points are matched by their random-stream key (/points/key) and ordered as the driver orders
// them: sorted by the grid axes (root attribute merge_axes) when every input is, else in the
// order the inputs list them (nnsim-rl keeps its command line's order); samples are laid out in sample-number
// order and the statistics are recomputed from them with the drivers' own code, so /points and
// /results equal those of a single run over the union, bit for bit.
//
// Variable-length record observables (nnsim-digest's solutions, traces and final states,
// nnsim-rl's Q-tables) are pooled the same way, and what a driver derives from all runs
// (nnsim-digest's /instances) is recomputed with its own code (records.cpp).
//
// Refused (exit 2, nothing written): files of other programs, experiments, options, seeds or
// code versions; overlapping sample ranges; points that do not all cover the same samples; and
// gaps in the sample numbers unless --allow-gaps.

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "capacity.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "ensemble/provenance.hpp"
#include "io/hdf5.hpp"
#include "nnsim/version.hpp"
#include "records.hpp"
#include "text.hpp"

namespace {

using namespace nnsim;
using merging::replace_json_member;
using merging::split_list;
namespace po = boost::program_options;

constexpr const char* kProgram = "nnsim-merge";

std::string attribute_or(const io::Group& g, const std::string& name, const std::string& fallback = "") {
  return g.has_attribute(name) ? g.string_attribute(name) : fallback;
}

struct Described {
  std::string description, units, equation;
};

Described read_description(const io::Object& o) {
  auto get = [&o](const char* name) { return o.has_attribute(name) ? o.string_attribute(name) : std::string(); };
  return {get("description"), get("units"), get("equation")};
}

using Column = std::variant<std::vector<std::int64_t>, std::vector<double>, std::vector<std::uint64_t>>;

struct Curve {
  TheoryCurve curve;
};

// ---- datasets a driver writes beside the gridded layout (its write_extra), pooled as well ----

/// One such dataset: shared ones (axes, theory of the task) must be equal in every input and are
/// copied once; per-point ones have one row per point (first dimension) and are reassembled in
/// the merged point order from the input that holds each point.
struct ExtraSpec {
  const char* path;
  bool per_point;
};

/// nnsim-rl (apps/rl/experiments.cpp, write_extra): the episode/round/iteration axes of its learning
/// curves and the theory beside /results/q_table. Its tic-tac-toe Q-tables are records (pooled by
/// records.cpp).
const std::vector<ExtraSpec>& extra_specs(const std::string& program) {
  static const std::vector<ExtraSpec> rl{{"results/q_table/episode", false},
                                         {"results/q_table/theory_limit", false},
                                         {"results/q_table/theory_rate", true},
                                         {"results/q_table/theory_rate_book", true},
                                         {"results/q_table/theory_mean", true},
                                         {"results/reward/iteration", false},
                                         {"results/expected_reward/iteration", false},
                                         {"results/outcomes/round", false},
                                         {"results/rms_error/episode", false},
                                         {"results/mean_reward/theory_limit", true},
                                         {"tictactoe/position_code", false}};
  static const std::vector<ExtraSpec> none;
  return program == "nnsim-rl" ? rl : none;
}

/// Group attributes the driver adds to its result groups (kept from the first input).
const std::vector<std::pair<const char*, const char*>>& extra_group_attributes(const std::string& program) {
  static const std::vector<std::pair<const char*, const char*>> rl{{"results/q_table", "layout"},
                                                                   {"results/outcomes", "layout"}};
  static const std::vector<std::pair<const char*, const char*>> none;
  return program == "nnsim-rl" ? rl : none;
}

struct Extra {
  std::string path;
  bool per_point = false, integer = false;
  std::vector<hsize_t> dims;
  std::vector<double> values;  // integers up to 2^53 exactly
};

/// Everything nnsim-merge needs of one input file.
struct Input {
  std::string path;
  std::string program, experiment, git_commit, version, merge_fingerprint, merge_axes;
  std::uint64_t samples = 0, first_sample = 0, seed = 0;
  std::vector<std::string> point_names, observables, theory_names;
  std::vector<Column> point_values;
  std::vector<Described> point_info;
  std::vector<std::uint64_t> keys;
  std::vector<std::size_t> widths;
  std::vector<std::vector<double>> samples_of;  // per observable: [point][sample][width]
  std::vector<Described> observable_info;
  std::vector<std::vector<double>> theory_values;
  std::vector<Described> theory_info;
  std::vector<TheoryCurve> curves;
  std::vector<Extra> extras;
  merging::InputRecords records;
  std::string start_time, end_time, host;
  std::int64_t mpi_ranks = 0;
  std::size_t points() const { return keys.size(); }
};

[[noreturn]] void refuse(const std::string& message) { throw UsageError(message); }

Input read_input(const std::string& path) {
  Input in;
  in.path = path;
  if (!std::filesystem::is_regular_file(path)) refuse("input '" + path + "' is not a file");
  io::File file = [&] {
    try {
      return io::File::open_read_only(path);
    } catch (const io::IoError& e) {
      refuse("input '" + path + "' is not a readable HDF5 file: " + e.what());
    }
  }();
  const auto& root = file.root();
  for (const char* required : {"program", "experiment", "merge_fingerprint_json", "merge_axes", "point_columns",
                               "observables", "samples", "first-sample"}) {
    if (!root.has_attribute(required)) {
      refuse("input '" + path + "' lacks the root attribute '" + required +
             "': it is not the output of a gridded nnsim run (or was written by a version before nnsim-merge)");
    }
  }
  in.program = root.string_attribute("program");
  in.experiment = root.string_attribute("experiment");
  in.git_commit = attribute_or(root, "git_commit", "unknown");
  in.version = attribute_or(root, "version");
  in.merge_fingerprint = root.string_attribute("merge_fingerprint_json");
  in.merge_axes = root.string_attribute("merge_axes");
  in.samples = root.attribute<std::uint64_t>("samples");
  in.first_sample = root.attribute<std::uint64_t>("first-sample");
  in.seed = root.has_attribute("seed") ? root.attribute<std::uint64_t>("seed") : 0;
  in.start_time = attribute_or(root, "start_time");
  in.end_time = attribute_or(root, "end_time");
  in.host = attribute_or(root, "host");
  in.mpi_ranks = root.has_attribute("mpi_ranks") ? root.attribute<std::int64_t>("mpi_ranks") : 0;
  in.point_names = split_list(root.string_attribute("point_columns"));
  in.observables = split_list(root.string_attribute("observables"));
  in.theory_names = split_list(attribute_or(root, "theory_columns"));

  const auto points = root.open_group("points");
  for (const auto& name : in.point_names) {
    const auto d = points.open_dataset(name);
    in.point_info.push_back(read_description(d));
    switch (d.value_kind()) {
      case io::ValueKind::kSigned: in.point_values.emplace_back(d.read<std::int64_t>()); break;
      case io::ValueKind::kUnsigned:
      case io::ValueKind::kByte: in.point_values.emplace_back(d.read<std::uint64_t>()); break;
      case io::ValueKind::kReal: in.point_values.emplace_back(d.read<double>()); break;
      default: refuse("input '" + path + "': /points/" + name + " is not numeric");
    }
  }
  const auto key_it = std::find(in.point_names.begin(), in.point_names.end(), "key");
  if (key_it == in.point_names.end()) refuse("input '" + path + "' has no /points/key (the points' stream keys)");
  in.keys = std::get<std::vector<std::uint64_t>>(in.point_values[static_cast<std::size_t>(key_it - in.point_names.begin())]);

  for (const auto& name : in.observables) {
    const auto group = root.open_group("results/" + name);
    in.observable_info.push_back(read_description(group));
    const auto d = group.open_dataset("samples");
    const auto dims = d.dims();
    if (dims.size() < 2 || dims[0] != in.points() || dims[1] != in.samples) {
      refuse("input '" + path + "': /results/" + name + "/samples does not have the shape [points, samples(, width)]");
    }
    in.widths.push_back(dims.size() == 3 ? static_cast<std::size_t>(dims[2]) : 1);
    in.samples_of.push_back(d.read<double>());
  }
  for (const auto& name : in.theory_names) {
    const auto d = root.open_dataset("theory/" + name);
    in.theory_info.push_back(read_description(d));
    in.theory_values.push_back(d.read<double>());
  }
  for (const auto& spec : split_list(attribute_or(root, "theory_curves"))) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) continue;
    TheoryCurve c;
    c.name = spec.substr(0, colon);
    c.x_name = spec.substr(colon + 1);
    const auto y = root.open_dataset("theory/" + c.name);
    const auto x = root.open_dataset("theory/" + c.name + "_" + c.x_name);
    c.y = y.read<double>();
    c.x = x.read<double>();
    const auto dy = read_description(y);
    const auto dx = read_description(x);
    c.description = dy.description;
    c.units = dy.units;
    c.equation = dy.equation;
    c.x_description = dx.description;
    c.x_units = dx.units;
    in.curves.push_back(std::move(c));
  }
  in.records = merging::read_records(root, path, in.points(), in.samples);
  for (const auto& spec : extra_specs(in.program)) {
    if (!root.exists(spec.path)) continue;
    const auto d = root.open_dataset(spec.path);
    Extra x;
    x.path = spec.path;
    x.per_point = spec.per_point;
    x.integer = d.value_kind() == io::ValueKind::kSigned || d.value_kind() == io::ValueKind::kUnsigned;
    x.dims = d.dims();
    x.values = d.read<double>();
    if (x.per_point && (x.dims.empty() || x.dims[0] != in.points())) {
      refuse("input '" + path + "': /" + x.path + " does not have one row per point");
    }
    in.extras.push_back(std::move(x));
  }
  return in;
}

/// The extras of the merged file: shared ones checked equal in every input, per-point rows in the
/// merged order `heads` (input, point of that input) of the points.
std::vector<Extra> merged_extras(const std::vector<Input>& inputs,
                                 const std::vector<std::pair<std::size_t, std::size_t>>& heads) {
  const Input& a = inputs.front();
  std::vector<Extra> out;
  for (std::size_t k = 0; k < a.extras.size(); ++k) {
    const Extra& x = a.extras[k];
    for (const auto& in : inputs) {
      const bool same_layout = in.extras.size() == a.extras.size() && in.extras[k].path == x.path &&
                               in.extras[k].integer == x.integer &&
                               (x.per_point ? std::equal(x.dims.begin() + 1, x.dims.end(), in.extras[k].dims.begin() + 1,
                                                         in.extras[k].dims.end())
                                            : in.extras[k].dims == x.dims);
      if (!same_layout) {
        refuse("'" + in.path + "' and '" + a.path + "' differ in the layout of /" + x.path);
      }
      if (!x.per_point && in.extras[k].values != x.values) {
        refuse("'" + in.path + "' and '" + a.path + "' differ in /" + x.path +
               "; only runs with the same options can be merged");
      }
    }
    if (!x.per_point) {
      out.push_back(x);
      continue;
    }
    Extra merged = x;
    merged.dims[0] = heads.size();
    const std::size_t row = x.values.size() / x.dims[0];
    merged.values.clear();
    for (const auto& [input, point] : heads) {
      const auto& v = inputs[input].extras[k].values;
      merged.values.insert(merged.values.end(), v.begin() + static_cast<std::ptrdiff_t>(point * row),
                           v.begin() + static_cast<std::ptrdiff_t>((point + 1) * row));
    }
    out.push_back(std::move(merged));
  }
  return out;
}

/// Writes the extras with the descriptions of the first input's datasets, and the driver's group
/// attributes.
void write_extras(io::File& file, const io::File& source, const std::string& program, const std::vector<Extra>& extras) {
  for (const auto& x : extras) {
    const auto slash = x.path.rfind('/');
    auto group = file.root().require_group(x.path.substr(0, slash));
    const std::string name = x.path.substr(slash + 1);
    auto d = x.integer ? group.write(name, std::vector<std::int64_t>(x.values.begin(), x.values.end()), x.dims)
                       : group.write(name, x.values, x.dims);
    d.copy_scalar_attributes(source.root().open_dataset(x.path));
  }
  for (const auto& [group_path, attribute] : extra_group_attributes(program)) {
    if (!source.root().exists(group_path) || !file.root().exists(group_path)) continue;
    const auto from = source.root().open_group(group_path);
    if (from.has_attribute(attribute)) {
      file.root().open_group(group_path).set_attribute(attribute, from.string_attribute(attribute));
    }
  }
}

double as_double(const Column& c, std::size_t i) {
  return std::visit([i](const auto& v) { return static_cast<double>(v[i]); }, c);
}

bool same_value(const Column& a, std::size_t i, const Column& b, std::size_t j) {
  return std::visit(
      [&](const auto& va) {
        return std::visit([&](const auto& vb) { return static_cast<double>(va[i]) == static_cast<double>(vb[j]); }, b);
      },
      a);
}

std::string point_text(const Input& in, std::size_t point, const std::vector<std::string>& axes) {
  std::ostringstream out;
  out.precision(10);
  for (const auto& axis : axes) {
    const auto it = std::find(in.point_names.begin(), in.point_names.end(), axis);
    if (it == in.point_names.end()) continue;
    out << (out.tellp() > 0 ? ", " : "") << axis << " = "
        << as_double(in.point_values[static_cast<std::size_t>(it - in.point_names.begin())], point);
  }
  if (out.tellp() == 0) out << "with key " << in.keys[point];  // no merge axes (nnsim-digest)
  return out.str();
}

struct Piece {
  std::size_t input, point;
  std::uint64_t first, end;  // sample numbers [first, end)
};

std::string ranges_text(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges) {
  std::string out;
  for (const auto& [a, b] : ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(a);
    out += '-';
    out += std::to_string(b - 1);
  }
  return out;
}

int merge(const std::vector<std::string>& paths, const std::string& output, bool force, bool allow_gaps,
          const std::string& command_line) {
  if (paths.empty()) refuse("no input files (usage: nnsim-merge -o OUT IN...)");
  for (const auto& p : paths) {
    if (std::filesystem::exists(output) && std::filesystem::equivalent(p, output)) {
      refuse("the output '" + output + "' is also an input");
    }
  }
  if (merge_capacity::handles(paths)) return merge_capacity::merge(paths, output, force, allow_gaps, command_line);
  std::vector<Input> inputs;
  for (const auto& p : paths) inputs.push_back(read_input(p));
  const Input& a = inputs.front();
  for (const auto& in : inputs) {
    auto conflict = [&](const std::string& what, const std::string& x, const std::string& y) {
      refuse("'" + in.path + "' and '" + a.path + "' differ in " + what + " ('" + y + "' vs '" + x +
             "'); only runs with the same options, seed and code version can be merged");
    };
    if (in.program != a.program) conflict("program", a.program, in.program);
    if (in.experiment != a.experiment) conflict("experiment", a.experiment, in.experiment);
    if (in.git_commit != a.git_commit) conflict("code version (git_commit)", a.git_commit, in.git_commit);
    if (in.merge_fingerprint != a.merge_fingerprint) conflict("result-relevant options", a.merge_fingerprint, in.merge_fingerprint);
    if (in.merge_axes != a.merge_axes || in.point_names != a.point_names || in.observables != a.observables ||
        in.widths != a.widths || in.theory_names != a.theory_names) {
      conflict("layout (point columns, observables or theory)", a.merge_axes, in.merge_axes);
    }
    if (!merging::same_layout(in.records, a.records)) {
      conflict("record observables (name:row width)", merging::layout_text(a.records), merging::layout_text(in.records));
    }
  }
  const auto axes = split_list(a.merge_axes);

  // Points by key; every point's pieces, in sample order.
  std::map<std::uint64_t, std::vector<Piece>> by_key;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t p = 0; p < inputs[i].points(); ++p) {
      by_key[inputs[i].keys[p]].push_back({i, p, inputs[i].first_sample, inputs[i].first_sample + inputs[i].samples});
    }
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> coverage;  // of the first point
  bool first_point = true;
  for (auto& [key, pieces] : by_key) {
    std::sort(pieces.begin(), pieces.end(), [](const Piece& x, const Piece& y) { return x.first < y.first; });
    const Input& in0 = inputs[pieces.front().input];
    for (const auto& piece : pieces) {
      const Input& in = inputs[piece.input];
      for (std::size_t c = 0; c < a.point_names.size(); ++c) {
        if (!same_value(in.point_values[c], piece.point, in0.point_values[c], pieces.front().point)) {
          refuse("'" + in.path + "' and '" + in0.path + "' give the point with key " + std::to_string(key) +
                 " different values of /points/" + a.point_names[c]);
        }
      }
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      const auto& piece = pieces[k];
      if (k > 0 && piece.first < pieces[k - 1].end) {
        refuse("'" + inputs[piece.input].path + "' (samples " + std::to_string(piece.first) + "-" +
               std::to_string(piece.end - 1) + ") and '" + inputs[pieces[k - 1].input].path + "' (samples " +
               std::to_string(pieces[k - 1].first) + "-" + std::to_string(pieces[k - 1].end - 1) +
               ") overlap at the point " + point_text(in0, pieces.front().point, axes) +
               ": the same samples would be counted twice");
      }
      if (k > 0 && piece.first > pieces[k - 1].end && !allow_gaps) {
        refuse("the samples of the point " + point_text(in0, pieces.front().point, axes) + " have a gap: " +
               std::to_string(pieces[k - 1].end) + "-" + std::to_string(piece.first - 1) +
               " are in no input; add the run that covers them, or pass --allow-gaps");
      }
      if (!ranges.empty() && ranges.back().second == piece.first) {
        ranges.back().second = piece.end;
      } else {
        ranges.emplace_back(piece.first, piece.end);
      }
    }
    if (first_point) {
      coverage = ranges;
      first_point = false;
    } else if (ranges != coverage) {
      refuse("the points do not all cover the same samples: " + point_text(in0, pieces.front().point, axes) +
             " has samples " + ranges_text(ranges) + ", another point has " + ranges_text(coverage) +
             "; merge complete sets (every point with the same sample ranges)");
    }
  }

  // Points in the drivers' order. A driver that sorts its grid by the merge axes (nnsim-hopfield)
  // writes every input sorted, and the merged points are sorted the same way; a driver that keeps
  // the order of the command line (nnsim-rl: --epsilon 1,0.1) writes inputs that are not, and
  // the merged points keep the order in which the inputs list them (first input first).
  auto axis_values_at = [&](const Input& in, std::size_t point) {
    std::vector<double> v;
    for (const auto& axis : axes) {
      const auto it = std::find(in.point_names.begin(), in.point_names.end(), axis);
      v.push_back(it == in.point_names.end()
                      ? 0.0
                      : as_double(in.point_values[static_cast<std::size_t>(it - in.point_names.begin())], point));
    }
    return v;
  };
  bool inputs_sorted = !axes.empty();  // no axes (nnsim-digest): the inputs' order
  for (const auto& in : inputs) {
    for (std::size_t p = 1; p < in.points(); ++p) {
      if (axis_values_at(in, p) < axis_values_at(in, p - 1)) inputs_sorted = false;
    }
  }
  std::vector<std::uint64_t> order;
  if (inputs_sorted) {
    for (const auto& [key, pieces] : by_key) order.push_back(key);
    auto axis_values = [&](std::uint64_t key) {
      const auto& piece = by_key.at(key).front();
      return axis_values_at(inputs[piece.input], piece.point);
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint64_t x, std::uint64_t y) { return axis_values(x) < axis_values(y); });
  } else {
    std::set<std::uint64_t> seen;
    for (const auto& in : inputs) {
      for (std::size_t p = 0; p < in.points(); ++p) {
        if (seen.insert(in.keys[p]).second) order.push_back(in.keys[p]);
      }
    }
  }

  std::uint64_t total_samples = 0;
  for (const auto& [first, end] : coverage) total_samples += end - first;
  const std::size_t np = order.size();

  EnsembleSpec spec;
  spec.num_points = np;
  spec.samples_per_point = total_samples;
  spec.first_sample = coverage.front().first;
  spec.observables = a.observables;
  spec.widths = a.widths;
  const std::size_t stride = spec.values_per_task();
  EnsembleResult result;
  result.values.assign(np * total_samples * stride, std::nan(""));
  spec.records = a.records.specs;
  result.records = merging::merged_columns(a.records, np * total_samples);
  std::vector<PointColumn> points;
  for (std::size_t c = 0; c < a.point_names.size(); ++c) {
    points.push_back({a.point_names[c], std::visit([](const auto& v) { return Column(std::decay_t<decltype(v)>{}); },
                                                   a.point_values[c]),
                      a.point_info[c].description, a.point_info[c].units});
  }
  std::vector<TheoryColumn> theory;
  for (std::size_t t = 0; t < a.theory_names.size(); ++t) {
    theory.push_back({a.theory_names[t], {}, a.theory_info[t].description, a.theory_info[t].equation,
                      a.theory_info[t].units});
  }
  std::vector<std::pair<std::size_t, std::size_t>> heads;  // (input, point) holding each merged point
  for (std::size_t p = 0; p < np; ++p) {
    const auto& pieces = by_key.at(order[p]);
    const auto& head = pieces.front();
    heads.emplace_back(head.input, head.point);
    const Input& in0 = inputs[head.input];
    for (std::size_t c = 0; c < points.size(); ++c) {
      std::visit(
          [&](auto& out) {
            const auto& src = std::get<std::decay_t<decltype(out)>>(in0.point_values[c]);
            out.push_back(src[head.point]);
          },
          points[c].values);
    }
    for (std::size_t t = 0; t < theory.size(); ++t) theory[t].values.push_back(in0.theory_values[t][head.point]);
    std::uint64_t s_out = 0;  // samples are laid out in sample-number order
    for (const auto& piece : pieces) {
      const Input& in = inputs[piece.input];
      for (std::uint64_t s = 0; s < in.samples; ++s, ++s_out) {
        merging::copy_task(result.records, in.records, piece.point * in.samples + s, p * total_samples + s_out);
        std::size_t offset = 0;
        for (std::size_t k = 0; k < a.observables.size(); ++k) {
          const std::size_t w = a.widths[k];
          for (std::size_t c = 0; c < w; ++c) {
            result.values[(p * total_samples + s_out) * stride + offset + c] =
                in.samples_of[k][(piece.point * in.samples + s) * w + c];
          }
          offset += w;
        }
      }
    }
  }
  std::vector<ObservableInfo> observables;
  for (std::size_t k = 0; k < a.observables.size(); ++k) {
    observables.push_back({a.observables[k], a.observable_info[k].description, a.observable_info[k].equation,
                           a.observable_info[k].units});
  }

  const std::vector<Extra> extras = merged_extras(inputs, heads);

  // Provenance: the first input's attributes, the union's grid and sample range, every input.
  std::string merged_from = "[";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    JsonObject o;
    o.add("file", std::filesystem::absolute(in.path).string());
    o.add("points", static_cast<std::uint64_t>(in.points()));
    o.add("first-sample", in.first_sample);
    o.add("samples", in.samples);
    o.add("git_commit", in.git_commit);
    o.add("host", in.host);
    o.add("mpi_ranks", in.mpi_ranks);
    o.add("start_time", in.start_time);
    o.add("end_time", in.end_time);
    merged_from += (i ? "," : "") + o.str();
  }
  merged_from += "]";

  const auto write_derived = merging::derived_writer(a.program, paths, spec, result);
  io::AtomicOutput out = [&] {
    try {
      return io::AtomicOutput(output, force);
    } catch (const io::IoError& e) {
      refuse(std::string("--output: ") + e.what());
    }
  }();
  {
    auto source = io::File::open_read_only(a.path);
    auto file = io::File::create(out.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    root.copy_scalar_attributes(source.root());
    std::string parameters = attribute_or(source.root(), "parameters_json");
    std::string fingerprint = attribute_or(source.root(), "fingerprint_json");
    for (const auto& axis : axes) {
      const auto it = std::find(a.point_names.begin(), a.point_names.end(), axis);
      if (it == a.point_names.end() || !root.has_attribute(axis)) continue;
      const auto& column = points[static_cast<std::size_t>(it - a.point_names.begin())].values;
      std::vector<double> distinct;
      for (std::size_t p = 0; p < np; ++p) distinct.push_back(as_double(column, p));
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      std::string grid;
      for (const double v : distinct) grid += (grid.empty() ? "" : ",") + json_number(v);
      root.set_attribute(axis, grid);
      parameters = replace_json_member(parameters, axis, json_quote(grid));
      fingerprint = replace_json_member(fingerprint, axis, json_quote(grid));
    }
    for (auto* json : {&parameters, &fingerprint}) {
      *json = replace_json_member(*json, "samples", std::to_string(total_samples));
      *json = replace_json_member(*json, "first-sample", std::to_string(spec.first_sample));
    }
    root.set_attribute("samples", total_samples);
    root.set_attribute("first-sample", spec.first_sample);
    root.set_attribute("parameters_json", parameters);
    root.set_attribute("fingerprint_json", fingerprint);
    root.set_attribute("merged_from", merged_from);
    root.set_attribute("merge_command_line", command_line);
    root.set_attribute("merge_time", utc_timestamp());
    root.set_attribute("merged_by", std::string(kProgram) + " " + kVersion + " (" + kGitCommit + ")");
    root.set_attribute("sample_ranges", ranges_text(coverage));
    write_gridded_results(file, spec, result, points, observables, theory, a.records.info);
    write_theory_curves(file, a.curves);
    write_extras(file, source, a.program, extras);
    write_derived(file);
    file.close();
  }
  out.commit();
  log::info("merged " + std::to_string(inputs.size()) + " file(s): " + std::to_string(np) + " points x " +
            std::to_string(total_samples) + " samples (" + ranges_text(coverage) + ") -> " + output);
  return kExitOk;
}

std::string usage() {
  return "Usage: nnsim-merge -o OUT [--force] [--allow-gaps] [--quiet] IN...\n\n"
         "Pools output files of one driver and experiment that differ only in their points (e.g. the blocks of\n"
         "a job array) and/or their sample ranges (--first-sample) into OUT, as if one run had computed the\n"
         "union: /points and /results are identical to that run's. Refuses (exit 2) inputs whose options, seed\n"
         "or code version differ, overlapping sample ranges, and gaps unless --allow-gaps.\n"
         "Variable-length records are pooled too, and what a driver derives from all samples is recomputed\n"
         "with its own code: nnsim-digest's /instances (maps found, success rates), nnsim-capacity's\n"
         "/capacity, /extrapolation and /scaling, whose files merge by blocks of sizes (--size-block; every\n"
         "size in exactly one input). Only measured wall times (units s) differ from the single run.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string output;
  std::vector<std::string> inputs;
  bool force = false, allow_gaps = false, quiet = false;
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("help,h", "print this help and exit")
    ("output,o", po::value(&output)->value_name("FILE"), "merged output file (written under a temporary name, renamed when complete)")
    ("force", po::bool_switch(&force), "overwrite an existing output file")
    ("allow-gaps", po::bool_switch(&allow_gaps), "accept sample ranges with gaps (the merged file lists them in sample_ranges)")
    ("quiet,q", po::bool_switch(&quiet), "print nothing but errors")
    ("input", po::value(&inputs)->value_name("FILE"), "input files (positional)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("input", -1);
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    if (i) command_line += ' ';
    command_line += argv[i];
  }
  try {
    io::silence_hdf5_errors();
    po::variables_map values;
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    try {
      po::store(po::command_line_parser(argc, argv).options(options).positional(positional).style(style).run(), values);
      po::notify(values);
    } catch (const po::error& e) {
      throw UsageError(e.what());
    }
    if (values.count("help")) {
      std::cout << usage() << "\n" << options << "\nExit codes: 0 done, 1 runtime failure, 2 bad input (nothing written).\n";
      return kExitOk;
    }
    if (output.empty()) throw UsageError("--output: give the merged file's name (-o OUT)");
    log::set_quiet(quiet);
    return merge(inputs, output, force, allow_gaps, command_line);
  } catch (const UsageError& e) {
    std::cerr << kProgram << ": error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": error: " << e.what() << "\n";
    return kExitFailure;
  }
}
