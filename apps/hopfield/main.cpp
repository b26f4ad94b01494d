// nnsim-hopfield: Hopfield-network ensembles (the book's Chapters 2-3).
//   --experiment one-step         one-step error probability against (N, alpha), Section 2.4
//   --experiment steady-state     zero-noise dynamics to a fixed point, Sections 3.4-3.5
//   --experiment order-parameter  stochastic dynamics, time-averaged m_1, Sections 3.2-3.5
//   --experiment phase-diagram    m_1 on an (alpha, 1/beta) grid with the retrieval boundary, Fig. 3.5
//   --experiment theory           the mean-field curves only

#include <cmath>
#include <iostream>
#include <sstream>

#include "core/grid.hpp"
#include "core/log.hpp"
#include "core/options.hpp"
#include "ensemble/driver.hpp"
#include "experiments.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::hopfield_app;

constexpr const char* kProgram = "nnsim-hopfield";

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  HopfieldOptions hopfield;
  po::options_description all;
  all.add(hopfield_options(hopfield)).add(common_options(common, "nnsim-hopfield.h5"));
  const auto parsed = parse_options(argc, argv, all);
  if (parsed.help) {
    if (mpi.rank() == 0) {
      std::cout << help_text(kProgram,
                             "Hopfield-network ensembles: random patterns stored with Hebb's rule. Experiments:\n"
                             "  one-step         one-step error probability vs (N, alpha), with (2.39) and the exact value\n"
                             "  steady-state     zero-noise dynamics from a stored pattern to a fixed point, (3.39)-(3.41)\n"
                             "  order-parameter  stochastic neurons (3.1): time-averaged m_1 vs (N, alpha, 1/beta)\n"
                             "  phase-diagram    m_1 on an (alpha, 1/beta) grid with the mean-field boundary (Fig. 3.5)\n"
                             "  theory           mean-field curves only, no simulation\n"
                             "Runs under mpirun; results do not depend on ranks or threads.",
                             all);
    }
    return kExitOk;
  }
  if (parsed.version) {
    if (mpi.rank() == 0) std::cout << version_text(kProgram);
    return kExitOk;
  }
  const std::string& kind = hopfield.experiment;
  require(kind == "one-step" || kind == "steady-state" || kind == "order-parameter" || kind == "phase-diagram" ||
              kind == "theory",
          "experiment", "one of: one-step, steady-state, order-parameter, phase-diagram, theory", kind);
  require(hopfield.diagonal == "zero" || hopfield.diagonal == "keep", "diagonal", "zero or keep", hopfield.diagonal);
  require(hopfield.samples >= 1 && hopfield.samples <= 1'000'000'000, "samples", "an integer in [1, 1e9]",
          hopfield.samples);
  require(hopfield.update == "random" || hopfield.update == "sequential" || hopfield.update == "synchronous",
          "update", "random, sequential or synchronous", hopfield.update);
  require(hopfield.flip_fraction >= 0 && hopfield.flip_fraction <= 0.5, "flip-fraction", "in [0, 0.5]",
          hopfield.flip_fraction);
  require(hopfield.max_sweeps >= 1, "max-sweeps", ">= 1", hopfield.max_sweeps);
  {
    const std::uint64_t run_sweeps = kind == "steady-state" ? hopfield.max_sweeps : hopfield.sweeps;
    require(hopfield.trace_every == 0 || hopfield.trace_every <= run_sweeps, "trace-every",
            "0 (off) or at most the sweeps of a run (" + std::to_string(run_sweeps) + ")", hopfield.trace_every);
  }
  require(hopfield.retrieved_threshold > -1 && hopfield.retrieved_threshold < 1, "retrieved-threshold",
          "in (-1, 1)", hopfield.retrieved_threshold);
  require(hopfield.weights == "auto" || hopfield.weights == "patterns" || hopfield.weights == "matrix", "weights",
          "auto, patterns or matrix", hopfield.weights);
  require(hopfield.memory_budget_mb > 0, "memory-budget", "> 0 MB", hopfield.memory_budget_mb);
  require(common.threads >= 1 && common.threads <= 1024, "threads", "an integer in [1, 1024]", common.threads);
  require(common.time_limit >= 0, "time-limit", ">= 0 seconds", common.time_limit);
  require(common.checkpoint_interval > 0, "checkpoint-interval", "> 0 seconds", common.checkpoint_interval);
  require(!common.output.empty(), "output", "a file name", "''");
  log::set_quiet(common.quiet);
  if (kind == "theory") return run_theory(hopfield, common, parsed, all, mpi);
  const auto experiment =
      kind == "one-step" ? one_step_experiment(hopfield, common) : dynamics_experiment(hopfield, common);
  return run_gridded_experiment(experiment, common, parsed, all, mpi);
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
