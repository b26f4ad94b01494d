#pragma once
// Output of a gridded experiment, one layout for every driver:
//   root attributes  program, experiment, version, git_commit, command_line, parameters_json,
//                    every parameter by its option name, seed, mpi_ranks, omp_threads,
//                    start_time, end_time, host, isa, elapsed_seconds, tasks_resumed
//   /points/<param>              one entry per point (dimension scales of the results)
//   /results/<obs>/mean|stderr|count   per point
//   /results/<obs>/samples       [point, sample]
//   /results/<rec>/values        float64 [rows, width]   a record observable (records.hpp): the
//   /results/<rec>/offsets       uint64 [points * samples + 1]   rows of (point p, sample s) are
//                                values[offsets[t]:offsets[t+1]], t = p * samples + s
//   /results/<rec>/lengths       uint64 [point, sample]  rows of each (offsets[t+1] - offsets[t])
//   /theory/<name>               per point, where theory exists
// Every dataset carries `description` and `units`, and `equation` where it implements one.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/options.hpp"
#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

namespace nnsim {

/// A coordinate of the points (one value per point).
struct PointColumn {
  std::string name;
  std::variant<std::vector<std::int64_t>, std::vector<double>, std::vector<std::uint64_t>> values;
  std::string description;
  std::string units = "1";
};

struct ObservableInfo {
  std::string name;
  std::string description;
  std::string equation;  ///< empty if none
  std::string units = "1";
};

/// A per-point theory curve written to /theory/<name>.
struct TheoryColumn {
  std::string name;
  std::vector<double> values;
  std::string description;
  std::string equation;
  std::string units = "1";
};

/// A theory curve on its own axis, written to /theory/<name> with the axis /theory/<name>_<x_name>
/// attached as its dimension scale (for example the retrieval boundary T_c(alpha)).
struct TheoryCurve {
  std::string name;
  std::string x_name;
  std::vector<double> x;
  std::vector<double> y;
  std::string description;
  std::string equation;
  std::string x_description;
  std::string units = "1";
  std::string x_units = "1";
};

/// The attributes every dataset carries: description, units, and equation when not empty.
void describe(io::Object& object, const std::string& description, const std::string& units,
              const std::string& equation = "");

/// Writes TheoryCurves under /theory.
void write_theory_curves(io::File& file, const std::vector<TheoryCurve>& curves);

/// Facts about a run recorded in every output file.
struct RunInfo {
  std::string program;
  std::string experiment;
  std::string command_line;
  std::string parameters_json;
  std::uint64_t seed = 0;
  int mpi_ranks = 1;
  int omp_threads = 1;
  std::string start_time;  ///< ISO 8601, UTC
  std::string isa;         ///< kernel instruction set(s) of the ranks (isa_summary in mpi_env.hpp)
};

/// Current time as ISO 8601 UTC ("2026-11-25T15:32:37Z").
std::string utc_timestamp();
std::string host_name();

/// What --version prints: program, version, git commit, the kernel instruction set chosen and
/// the ones this CPU supports.
std::string version_text(const std::string& program);

/// Writes provenance attributes (RunInfo, version, commit, host, end time) and every option
/// of `options` that has a value as a root attribute of its own name.
void write_provenance(io::Group& root, const RunInfo& info, const po::options_description& options,
                      const po::variables_map& values);

/// Writes the gridded layout above into an open file. `records` describes spec.records, in
/// order (its names must match); an experiment without record observables passes none.
void write_gridded_results(io::File& file, const EnsembleSpec& spec, const EnsembleResult& result,
                           const std::vector<PointColumn>& points,
                           const std::vector<ObservableInfo>& observables,
                           const std::vector<TheoryColumn>& theory,
                           const std::vector<ObservableInfo>& records = {});

}  // namespace nnsim
