// nnsim-capacity: the finite-size critical load alpha_c(N) of the Hopfield network, located by
// adaptive rounds of zero-noise steady-state samples, extrapolated to N -> infinity and
// compared with the literature (the book's (3.42), (3.48), (3.49)). Criterion and estimators:
// README, "nnsim-capacity"; the planner: src/capacity/study.hpp.

#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>

#include "capacity.hpp"
#include "core/log.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/driver.hpp"
#include "ensemble/mpi_env.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/network.hpp"
#include "hopfield/patterns.hpp"
#include "nnsim/version.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::capacity_app;
namespace hf = nnsim::hopfield;

hf::UpdateRule update_rule(const std::string& name) {
  return name == "sequential" ? hf::UpdateRule::kFixedOrder
         : name == "synchronous" ? hf::UpdateRule::kSynchronous
                                 : hf::UpdateRule::kRandomSequential;
}

/// One sample of load (N, p): Hebb's rule (2.26) with zero diagonal, start at stored pattern 1,
/// zero-noise dynamics to a fixed point. Streams: 0 patterns, 2 update order (as nnsim-hopfield).
RoundTaskFunction sample_task(std::uint64_t seed, hf::UpdateRule rule, std::uint64_t max_sweeps, double m_cut) {
  return [=](const RoundPoint& point, std::uint64_t sample, const CancelFlag& cancel) {
    const auto n = static_cast<std::size_t>(point.integers.at(0));
    const auto p = static_cast<std::size_t>(point.integers.at(1));
    auto pattern_rng = make_stream(seed, point.key, sample, 0);
    const auto patterns = hf::PatternSet::random(p, n, pattern_rng);
    hf::HopfieldNetwork net(patterns, hf::Diagonal::kZero, hf::WeightStorage::kPatterns);
    auto init_rng = make_stream(seed, point.key, sample, 1);  // unused: no bits are flipped
    net.set_state_from_pattern(0, 0.0, init_rng);
    auto dynamics_rng = make_stream(seed, point.key, sample, 2);
    hf::DynamicsOptions options;
    options.rule = rule;
    options.max_sweeps = max_sweeps;
    const auto t = hf::run_dynamics(net, 0, options, dynamics_rng, &cancel);
    std::vector<double> values(capacity::kTaskValues);
    values[capacity::kFinalOverlap] = t.final_overlap;
    values[capacity::kRetrieved] = t.final_overlap > m_cut ? 1.0 : 0.0;
    values[capacity::kSweeps] = static_cast<double>(t.sweeps);
    values[capacity::kConverged] = t.converged ? 1.0 : 0.0;
    return values;
  };
}

