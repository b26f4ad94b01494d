#pragma once
// Variable-length records: per-task arrays whose length differs between tasks (a run's list of
// solutions, an energy trace until it stops). A record observable has a fixed row width; a task
// returns any number of rows (zero included) of it. Rows are float64: integer-valued columns
// (coordinates of a solution) are exact up to 2^53, and one element type keeps the MPI messages,
// the checkpoint and the output as plain as the fixed values.
//
// Concatenated form (checkpoint and output): `values` [rows, width] and `offsets` [entries + 1]
// in rows, so entry i is rows offsets[i] .. offsets[i+1] (h5py: values[o[i]:o[i+1]]).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nnsim {

/// A record observable of an experiment: its name and the values of one row.
struct RecordObservable {
  std::string name;
  std::uint64_t width = 1;
  bool operator==(const RecordObservable&) const = default;
};

/// Records of one observable, concatenated: entry i is rows [offsets[i], offsets[i+1]).
struct FlatRecords {
  std::uint64_t width = 1;
  std::vector<std::uint64_t> offsets{0};  ///< [entries + 1], in rows; offsets[0] == 0
  std::vector<double> values;             ///< [offsets.back() x width], row-major
  std::uint64_t entries() const { return offsets.size() - 1; }
  std::uint64_t rows() const { return offsets.back(); }
  /// The values of entry i (rows x width).
  std::span<const double> entry(std::uint64_t i) const {
    return {values.data() + offsets[i] * width, (offsets[i + 1] - offsets[i]) * width};
  }
  /// Appends one entry; `rows` holds a multiple of width values.
  void append(std::span<const double> rows) {
    values.insert(values.end(), rows.begin(), rows.end());
    offsets.push_back(offsets.back() + rows.size() / width);
  }
  bool operator==(const FlatRecords&) const = default;
};

/// Records of one observable for every task of a run, by task id (tasks finish in any order).
struct RecordColumn {
  std::uint64_t width = 1;
  std::vector<std::vector<double>> by_task;  ///< [task]: rows x width, row-major; empty if not done
  std::uint64_t rows(std::uint64_t task) const { return by_task[task].size() / width; }
};

/// The entries of `column` for the tasks flagged in `done` (all tasks when `done` is empty), in
/// task order, sized once.
FlatRecords flatten(const RecordColumn& column, std::span<const std::uint8_t> done = {});

}  // namespace nnsim
