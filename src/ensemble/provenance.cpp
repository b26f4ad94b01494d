#include "ensemble/provenance.hpp"

#include <unistd.h>

#include <ctime>
#include <span>
#include <stdexcept>

#include "core/isa.hpp"
#include "ensemble/accumulator.hpp"
#include "ensemble/mpi_env.hpp"
#include "nnsim/version.hpp"

namespace nnsim {

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

std::string version_text(const std::string& program) {
  std::string supported;
  for (const auto isa : supported_isas()) supported += std::string(supported.empty() ? "" : ", ") + to_string(isa);
  return program + " " + kVersion + "\ngit commit: " + kGitCommit + "\ninstruction set: " + isa_summary() +
         " (this CPU supports " + supported + "; NNSIM_ISA=generic|avx2|avx512 selects one)\n";
}

void write_provenance(io::Group& root, const RunInfo& info, const po::options_description& options,
                      const po::variables_map& values) {
  root.set_attribute("program", info.program);
  root.set_attribute("experiment", info.experiment);
  root.set_attribute("version", std::string(kVersion));
  root.set_attribute("git_commit", std::string(kGitCommit));
  root.set_attribute("command_line", info.command_line);
  root.set_attribute("parameters_json", info.parameters_json);
  root.set_attribute("mpi_ranks", static_cast<std::int64_t>(info.mpi_ranks));
  root.set_attribute("omp_threads", static_cast<std::int64_t>(info.omp_threads));
  root.set_attribute("start_time", info.start_time);
  root.set_attribute("end_time", utc_timestamp());
  root.set_attribute("host", host_name());
  root.set_attribute("isa", info.isa);
  for (const auto& [name, value] : option_values(options, values)) {
    if (root.has_attribute(name)) continue;  // provenance names win (seed is both)
    std::visit(
        [&root, &key = name](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>) {
            root.set_attribute(key, static_cast<std::uint8_t>(v));
          } else {
            root.set_attribute(key, v);
          }
        },
        value);
  }
}

void describe(io::Object& object, const std::string& description, const std::string& units,
              const std::string& equation) {
  object.set_attribute("description", description);
  object.set_attribute("units", units);
  if (!equation.empty()) object.set_attribute("equation", equation);
}

