#pragma once
// What every driver's main() shares: MPI start-up, error handling with the suite's exit codes,
// the pre-flight checks of output and checkpoint (on rank 0, broadcast), resume, running the
// ensemble, and writing the self-describing output file.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "ensemble/mpi_env.hpp"
#include "ensemble/provenance.hpp"
#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

namespace nnsim {

/// A gridded experiment ready to run: its tasks and how to describe its output.
struct GriddedExperiment {
  std::string program;     ///< "nnsim-hopfield"
  std::string experiment;  ///< "one-step"
  EnsembleSpec spec;
  std::vector<PointColumn> points;
  std::vector<ObservableInfo> observables;
  /// Descriptions of spec.records (variable-length observables), in order; empty without them.
  std::vector<ObservableInfo> record_observables;
  /// Inputs of the run that are not options but change its numbers (e.g. the instances read
  /// from a file): added to the fingerprint as "inputs", so a resume or a --resume of a finished
  /// output with other inputs is refused.
  std::string fingerprint_inputs;
  /// Rank 0, when the output is written: groups of the driver's own beyond the gridded layout
  /// (may be empty).
  std::function<void(io::File&, const EnsembleResult&)> write_extra;
  /// Theory columns, computed on rank 0 when the output is written (may be empty).
  std::function<std::vector<TheoryColumn>()> theory;
  /// Theory curves on axes of their own, computed on rank 0 at write time (may be empty).
  std::function<std::vector<TheoryCurve>()> curves;
  /// Extra root attributes (name, value) describing the run, e.g. the update rule.
  std::vector<std::pair<std::string, std::string>> attributes;
  /// The random-stream key of each point (core/rng.hpp), written as /points/key.
  std::vector<std::uint64_t> point_keys;
  /// Driver options that change no number of the output (besides the common run control).
  std::vector<std::string> run_control_options;
  /// The grid options whose values identify a point (/points columns of the same names), in
  /// the order points are sorted; nnsim-merge pools files that differ only in these and in
  /// the sample range.
  std::vector<std::string> merge_axes;
};

// Building blocks of run_gridded_experiment, for drivers whose runs are not one grid (e.g.
// nnsim-capacity's adaptive rounds).

/// The provenance of a run (write_provenance).
RunInfo run_info(const std::string& program, const std::string& experiment, const CommonOptions& common,
                 const ParsedOptions& parsed, const po::options_description& options, const MpiEnvironment& mpi,
                 const std::string& start_time);

/// Rank 0 writes the file through `write` under its temporary name and renames it into place;
/// if that fails, `rescue` (if given) may keep the work and returns text for the message.
/// Collective; returns kExitOk or kExitFailure on every rank.
int publish(io::AtomicOutput& output, const std::string& final_name, const MpiEnvironment& mpi,
            const std::function<void(io::File&)>& write, const std::function<std::string()>& rescue = {});

/// Rank 0, for --resume without a checkpoint: is `path` the finished output of a run with this
/// fingerprint (root attribute fingerprint_json)? Throws UsageError when it is not readable or
/// holds another run.
bool output_is_complete_run(const std::string& path, const std::string& fingerprint);

/// The pre-flight of a run, on rank 0 before any work; collective, throws UsageError on every
/// rank alike. With --resume: no checkpoint but a finished output of this fingerprint means
/// `already_complete` (logged); no checkpoint otherwise is an error; `load_resume` (rank 0, may
/// be empty) loads and checks the checkpoint. Without --resume an existing checkpoint needs
/// --force, which `discard` (rank 0; default: remove `checkpoint_path`) throws away. The output
/// must be creatable (an existing one only with --force).
struct OutputPlan {
  std::unique_ptr<io::AtomicOutput> output;  ///< rank 0
  bool already_complete = false;             ///< every rank
};
OutputPlan prepare_output(const CommonOptions& common, const std::string& checkpoint_path,
                          const std::string& fingerprint, const MpiEnvironment& mpi,
                          const std::function<void()>& load_resume = {}, const std::function<void()>& discard = {});

/// Rank 0 warns when --threads exceeds the CPUs a rank may run on. Collective.
void warn_if_threads_exceed_cpus(const CommonOptions& common, const MpiEnvironment& mpi);

/// Writes a file with provenance and theory curves only (no simulation); rank 0 writes,
/// with the same output rules (temporary name, --force) as a gridded run. Collective.
int write_theory_only(const std::string& program, const std::string& experiment,
                      const std::function<std::vector<TheoryCurve>()>& curves, const CommonOptions& common,
                      const ParsedOptions& parsed, const po::options_description& options,
                      const MpiEnvironment& mpi);

/// Runs `experiment` with the shared options and writes the output file. Collective.
/// Returns kExitOk when the file is complete, kExitInterrupted when a checkpoint was left.
int run_gridded_experiment(const GriddedExperiment& experiment, const CommonOptions& common,
                           const ParsedOptions& parsed, const po::options_description& options,
                           const MpiEnvironment& mpi);

/// --help and --version, the same in every driver: rank 0 prints the help text (usage,
/// `summary`, the options) or the version text; returns true when either was asked for (the
/// driver then exits with kExitOk).
bool print_help_or_version(const ParsedOptions& parsed, const std::string& program, const std::string& summary,
                           const po::options_description& options, const MpiEnvironment& mpi);

/// The body of a driver's main(): initialises MPI, runs `body`, and turns exceptions into the
/// suite's exit codes: UsageError (raised on every rank alike) -> message on rank 0, exit 2 on
/// every rank; anything else -> message from the failing rank, MPI_Abort with exit code 1.
int driver_main(int argc, char** argv, const std::string& program,
                const std::function<int(const MpiEnvironment&, int, char**)>& body);

}  // namespace nnsim
