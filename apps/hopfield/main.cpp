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
  all.add(hopfield_options(hopfield))
      .add(common_options(common, "nnsim-hopfield.h5", 100,
                          "independent samples (fresh random patterns and dynamics)"));
  auto parsed = parse_options(argc, argv, all, mpi.comm());
  if (print_help_or_version(parsed, kProgram,
                            "Hopfield-network ensembles: random patterns stored with Hebb's rule. Experiments:\n"
                            "  one-step         one-step error probability vs (N, alpha), with (2.39) and the exact value\n"
                            "  steady-state     zero-noise dynamics from a stored pattern to a fixed point, (3.39)-(3.41)\n"
                            "  order-parameter  stochastic neurons (3.1): time-averaged m_1 vs (N, alpha, 1/beta)\n"
                            "  phase-diagram    m_1 on an (alpha, 1/beta) grid with the mean-field boundary (Fig. 3.5)\n"
                            "  theory           mean-field curves only, no simulation\n"
                            "Runs under mpirun; results do not depend on ranks or threads.",
                            all, mpi)) {
    return kExitOk;
  }
  const Choices choices = parse_choices(hopfield);
  drop_inapplicable_options(choices.experiment, parsed.values);
  validate(hopfield, choices, common);
  log::set_quiet(common.quiet);
  if (choices.experiment == Experiment::kTheory) return run_theory(hopfield, common, parsed, all, mpi);
  const PointKey keys = key_base(hopfield.experiment, all, parsed.values);
  auto experiment = choices.experiment == Experiment::kOneStep
                        ? one_step_experiment(hopfield, choices, common, keys)
                        : dynamics_experiment(hopfield, choices, common, keys);
  experiment.run_control_options = run_control_options();
  experiment.merge_axes = {"N", "alpha"};
  if (choices.stochastic()) experiment.merge_axes.push_back("noise");
  return run_gridded_experiment(experiment, common, parsed, all, mpi);
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
