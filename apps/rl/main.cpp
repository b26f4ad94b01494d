// nnsim-rl: reinforcement-learning experiments of the book's Chapter 11 as ensembles of
// independent learners (--samples) over MPI ranks and threads.
//   --experiment associative-q   Q-learning on the associative task (Fig. 11.5, (11.26)-(11.30))
//   --experiment reward-penalty  the rule (11.10) for a stochastic neuron (Fig. 11.2)
//   --experiment tictactoe       self-play Q-learning (Fig. 11.7), evaluated against minimax
//   --experiment td-lambda       TD(lambda) (11.20) on a chain walk: error against lambda

#include "core/log.hpp"
#include "ensemble/driver.hpp"
#include "rl.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::rl_app;

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  RlOptions rl;
  po::options_description all;
  all.add(rl_options(rl))
      .add(common_options(common, "nnsim-rl.h5", 100, "independent learners (fresh random streams)"));
  auto parsed = parse_options(argc, argv, all, mpi.comm());
  if (print_help_or_version(
          parsed, kProgram,
          "Reinforcement learning (the book's Chapter 11) as ensembles of independent learners:\n"
          "  associative-q   Q-learning on the two-stimulus task: Q-table against episode with the\n"
          "                  limit 2 p_reward - 1 (11.30) and the relaxation rates (11.27)-(11.29)\n"
          "  reward-penalty  the associative reward-penalty rule (11.10) for a stochastic neuron (11.2)\n"
          "  tictactoe       self-play Q-learning (11.24), outcome curves (Fig. 11.7), evaluation of\n"
          "                  the greedy agents against minimax and random players over every line\n"
          "  td-lambda       TD(lambda) (11.20) on a chain walk: value error against lambda and alpha\n"
          "Runs under mpirun; results do not depend on ranks or threads.",
          all, mpi)) {
    return kExitOk;
  }
  const Experiment experiment = parse_experiment(rl.experiment);
  apply_experiment_defaults(experiment, rl, parsed.values);
  validate_common_options(common);
  log::set_quiet(common.quiet);
  const PointKey base = key_base(rl.experiment, all, parsed.values);
  GriddedExperiment e;
  switch (experiment) {
    case Experiment::kAssociativeQ:
      e = associative_q_experiment(rl, common, base);
      break;
    case Experiment::kRewardPenalty:
      e = reward_penalty_experiment(rl, common, base);
      break;
    case Experiment::kTicTacToe:
      e = tictactoe_experiment(rl, common, base);
      break;
    case Experiment::kTdLambda:
      e = td_lambda_experiment(rl, common, base);
      break;
  }
  return run_gridded_experiment(e, common, parsed, all, mpi);
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
