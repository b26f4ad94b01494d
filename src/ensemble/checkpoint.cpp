#include "ensemble/checkpoint.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/rng.hpp"
#include "io/hdf5.hpp"

namespace nnsim {
namespace {
constexpr const char* kFormat = "nnsim-checkpoint";
// 3: content_checksum. 4: record observables (written only by runs that have them, so a run
// of fixed values only still writes, and reads, the files of earlier builds).
constexpr std::int64_t kFormatVersion = 3;
constexpr std::int64_t kFormatVersionWithRecords = 4;
// 5: suspended task states (records optional); written only when there are any.
constexpr std::int64_t kFormatVersionWithSuspended = 5;

std::int64_t format_version_of(const Checkpoint& c) {
  if (!c.suspended_ids.empty()) return kFormatVersionWithSuspended;
  return c.records.empty() ? kFormatVersion : kFormatVersionWithRecords;
}

/// Offsets (n + 1) and concatenated bytes of the suspended states.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint8_t>> flatten_suspended(const Checkpoint& c) {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint8_t> bytes;
  for (const auto& state : c.suspended_states) {
    bytes.insert(bytes.end(), state.begin(), state.end());
    offsets.push_back(bytes.size());
  }
  return {std::move(offsets), std::move(bytes)};
}

void hash_suspended(Hash64& hash, const Checkpoint& c) {
  if (c.suspended_ids.empty()) return;
  const auto [offsets, bytes] = flatten_suspended(c);
  hash.update(c.suspended_ids.data(), c.suspended_ids.size() * sizeof(std::uint64_t));
  hash.update(offsets.data(), offsets.size() * sizeof(std::uint64_t));
  hash.update(bytes.data(), bytes.size());
}

void hash_records(Hash64& hash, const std::vector<FlatRecords>& records) {
  for (const auto& r : records) {
    hash.update(r.offsets.data(), r.offsets.size() * sizeof(std::uint64_t));
    hash.update(r.values.data(), r.values.size() * sizeof(double));
  }
}

/// fmix64(FNV-1a-64) over the result-bearing content: parameters, task ids, value bits and
/// record offsets and bits. Not cryptographic: it catches edits and damage, not an adversary.
std::uint64_t content_checksum(const Checkpoint& c) {
  Hash64 hash;
  hash.update(c.parameters_json.data(), c.parameters_json.size());
  hash.update(c.task_ids.data(), c.task_ids.size() * sizeof(std::uint64_t));
  hash.update(c.values.data(), c.values.size() * sizeof(double));
  hash_records(hash, c.records);
  hash_suspended(hash, c);
  return hash.digest();
}

void write_header(io::Group& root, const Checkpoint& c, std::uint64_t checksum) {
  if (c.records.size() != c.record_observables.size()) {
    throw std::logic_error("save_checkpoint: records do not match the record observables");
  }
  root.set_attribute("format", kFormat);
  if (c.suspended_ids.size() != c.suspended_states.size()) {
    throw std::logic_error("save_checkpoint: suspended states do not match their task ids");
  }
  root.set_attribute("format_version", format_version_of(c));
  root.set_attribute("parameters_json", c.parameters_json);
  root.set_attribute("git_commit", c.git_commit);
  root.set_attribute("num_points", c.num_points);
  root.set_attribute("samples_per_point", c.samples_per_point);
  root.set_attribute("content_checksum", checksum);
  if (c.widths.size() != c.observables.size()) throw std::logic_error("save_checkpoint: widths do not match");
  root.write_strings("observables", c.observables);
  root.write("widths", c.widths);
}

void write_records(io::Group& root, const Checkpoint& c, std::uint64_t done) {
  if (c.records.empty()) return;
  root.write_strings("record_observables", c.record_observables);
  std::vector<std::uint64_t> widths;
  for (const auto& r : c.records) widths.push_back(r.width);
  root.write("record_widths", widths);
  for (std::size_t k = 0; k < c.records.size(); ++k) {
    const auto& r = c.records[k];
    if (r.entries() != done || r.values.size() != r.rows() * r.width) {
      throw std::logic_error("save_checkpoint: record '" + c.record_observables[k] + "' does not match the tasks");
    }
    auto group = root.require_group("records/" + c.record_observables[k]);
    group.write("offsets", r.offsets);
    group.write("values", r.values, {r.rows(), r.width});
  }
}

void write_suspended(io::Group& root, const Checkpoint& c) {
  if (c.suspended_ids.empty()) return;
  const auto [offsets, bytes] = flatten_suspended(c);
  auto group = root.require_group("suspended");
  group.write("task_ids", c.suspended_ids);
  group.write("offsets", offsets);
  group.write("bytes", bytes);
}

void read_suspended(const io::Group& root, Checkpoint& c, const std::string& path) {
  const std::string where = "checkpoint '" + path + "' is corrupt: /suspended";
  const auto group = root.open_group("suspended");
  c.suspended_ids = group.read<std::uint64_t>("task_ids");
  const auto offsets = group.read<std::uint64_t>("offsets");
  const auto bytes = group.read<std::uint8_t>("bytes");
  if (c.suspended_ids.empty() || offsets.size() != c.suspended_ids.size() + 1 || offsets.front() != 0 ||
      offsets.back() != bytes.size()) {
    throw UsageError(where + "/offsets does not match its task ids and bytes");
  }
  for (std::size_t i = 0; i < c.suspended_ids.size(); ++i) {
    if (offsets[i + 1] <= offsets[i]) throw UsageError(where + "/offsets do not increase");
    if (i > 0 && c.suspended_ids[i] <= c.suspended_ids[i - 1]) throw UsageError(where + "/task_ids are unsorted");
    c.suspended_states.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(offsets[i]),
                                    bytes.begin() + static_cast<std::ptrdiff_t>(offsets[i + 1]));
  }
}