void write_gridded_results(io::File& file, const EnsembleSpec& spec, const EnsembleResult& result,
                           const std::vector<PointColumn>& points,
                           const std::vector<ObservableInfo>& observables,
                           const std::vector<TheoryColumn>& theory, const std::vector<ObservableInfo>& records) {
  const std::uint64_t np = spec.num_points;
  const std::uint64_t ns = spec.samples_per_point;
  if (observables.size() != spec.observables.size()) {
    throw std::logic_error("write_gridded_results: observable metadata does not match the experiment");
  }
  if (records.size() != spec.records.size() || result.records.size() != spec.records.size()) {
    throw std::logic_error("write_gridded_results: record metadata does not match the experiment");
  }
  for (std::size_t k = 0; k < records.size(); ++k) {
    if (records[k].name != spec.records[k].name) {
      throw std::logic_error("write_gridded_results: record '" + records[k].name + "' is not the experiment's '" +
                             spec.records[k].name + "'");
    }
  }
  auto& root = file.root();
  auto points_group = root.require_group("points");
  std::vector<io::Dataset> scales;
  for (const auto& column : points) {
    io::Dataset d = std::visit(
        [&](const auto& v) {
          if (v.size() != np) throw std::logic_error("point column '" + column.name + "' has the wrong length");
          return points_group.write(column.name, v);
        },
        column.values);
    describe(d, column.description, column.units);
    d.make_scale(column.name);
    scales.push_back(std::move(d));
  }
  auto attach = [&](io::Dataset& d) {
    for (const auto& s : scales) d.attach_scale(s, 0);
  };
  const std::size_t stride = spec.values_per_task();
  std::size_t offset = 0;  // of observable k within a task's values
  for (std::size_t k = 0; k < observables.size(); ++k) {
    const auto& info = observables[k];
    const std::size_t width = spec.width(k);
    // samples [point][sample][component]; statistics per (point, component) over samples
    std::vector<double> mean(np * width), stderr_of_mean(np * width), column(ns);
    std::vector<std::int64_t> count(np);
    for (std::uint64_t p = 0; p < np; ++p) {
      for (std::size_t c = 0; c < width; ++c) {
        for (std::uint64_t s = 0; s < ns; ++s) {
          column[s] = result.values[(p * ns + s) * stride + offset + c];
        }
        const auto summary = summarize(column);
        mean[p * width + c] = summary.mean;
        stderr_of_mean[p * width + c] = summary.stderr_of_mean;
        count[p] = static_cast<std::int64_t>(summary.count);
      }
    }
    const std::vector<hsize_t> per_point = width == 1 ? std::vector<hsize_t>{np} : std::vector<hsize_t>{np, width};
    const std::vector<hsize_t> per_sample =
        width == 1 ? std::vector<hsize_t>{np, ns} : std::vector<hsize_t>{np, ns, width};
    auto group = root.require_group("results/" + info.name);
    describe(group, info.description, info.units, info.equation);
    auto d_mean = group.write("mean", mean, per_point);
    describe(d_mean, "mean over samples of " + info.description, info.units, info.equation);
    attach(d_mean);
    auto d_err = group.write("stderr", stderr_of_mean, per_point);
    describe(d_err, "standard error of the mean: sample standard deviation / sqrt(count), samples independent; NaN when count < 2",
             info.units);
    attach(d_err);
    auto d_count = group.write("count", count);
    describe(d_count, "number of independent samples", "1");
    attach(d_count);
    // Written straight from the task values (columns of observable k), without a copy.
    auto d_samples = group.write_rows("samples", result.values.data(), np * ns, stride, offset, width,
                                      {{0, np * ns}}, per_sample);
    offset += width;
    describe(d_samples,
             "one value per (point, sample); entry s of a point is sample number first-sample + s (root attribute), "
             "computed from random streams keyed by (seed, /points/key, sample number)",
             info.units, info.equation);
    attach(d_samples);
  }
  for (std::size_t k = 0; k < records.size(); ++k) {
    const auto& info = records[k];
    const auto flat = flatten(result.records[k]);  // every task: the run is complete
    if (flat.entries() != np * ns) throw std::logic_error("write_gridded_results: records do not match the tasks");
    auto group = root.require_group("results/" + info.name);
    describe(group, info.description, info.units, info.equation);
    const std::string slicing =
        "rows of (point p, sample s): values[offsets[t]:offsets[t+1]] with t = p * samples + s (h5py: "
        "o = f['results/" + info.name + "/offsets'][:]; v = f['results/" + info.name +
        "/values']; v[o[t]:o[t+1]]); s counts from first-sample (root attribute)";
    group.set_attribute("layout", "variable-length records: " + slicing);
    group.set_attribute("width", flat.width);
    auto d_values = group.write("values", flat.values, {flat.rows(), flat.width});
    describe(d_values,
             "rows of " + info.description + ", " + std::to_string(flat.width) +
                 " value(s) per row, the records of every (point, sample) concatenated in task order; " + slicing,
             info.units, info.equation);
    auto d_offsets = group.write("offsets", flat.offsets);
    describe(d_offsets,
             "first row in values of each task and, last, the total row count; task t = p * samples + s has rows "
             "offsets[t] .. offsets[t+1] (may be none)",
             "1");
    std::vector<std::uint64_t> lengths(np * ns);
    for (std::uint64_t t = 0; t < np * ns; ++t) lengths[t] = flat.offsets[t + 1] - flat.offsets[t];
    auto d_lengths = group.write("lengths", lengths, {np, ns});
    describe(d_lengths, "rows of each (point, sample): offsets[t+1] - offsets[t]", "1");
    attach(d_lengths);
  }
  if (!theory.empty()) {
    auto theory_group = root.require_group("theory");
    for (const auto& t : theory) {
      if (t.values.size() != np) throw std::logic_error("theory column '" + t.name + "' has the wrong length");
      auto d = theory_group.write(t.name, t.values);
      describe(d, t.description, t.units, t.equation);
      attach(d);
    }
  }
}

void write_theory_curves(io::File& file, const std::vector<TheoryCurve>& curves) {
  if (curves.empty()) return;
  auto group = file.root().require_group("theory");
  for (const auto& c : curves) {
    if (c.x.size() != c.y.size()) throw std::logic_error("theory curve '" + c.name + "': x and y differ in length");
    auto axis = group.write(c.name + "_" + c.x_name, c.x);
    describe(axis, c.x_description, c.x_units);
    axis.make_scale(c.x_name);
    auto values = group.write(c.name, c.y);
    describe(values, c.description, c.units, c.equation);
    values.attach_scale(axis, 0);
  }
}

}  // namespace nnsim
