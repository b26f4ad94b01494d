#include "records.hpp"

#include "../digest/merge.hpp"
#include "core/error.hpp"
#include "text.hpp"

namespace nnsim::merging {

InputRecords read_records(const io::Group& root, const std::string& path, std::uint64_t points,
                          std::uint64_t samples) {
  InputRecords out;
  if (!root.has_attribute("record_observables")) return out;
  const std::uint64_t tasks = points * samples;
  for (const auto& name : split_list(root.string_attribute("record_observables"))) {
    const std::string where = "input '" + path + "': /results/" + name;
    if (!root.exists("results/" + name + "/values") || !root.exists("results/" + name + "/offsets")) {
      throw UsageError(where + " lacks values or offsets (root attribute record_observables names it)");
    }
    const auto group = root.open_group("results/" + name);
    const auto values = group.open_dataset("values");
    const auto dims = values.dims();
    if (dims.size() != 2 || dims[1] < 1) throw UsageError(where + "/values is not a [rows, width] matrix");
    FlatRecords flat;
    flat.width = dims[1];
    flat.values = values.read<double>();
    flat.offsets = group.open_dataset("offsets").read<std::uint64_t>();
    bool valid = flat.offsets.size() == tasks + 1 && flat.offsets.front() == 0 && flat.offsets.back() == dims[0];
    for (std::size_t t = 0; valid && t < tasks; ++t) valid = flat.offsets[t] <= flat.offsets[t + 1];
    if (!valid) {
      throw UsageError(where + "/offsets does not split the " + std::to_string(dims[0]) + " rows into " +
                       std::to_string(points) + " points x " + std::to_string(samples) + " samples");
    }
    auto get = [&group](const char* attribute) {
      return group.has_attribute(attribute) ? group.string_attribute(attribute) : std::string();
    };
    out.specs.push_back({name, flat.width});
    out.info.push_back({name, get("description"), get("equation"), get("units")});
    out.flat.push_back(std::move(flat));
  }
  return out;
}

bool same_layout(const InputRecords& a, const InputRecords& b) { return a.specs == b.specs; }

std::string layout_text(const InputRecords& records) {
  std::string out;
  for (const auto& r : records.specs) out += (out.empty() ? "" : ",") + r.name + ":" + std::to_string(r.width);
  return out;
}

std::vector<RecordColumn> merged_columns(const InputRecords& first, std::uint64_t tasks) {
  std::vector<RecordColumn> columns(first.specs.size());
  for (std::size_t k = 0; k < columns.size(); ++k) {
    columns[k].width = first.specs[k].width;
    columns[k].by_task.resize(tasks);
  }
  return columns;
}

void copy_task(std::vector<RecordColumn>& columns, const InputRecords& in, std::uint64_t from, std::uint64_t to) {
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const auto rows = in.flat[k].entry(from);
    columns[k].by_task[to].assign(rows.begin(), rows.end());
  }
}

std::function<void(io::File&)> derived_writer(const std::string& program, const std::vector<std::string>& inputs,
                                              const EnsembleSpec& spec, const EnsembleResult& result) {
  if (program == "nnsim-digest") return digest_app::merged_instances(inputs, spec, result);
  return [](io::File&) {};
}

}  // namespace nnsim::merging
