#include "ensemble/checkpoint.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/hdf5.hpp"

namespace nnsim {
namespace {
constexpr const char* kFormat = "nnsim-checkpoint";
constexpr std::int64_t kFormatVersion = 3;  // 3: content_checksum

/// fmix64(FNV-1a-64) over the result-bearing content: parameters, task ids and value bits.
/// Not cryptographic: it catches edits and damage, not an adversary.
std::uint64_t content_checksum(const Checkpoint& c) {
  Hash64 hash;
  hash.update(c.parameters_json.data(), c.parameters_json.size());
  hash.update(c.task_ids.data(), c.task_ids.size() * sizeof(std::uint64_t));
  hash.update(c.values.data(), c.values.size() * sizeof(double));
  return hash.digest();
}

void write_header(io::Group& root, const Checkpoint& c, std::uint64_t checksum) {
  root.set_attribute("format", kFormat);
  root.set_attribute("format_version", kFormatVersion);
  root.set_attribute("parameters_json", c.parameters_json);
  root.set_attribute("git_commit", c.git_commit);
  root.set_attribute("num_points", c.num_points);
  root.set_attribute("samples_per_point", c.samples_per_point);
  root.set_attribute("content_checksum", checksum);
  if (c.widths.size() != c.observables.size()) throw std::logic_error("save_checkpoint: widths do not match");
  root.write_strings("observables", c.observables);
  root.write("widths", c.widths);
}
}  // namespace

std::string checkpoint_path_for(const std::string& output_path) { return output_path + ".checkpoint.h5"; }

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  io::AtomicOutput output(path, /*overwrite=*/true);
  {
    auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    write_header(root, c, content_checksum(c));
    root.write("task_ids", c.task_ids);
    root.write("values", c.values, {c.task_ids.size(), c.values_per_task()});
    file.close();
  }
  output.commit();
}

void save_checkpoint(const std::string& path, const Checkpoint& header, std::span<const double> values,
                     std::span<const std::uint8_t> done) {
  const std::uint64_t width = header.values_per_task();
  if (values.size() != done.size() * width) throw std::logic_error("save_checkpoint: values do not match the tasks");
  std::vector<std::uint64_t> ids;  // 8 bytes a task, not values
  std::vector<std::pair<hsize_t, hsize_t>> runs;
  for (std::uint64_t id = 0; id < done.size(); ++id) {
    if (!done[id]) continue;
    ids.push_back(id);
    if (!runs.empty() && runs.back().second == id) {
      ++runs.back().second;
    } else {
      runs.emplace_back(id, id + 1);
    }
  }
  Hash64 hash;  // the same bytes, in the same order, as content_checksum of the copied checkpoint
  hash.update(header.parameters_json.data(), header.parameters_json.size());
  hash.update(ids.data(), ids.size() * sizeof(std::uint64_t));
  for (const auto& [first, end] : runs) {
    hash.update(values.data() + first * width, (end - first) * width * sizeof(double));
  }
  io::AtomicOutput output(path, /*overwrite=*/true);
  {
    auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    write_header(root, header, hash.digest());
    root.write("task_ids", ids);
    root.write_rows("values", values.data(), done.size(), width, 0, width, runs, {ids.size(), width});
    file.close();
  }
  output.commit();
}

Checkpoint load_checkpoint(const std::string& path) {
  Checkpoint c;
  try {
    auto file = io::File::open_read_only(path);
    const auto& root = file.root();
    if (!root.has_attribute("format") || root.string_attribute("format") != kFormat) {
      throw UsageError("'" + path + "' is not an nnsim checkpoint");
    }
    if (root.attribute<std::int64_t>("format_version") != kFormatVersion) {
      throw UsageError("checkpoint '" + path + "' has an unsupported format version");
    }
    c.parameters_json = root.string_attribute("parameters_json");
    c.git_commit = root.string_attribute("git_commit");
    c.num_points = root.attribute<std::uint64_t>("num_points");
    c.samples_per_point = root.attribute<std::uint64_t>("samples_per_point");
    c.observables = root.read_strings("observables");
    c.widths = root.read<std::uint64_t>("widths");
    if (c.widths.size() != c.observables.size()) {
      throw UsageError("checkpoint '" + path + "' is corrupt: /widths does not match /observables");
    }
    c.task_ids = root.read<std::uint64_t>("task_ids");
    const auto values = root.open_dataset("values");
    const auto dims = values.dims();
    if (dims.size() != 2 || dims[0] != c.task_ids.size() || dims[1] != c.values_per_task()) {
      throw UsageError("checkpoint '" + path + "' is corrupt: /values has the wrong shape");
    }
    c.values = values.read<double>();
    if (!root.has_attribute("content_checksum") ||
        root.attribute<std::uint64_t>("content_checksum") != content_checksum(c)) {
      throw UsageError("checkpoint '" + path +
                       "' is corrupt: its task values do not match their checksum (edited or damaged); "
                       "pass --force to start afresh");
    }
  } catch (const io::IoError& e) {
    throw UsageError("cannot read checkpoint '" + path + "' (corrupt or truncated?): " + e.what());
  }
  const std::uint64_t total = c.num_points * c.samples_per_point;
  for (std::size_t i = 0; i < c.task_ids.size(); ++i) {
    if (c.task_ids[i] >= total || (i > 0 && c.task_ids[i] <= c.task_ids[i - 1])) {
      throw UsageError("checkpoint '" + path + "' is corrupt: task ids out of range or unsorted");
    }
  }
  return c;
}

void check_checkpoint_matches(const Checkpoint& c, const std::string& path,
                              const std::string& parameters_json, std::uint64_t num_points,
                              std::uint64_t samples_per_point,
                              const std::vector<std::string>& observables, const std::vector<std::uint64_t>& widths,
                              const std::string& git_commit) {
  if (c.parameters_json != parameters_json) {
    throw UsageError("checkpoint '" + path + "' belongs to a run with other parameters:\n  checkpoint: " +
                     c.parameters_json + "\n  this run:   " + parameters_json +
                     "\nresume with the same options, or pass --force to start afresh");
  }
  if (c.num_points != num_points || c.samples_per_point != samples_per_point || c.observables != observables ||
      c.widths != widths) {
    throw UsageError("checkpoint '" + path + "' has another task layout than this run");
  }
  if (c.git_commit != git_commit && c.git_commit != "unknown" && git_commit != "unknown") {
    throw UsageError("checkpoint '" + path + "' was written by code version " + c.git_commit +
                     ", this program is " + git_commit +
                     "; resume with the build that wrote it, or pass --force to start afresh");
  }
}

}  // namespace nnsim
