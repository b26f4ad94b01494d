#include "ensemble/records.hpp"

#include <stdexcept>

namespace nnsim {

FlatRecords flatten(const RecordColumn& column, std::span<const std::uint8_t> done) {
  if (!done.empty() && done.size() != column.by_task.size()) {
    throw std::logic_error("flatten: the done flags do not match the tasks");
  }
  auto selected = [&](std::size_t task) { return done.empty() || done[task] != 0; };
  FlatRecords flat;
  flat.width = column.width;
  std::size_t entries = 0, values = 0;
  for (std::size_t t = 0; t < column.by_task.size(); ++t) {
    if (!selected(t)) continue;
    ++entries;
    values += column.by_task[t].size();
  }
  flat.offsets.reserve(entries + 1);
  flat.values.reserve(values);
  for (std::size_t t = 0; t < column.by_task.size(); ++t) {
    if (selected(t)) flat.append(column.by_task[t]);
  }
  return flat;
}

}  // namespace nnsim
