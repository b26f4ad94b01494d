#pragma once
// nnsim-merge: the variable-length record observables of the inputs (root attribute
// record_observables; ensemble/records.hpp), pooled like the gridded samples: the records of
// every (point, sample) of the merged file, in sample order across the inputs, written by
// write_gridded_results in the drivers' own layout (/results/<obs>/values, offsets, lengths).
// And what a driver derives from all runs beyond /results (nnsim-digest's /instances),
// recomputed for the merged runs with the driver's own code.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ensemble/provenance.hpp"
#include "ensemble/records.hpp"
#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

namespace nnsim::merging {

/// The record observables of one input: names, widths, descriptions and every task's rows
/// (task t = point * samples + sample).
struct InputRecords {
  std::vector<RecordObservable> specs;
  std::vector<ObservableInfo> info;
  std::vector<FlatRecords> flat;
};

/// Reads /results/<obs>/{values,offsets} of every record observable of the file (none when the
/// root attribute record_observables is absent). Throws UsageError naming the input and dataset
/// when the layout does not fit `points` x `samples` tasks.
InputRecords read_records(const io::Group& root, const std::string& path, std::uint64_t points,
                          std::uint64_t samples);

/// Same names and widths (the descriptions are the first input's).
bool same_layout(const InputRecords& a, const InputRecords& b);
/// "name:width,..." for messages.
std::string layout_text(const InputRecords& records);

/// Empty columns for `tasks` merged tasks.
std::vector<RecordColumn> merged_columns(const InputRecords& first, std::uint64_t tasks);

/// Copies the rows of task `from` of `in` to task `to` of the merged columns.
void copy_task(std::vector<RecordColumn>& columns, const InputRecords& in, std::uint64_t from, std::uint64_t to);

/// The groups a driver derives from all runs (nnsim-digest: /instances/<name>/...,
/// apps/digest/merge.cpp), to be written after /points and /results of the merged file. `inputs`
/// are the input files in command-line order; `spec` and `result` are the merged runs and must
/// outlive the writer. Does nothing for drivers without such groups. Throws UsageError, before
/// anything is written, when the inputs disagree in what is not per-run.
std::function<void(io::File&)> derived_writer(const std::string& program, const std::vector<std::string>& inputs,
                                              const EnsembleSpec& spec, const EnsembleResult& result);

}  // namespace nnsim::merging