void read_records(const io::Group& root, Checkpoint& c, const std::string& path) {
  c.record_observables = root.read_strings("record_observables");
  const auto widths = root.read<std::uint64_t>("record_widths");
  if (widths.size() != c.record_observables.size() || c.record_observables.empty()) {
    throw UsageError("checkpoint '" + path + "' is corrupt: /record_widths does not match /record_observables");
  }
  for (std::size_t k = 0; k < widths.size(); ++k) {
    const std::string where = "checkpoint '" + path + "' is corrupt: /records/" + c.record_observables[k];
    const auto group = root.open_group("records/" + c.record_observables[k]);
    FlatRecords r;
    r.width = widths[k];
    r.offsets = group.read<std::uint64_t>("offsets");
    if (r.width == 0 || r.offsets.size() != c.task_ids.size() + 1 || r.offsets.front() != 0) {
      throw UsageError(where + "/offsets does not match the tasks");
    }
    for (std::size_t i = 1; i < r.offsets.size(); ++i) {
      if (r.offsets[i] < r.offsets[i - 1]) throw UsageError(where + "/offsets decrease");
    }
    const auto values = group.open_dataset("values");
    const auto dims = values.dims();
    if (dims.size() != 2 || dims[0] != r.rows() || dims[1] != r.width) {
      throw UsageError(where + "/values has the wrong shape");
    }
    r.values = values.read<double>();
    c.records.push_back(std::move(r));
  }
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
    write_records(root, c, c.task_ids.size());
    write_suspended(root, c);
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
  hash_records(hash, header.records);
  hash_suspended(hash, header);
  io::AtomicOutput output(path, /*overwrite=*/true);
  {
    auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    write_header(root, header, hash.digest());
    root.write("task_ids", ids);
    root.write_rows("values", values.data(), done.size(), width, 0, width, runs, {ids.size(), width});
    write_records(root, header, ids.size());
    write_suspended(root, header);
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
    const auto version = root.attribute<std::int64_t>("format_version");
    if (version != kFormatVersion && version != kFormatVersionWithRecords && version != kFormatVersionWithSuspended) {
      throw UsageError("checkpoint '" + path + "' has format version " + std::to_string(version) +
                       ", which this build does not read (it reads versions " + std::to_string(kFormatVersion) +
                       " to " + std::to_string(kFormatVersionWithSuspended) +
                       "); resume with the build that wrote it, or pass --force to start afresh");
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
    if (version == kFormatVersionWithRecords ||
        (version == kFormatVersionWithSuspended && root.exists("record_observables"))) {
      read_records(root, c, path);
    }
    if (version == kFormatVersionWithSuspended) read_suspended(root, c, path);
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
  for (const auto id : c.suspended_ids) {
    if (id >= total) throw UsageError("checkpoint '" + path + "' is corrupt: suspended task ids out of range");
  }
  return c;
}

namespace {

/// "--size-block is '0:2' in the checkpoint, '1:2' in this run; ..." for the options in which
/// two parameters_json objects differ; empty if they cannot be compared member by member.
std::string option_differences(const std::string& checkpoint_json, const std::string& run_json) {
  try {
    const JsonValue theirs = parse_json(checkpoint_json, "checkpoint parameters");
    const JsonValue ours = parse_json(run_json, "run parameters");
    if (!theirs.is_object() || !ours.is_object()) return "";
    std::string out;
    auto note = [&](const std::string& name, const JsonValue* a, const JsonValue* b) {
      const auto quoted = [](const JsonValue* v) {
        if (!v) return std::string("not set");
        std::string q(1, '\'');
        q.append(scalar_text(*v)).push_back('\'');
        return q;
      };
      const std::string x = quoted(a), y = quoted(b);
      if (x == y) return;
      if (!out.empty()) out.append("; ");
      out.append("--").append(name).append(" is ").append(x).append(" in the checkpoint, ").append(y);
      out.append(" in this run");
    };
    for (const auto& [name, value] : theirs.as_object()) note(name, &value, ours.find(name));
    for (const auto& [name, value] : ours.as_object()) {
      if (!theirs.find(name)) note(name, nullptr, &value);
    }
    return out;
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

std::string parameters_mismatch_message(const std::string& what, const std::string& checkpoint_json,
                                        const std::string& run_json) {
  const std::string differences = option_differences(checkpoint_json, run_json);
  return what + " belongs to a run with other parameters" + (differences.empty() ? std::string() : ": " + differences) +
         "\n  checkpoint: " + checkpoint_json + "\n  this run:   " + run_json +
         "\nresume with the same options, or pass --force to start afresh";
}

void check_checkpoint_matches(const Checkpoint& c, const std::string& path,
                              const std::string& parameters_json, std::uint64_t num_points,
                              std::uint64_t samples_per_point,
                              const std::vector<std::string>& observables, const std::vector<std::uint64_t>& widths,
                              const std::string& git_commit, const std::vector<RecordObservable>& records) {
  if (c.parameters_json != parameters_json) {
    throw UsageError(parameters_mismatch_message("checkpoint '" + path + "'", c.parameters_json, parameters_json));
  }
  if (c.num_points != num_points || c.samples_per_point != samples_per_point || c.observables != observables ||
      c.widths != widths) {
    throw UsageError("checkpoint '" + path + "' has another task layout than this run");
  }
  std::vector<RecordObservable> theirs;
  for (std::size_t k = 0; k < c.records.size(); ++k) theirs.push_back({c.record_observables[k], c.records[k].width});
  if (theirs != records) {
    throw UsageError("checkpoint '" + path + "' has other record observables (names or widths) than this run");
  }
  if (c.git_commit != git_commit && c.git_commit != "unknown" && git_commit != "unknown") {
    throw UsageError("checkpoint '" + path + "' was written by code version " + c.git_commit +
                     ", this program is " + git_commit +
                     "; resume with the build that wrote it, or pass --force to start afresh");
  }
}

}  // namespace nnsim
