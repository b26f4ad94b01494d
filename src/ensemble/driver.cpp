#include "ensemble/driver.hpp"

#include <omp.h>
#include <sched.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "io/hdf5.hpp"
#include "nnsim/version.hpp"

namespace nnsim {

RunInfo run_info(const std::string& program, const std::string& experiment, const CommonOptions& common,
                 const ParsedOptions& parsed, const po::options_description& options, const MpiEnvironment& mpi,
                 const std::string& start_time) {
  RunInfo info;
  info.program = program;
  info.experiment = experiment;
  info.command_line = parsed.command_line;
  info.parameters_json = options_json(options, parsed.values, /*results_only=*/false);
  info.seed = common.seed;
  info.mpi_ranks = mpi.size();
  info.omp_threads = common.threads;
  info.start_time = start_time;
  info.isa = isa_summary();
  return info;
}

int publish(io::AtomicOutput& output, const std::string& final_name, const MpiEnvironment& mpi,
            const std::function<void(io::File&)>& write, const std::function<std::string()>& rescue) {
  std::string error;
  if (mpi.rank() == 0) {
    try {
      {
        auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
        write(file);
        file.close();
      }
      output.commit();
    } catch (const std::exception& e) {
      error = e.what();
      if (rescue) error += rescue();
    }
  }
  error = broadcast_string(mpi.comm(), error);
  if (!error.empty()) {
    if (mpi.rank() == 0) log::error("writing '" + final_name + "' failed: " + error);
    return kExitFailure;
  }
  return kExitOk;
}

namespace {

/// Options left out of the merge fingerprint: the grid axes, the sample range, run control.
std::vector<std::string> merge_exclusions(const GriddedExperiment& e) {
  std::vector<std::string> names = e.run_control_options;
  names.insert(names.end(), e.merge_axes.begin(), e.merge_axes.end());
  names.push_back("samples");
  names.push_back("first-sample");
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

/// Root attributes that let nnsim-merge check and pool files without knowing the driver.
void write_merge_description(io::Group& root, const std::string& fingerprint, const std::string& merge_fingerprint,
                             const GriddedExperiment& e, const std::vector<PointColumn>& points,
                             const std::vector<TheoryColumn>& theory, const std::vector<TheoryCurve>& curves) {
  root.set_attribute("fingerprint_json", fingerprint);
  root.set_attribute("merge_fingerprint_json", merge_fingerprint);
  root.set_attribute("merge_axes", joined(e.merge_axes));
  std::vector<std::string> names;
  for (const auto& c : points) names.push_back(c.name);
  root.set_attribute("point_columns", joined(names));
  names.clear();
  for (const auto& o : e.observables) names.push_back(o.name);
  root.set_attribute("observables", joined(names));
  if (!e.record_observables.empty()) {  // absent otherwise: outputs without records are unchanged
    names.clear();
    for (const auto& o : e.record_observables) names.push_back(o.name);
    root.set_attribute("record_observables", joined(names));
  }
  names.clear();
  for (const auto& t : theory) names.push_back(t.name);
  root.set_attribute("theory_columns", joined(names));
  names.clear();
  for (const auto& c : curves) names.push_back(c.name + ":" + c.x_name);
  root.set_attribute("theory_curves", joined(names));
}

}  // namespace

bool output_is_complete_run(const std::string& path, const std::string& fingerprint) {
  std::string theirs;
  try {
    auto file = io::File::open_read_only(path);
    theirs = file.root().has_attribute("fingerprint_json") ? file.root().string_attribute("fingerprint_json") : "";
  } catch (const std::exception& e) {
    throw UsageError("--resume: no checkpoint to resume from, and '" + path + "' is not a readable output: " + e.what());
  }
  if (theirs != fingerprint) {
    throw UsageError("--resume: no checkpoint to resume from, and '" + path +
                     "' holds a run with other parameters; pass --force to overwrite it");
  }
  return true;
}

OutputPlan prepare_output(const CommonOptions& common, const std::string& checkpoint_path,
                          const std::string& fingerprint, const MpiEnvironment& mpi,
                          const std::function<void()>& load_resume, const std::function<void()>& discard) {
  OutputPlan plan;
  check_on_root(mpi.comm(), [&] {
    namespace fs = std::filesystem;
    const bool have_checkpoint = fs::exists(checkpoint_path);
    if (common.resume) {
      if (!have_checkpoint && fs::exists(common.output)) {
        plan.already_complete = output_is_complete_run(common.output, fingerprint);
        return;
      }
      if (!have_checkpoint) throw UsageError("--resume: no checkpoint '" + checkpoint_path + "' to resume from");
      if (load_resume) load_resume();
    } else if (have_checkpoint && !common.force) {
      throw UsageError("a checkpoint of an interrupted run exists ('" + checkpoint_path +
                       "'): pass --resume to continue it, or --force to start afresh");
    }
    try {
      plan.output = std::make_unique<io::AtomicOutput>(common.output, common.force);
    } catch (const io::IoError& e) {
      throw UsageError(std::string("--output: ") + e.what());
    }
    if (!common.resume) {  // --force (or nothing to discard): start afresh
      if (discard) {
        discard();
      } else if (have_checkpoint) {
        fs::remove(checkpoint_path);
      }
    }
  });
  int complete = plan.already_complete ? 1 : 0;
  MPI_Bcast(&complete, 1, MPI_INT, 0, mpi.comm());
  plan.already_complete = complete != 0;
  if (plan.already_complete) {
    log::info("--resume: '" + common.output + "' is already complete (no checkpoint left); nothing to do");
  }
  return plan;
}

void warn_if_threads_exceed_cpus(const CommonOptions& common, const MpiEnvironment& mpi) {
  // mpirun binds each rank to one core by default when ranks <= cores; threads then share it.
  cpu_set_t affinity;
  CPU_ZERO(&affinity);
  int cpus = sched_getaffinity(0, sizeof affinity, &affinity) == 0 ? CPU_COUNT(&affinity) : common.threads;
  int fewest_cpus = cpus;
  MPI_Allreduce(&cpus, &fewest_cpus, 1, MPI_INT, MPI_MIN, mpi.comm());
  if (mpi.rank() == 0 && common.threads > fewest_cpus) {
    log::warn("--threads " + std::to_string(common.threads) + " but a rank may only run on " +
              std::to_string(fewest_cpus) + " CPU(s) (process binding); with Open MPI use --bind-to none or "
              "--map-by slot:PE=" + std::to_string(common.threads) + ", with Slurm --cpus-per-task");
  }
}

int run_gridded_experiment(const GriddedExperiment& experiment, const CommonOptions& common,
                           const ParsedOptions& parsed, const po::options_description& options,
                           const MpiEnvironment& mpi) {
  const MPI_Comm comm = mpi.comm();
  const std::string start_time = utc_timestamp();
  const std::string checkpoint_path = checkpoint_path_for(common.output);
  std::string fingerprint =
      options_json(options, parsed.values, /*results_only=*/true, experiment.run_control_options);
  if (!experiment.fingerprint_inputs.empty()) {  // {"...": ..., "inputs": "<text>"}
    fingerprint.insert(fingerprint.size() - 1,
                       (fingerprint.size() > 2 ? "," : "") + json_quote("inputs") + ":" +
                           json_quote(experiment.fingerprint_inputs));
  }
  EnsembleSpec spec = experiment.spec;
  spec.samples_per_point = common.samples;
  spec.first_sample = common.first_sample;

  // Pre-flight on rank 0, before any work: may we write the output, is there a checkpoint?
  std::unique_ptr<Checkpoint> resume;
  OutputPlan plan = prepare_output(common, checkpoint_path, fingerprint, mpi, [&] {
    resume = std::make_unique<Checkpoint>(load_checkpoint(checkpoint_path));
    std::vector<std::uint64_t> widths;
    for (std::size_t k = 0; k < spec.observables.size(); ++k) widths.push_back(spec.width(k));
    check_checkpoint_matches(*resume, checkpoint_path, fingerprint, spec.num_points, spec.samples_per_point,
                             spec.observables, widths, kGitCommit, spec.records);
  });
  if (plan.already_complete) return kExitOk;
  auto& output = plan.output;

  warn_if_threads_exceed_cpus(common, mpi);

  if (mpi.rank() == 0) {
    log::info(experiment.program + " " + experiment.experiment + ": " + std::to_string(spec.num_points) +
              " points x " + std::to_string(spec.samples_per_point) + " samples on " + std::to_string(mpi.size()) +
              " rank(s) x " + std::to_string(common.threads) + " thread(s)" +
              (resume ? ", resuming " + std::to_string(resume->task_ids.size()) + " done tasks" : ""));
    log::info("kernel instruction set: " + isa_summary());
  }

  RunControl control;
  control.threads = common.threads;
  control.time_limit = common.time_limit;
  control.checkpoint_interval = common.checkpoint_interval;
  control.progress = !common.quiet;
  control.checkpoint_path = checkpoint_path;
  control.parameters_json = fingerprint;
  control.git_commit = kGitCommit;
  control.resume_from = resume.get();
  const EnsembleResult result = run_ensemble(spec, control, comm);
  if (mpi.rank() == 0 && result.tasks_continued > 0) {
    log::info(std::to_string(result.tasks_continued) +
              " task(s) continued from the mid-run state they were suspended in (not started again)");
  }

  if (!result.complete) {
    if (mpi.rank() == 0) {
      log::warn("stopped early (" + result.stop_reason + ") after " + std::to_string(result.tasks_done) + "/" +
                std::to_string(result.done.size()) + " tasks; checkpoint '" + result.checkpoint_written +
                "'; run the same command with --resume to continue");
    }
    return kExitInterrupted;
  }

  // Rank 0 writes the file under a temporary name; the rename publishes it complete.
  const int code = publish(
      *output, common.output, mpi,
      [&](io::File& file) {
        write_provenance(file.root(),
                         run_info(experiment.program, experiment.experiment, common, parsed, options, mpi, start_time),
                         options, parsed.values);
        file.root().set_attribute("elapsed_seconds", result.elapsed_seconds);
        file.root().set_attribute("tasks_resumed", result.tasks_resumed);
        for (const auto& [name, value] : experiment.attributes) file.root().set_attribute(name, value);
        auto points = experiment.points;
        if (!experiment.point_keys.empty()) {
          points.push_back({"key", experiment.point_keys,
                            "random-stream key of the point: a hash of its parameter values (README, Random streams)",
                            "1"});
        }
        const auto theory = experiment.theory ? experiment.theory() : std::vector<TheoryColumn>{};
        const auto curves = experiment.curves ? experiment.curves() : std::vector<TheoryCurve>{};
        write_merge_description(file.root(), fingerprint,
                                options_json(options, parsed.values, /*results_only=*/true,
                                             merge_exclusions(experiment)),
                                experiment, points, theory, curves);
        write_gridded_results(file, spec, result, points, experiment.observables, theory,
                              experiment.record_observables);
        write_theory_curves(file, curves);
        if (experiment.write_extra) experiment.write_extra(file, result);
      },
      [&]() -> std::string {
        // Keep the finished work: a rerun with --resume only has to write the file.
        try {
          save_result_checkpoint(checkpoint_path, spec, control, result);
          return "; all results are kept in '" + checkpoint_path + "': fix the problem and rerun with --resume";
        } catch (const std::exception& e) {
          return std::string("; saving the results to a checkpoint failed too: ") + e.what();
        }
      });
  if (code == kExitOk && mpi.rank() == 0) {
    std::filesystem::remove(checkpoint_path);
    log::info("wrote " + common.output + " (" + log::format_duration(result.elapsed_seconds) + ")");
  }
  return code;
}

int write_theory_only(const std::string& program, const std::string& experiment,
                      const std::function<std::vector<TheoryCurve>()>& curves, const CommonOptions& common,
                      const ParsedOptions& parsed, const po::options_description& options,
                      const MpiEnvironment& mpi) {
  const std::string start_time = utc_timestamp();
  std::unique_ptr<io::AtomicOutput> output;
  check_on_root(mpi.comm(), [&] {
    try {
      output = std::make_unique<io::AtomicOutput>(common.output, common.force);
    } catch (const io::IoError& e) {
      throw UsageError(std::string("--output: ") + e.what());
    }
  });
  const int code = publish(*output, common.output, mpi, [&](io::File& file) {
    write_provenance(file.root(), run_info(program, experiment, common, parsed, options, mpi, start_time), options,
                     parsed.values);
    write_theory_curves(file, curves());
  });
  if (code == kExitOk) log::info("wrote " + common.output);
  return code;
}

bool print_help_or_version(const ParsedOptions& parsed, const std::string& program, const std::string& summary,
                           const po::options_description& options, const MpiEnvironment& mpi) {
  if (mpi.rank() == 0 && parsed.help) std::cout << help_text(program, summary, options);
  if (mpi.rank() == 0 && parsed.version && !parsed.help) std::cout << version_text(program);
  return parsed.help || parsed.version;
}

int driver_main(int argc, char** argv, const std::string& program,
                const std::function<int(const MpiEnvironment&, int, char**)>& body) {
  std::unique_ptr<MpiEnvironment> mpi;
  try {
    mpi = std::make_unique<MpiEnvironment>(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return kExitFailure;
  }
  int code = kExitOk;
  try {
    select_isa_on_all_ranks(mpi->comm());  // a CPU without the requested kernels: exit 2 on every rank
    code = body(*mpi, argc, argv);
  } catch (const UsageError& e) {
    if (mpi->rank() == 0) {
      std::cerr << program << ": error: " << e.what() << "\n"
                << "Try '" << program << " --help' for the options and their allowed values.\n";
    }
    code = kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << program << ": error on rank " << mpi->rank() << ": " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, kExitFailure);
  }
  return code;
}

}  // namespace nnsim