void remove_checkpoints(const std::string& path) {
  std::filesystem::remove(path);
  std::filesystem::remove(round_checkpoint_path(path));
}

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  CapacityOptions capacity;
  po::options_description all;
  all.add(capacity_options(capacity))
      .add(common_options(common, "nnsim-capacity.h5", 400,
                          "largest number of disorder samples at one load (N, p); each sample has fresh random "
                          "patterns and update order"));
  auto parsed = parse_options(argc, argv, all, mpi.comm());
  if (print_help_or_version(parsed, kProgram,
                            "The finite-size storage capacity alpha_c(N) of the Hopfield network: the load where the\n"
                            "retrieval probability P_ret(alpha; N) crosses 1/2 (zero-noise dynamics from a stored\n"
                            "pattern to a fixed point; retrieved if the final overlap exceeds --m-cut). Loads are\n"
                            "chosen in adaptive rounds (a bracket, then refinement near each crossing) until\n"
                            "--target-error or --budget; alpha_c(N) is extrapolated to N = infinity and compared\n"
                            "with 0.137906 (RS), 0.138187 (RSB) and 0.143 +- 0.002 (Monte Carlo).\n"
                            "Runs under mpirun; results do not depend on ranks or threads.",
                            all, mpi)) {
    return kExitOk;
  }
  const capacity::StudySettings settings = validate(capacity, common);
  log::set_quiet(common.quiet);

  const MPI_Comm comm = mpi.comm();
  const std::string start_time = utc_timestamp();
  const double start = MPI_Wtime();
  const std::string checkpoint_path = checkpoint_path_for(common.output);
  const std::string fingerprint = options_json(all, parsed.values, /*results_only=*/true);

  // Pre-flight on rank 0: may we write the output, is there a checkpoint to resume? (run_rounds
  // checks the checkpoint itself.)
  OutputPlan plan = prepare_output(common, checkpoint_path, fingerprint, mpi, {},
                                   [&checkpoint_path] { remove_checkpoints(checkpoint_path); });
  if (plan.already_complete) return kExitOk;
  auto& output = plan.output;
  warn_if_threads_exceed_cpus(common, mpi);
  if (mpi.rank() == 0) {
    std::string block;
    for (const auto n : settings.sizes) block += (block.empty() ? "" : ",") + std::to_string(n);
    log::info(std::string(kProgram) + ": N = " + capacity.sizes +
              (capacity.size_block == "all" ? "" : " (--size-block " + capacity.size_block + ": N = " + block + ")") +
              ", up to " + std::to_string(common.samples) +
              " samples per load, target error " + std::to_string(capacity.target_error) + ", budget " +
              std::to_string(settings.budget) + " samples per N; " + std::to_string(mpi.size()) + " rank(s) x " +
              std::to_string(common.threads) + " thread(s)");
    log::info("kernel instruction set: " + isa_summary());
  }

  RoundsSpec spec;
  spec.observables = {"final_overlap", "retrieved", "sweeps", "converged"};
  spec.run = sample_task(common.seed, update_rule(capacity.update), capacity.max_sweeps, capacity.m_cut);
  bool planner_refused = false;  // rank 0: the bracket could not hold a crossing
  spec.plan = [&settings, &planner_refused](const RoundsHistory& history) {
    try {
      return capacity::plan_next_round(settings, history);
    } catch (const UsageError&) {
      planner_refused = true;
      throw;
    }
  };
  RoundsControl control;
  control.run.threads = common.threads;
  control.run.time_limit = common.time_limit;
  control.run.checkpoint_interval = common.checkpoint_interval;
  control.run.progress = !common.quiet;
  control.run.checkpoint_path = checkpoint_path;
  control.run.parameters_json = fingerprint;
  control.run.git_commit = kGitCommit;
  control.resume = common.resume;

  RoundsResult result;
  try {
    result = run_rounds(spec, control, comm);
  } catch (const UsageError&) {
    // A refused bracket: nothing usable was computed for the run as asked; leave no checkpoint
    // that would block the corrected command.
    if (mpi.rank() == 0 && planner_refused) remove_checkpoints(checkpoint_path);
    throw;
  }
  if (!result.complete) {
    if (mpi.rank() == 0) {
      log::warn("stopped early (" + result.stop_reason + "); checkpoint '" + result.checkpoint_written +
                "'; run the same command with --resume to continue");
    }
    return kExitInterrupted;
  }

  StudyResults results;
  if (mpi.rank() == 0) results = analyse(capacity, settings, result.history, common.seed);
  const double elapsed = MPI_Wtime() - start;
  const int code = publish(
      *output, common.output, mpi,
      [&](io::File& file) {
        write_provenance(file.root(), run_info(kProgram, "capacity", common, parsed, all, mpi, start_time), all,
                         parsed.values);
        auto& root = file.root();
        root.set_attribute("elapsed_seconds", elapsed);
        root.set_attribute("tasks_resumed", result.tasks_resumed);
        root.set_attribute("fingerprint_json", fingerprint);
        root.set_attribute("criterion",
                           "Hebb's rule (2.26) with w_ii = 0; start at stored pattern 1; zero-noise updates (" +
                               capacity.update + ") to a fixed point (at most max-sweeps sweeps); retrieved if the "
                               "final overlap m_1 > m-cut; alpha_c(N) = the load alpha = p/N where P_ret crosses "
                               "crossing-level (probit maximum-likelihood fit)");
        root.set_attribute("alpha_c_rs", kAlphaRs);
        root.set_attribute("alpha_c_rsb", kAlphaRsb);
        root.set_attribute("alpha_c_monte_carlo", kAlphaMonteCarlo);
        root.set_attribute("alpha_c_monte_carlo_stderr", kAlphaMonteCarloStderr);
        root.set_attribute("literature",
                           "alpha_c_rs: replica-symmetric mean-field theory, the book's (3.42) (0.1379; 0.137906 to "
                           "six digits); alpha_c_rsb: with replica-symmetry breaking, (3.48); alpha_c_monte_carlo "
                           "+- alpha_c_monte_carlo_stderr: Monte Carlo simulations extrapolated to N = infinity, (3.49)");
        write_results(file, results, capacity);
      },
      [&]() -> std::string {
        return "; the rounds are kept in '" + checkpoint_path + "': fix the problem and rerun with --resume";
      });
  if (code == kExitOk && mpi.rank() == 0) {
    remove_checkpoints(checkpoint_path);
    if (!common.quiet) std::cout << summary_text(results, capacity) << std::flush;
    log::info("wrote " + common.output + " (" + log::format_duration(elapsed) + ")");
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
