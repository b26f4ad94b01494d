#pragma once
// nnsim-rl: options of the reinforcement-learning driver and the experiments it builds.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/rng.hpp"
#include "ensemble/driver.hpp"
#include "rl/policy.hpp"

namespace nnsim::rl_app {

inline constexpr const char* kProgram = "nnsim-rl";

enum class Experiment { kAssociativeQ, kRewardPenalty, kTicTacToe, kTdLambda };

/// The driver's own options. Those whose default depends on the experiment are strings filled
/// by apply_experiment_defaults (and recorded in the output as defaults).
struct RlOptions {
  std::string experiment;
  std::string policy;            ///< associative-q: epsilon-greedy | softmax
  std::string beta;              ///< grid of softmax inverse temperatures
  std::string learning_rate;     ///< grid
  std::string epsilon;           ///< grid of initial epsilons
  std::string epsilon_schedule;  ///< policy.hpp: constant, book, step:K,F,M, exponential:TAU[,MIN]
  std::string episodes;
  std::string record_every;
  std::string reward_table;  ///< P1,P2,P3,P4
  std::string initial_q;
  std::string delta;           ///< grid (reward-penalty)
  std::string window;          ///< tic-tac-toe running window
  std::string save_q_learner;  ///< tic-tac-toe: sample number whose final Q-tables are saved
  std::string lambda;          ///< grid (td-lambda)
  std::string chain_length;
  std::string td_features;    ///< one-hot | affine
  std::string td_update;      ///< online | offline
  std::string initial_value;  ///< td-lambda initial weights
};

po::options_description rl_options(RlOptions& options);

/// Parses --experiment (UsageError naming the choices).
Experiment parse_experiment(const std::string& name);

/// Refuses options that do not apply to the experiment (UsageError naming it and where it
/// applies), then fills the defaults of those that do into `options` and `values` (as defaults).
void apply_experiment_defaults(Experiment experiment, RlOptions& options, po::variables_map& values);

/// The random-stream key base: domain "nnsim-rl/<experiment>" and every option that changes a
/// learner's draws, except the grid axes (added per point) and seed / sample numbers.
PointKey key_base(const std::string& experiment, const po::options_description& all, const po::variables_map& values);

/// Builds the experiment (validates its options; UsageError naming the option).
GriddedExperiment associative_q_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base);
GriddedExperiment reward_penalty_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base);
GriddedExperiment tictactoe_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base);
GriddedExperiment td_lambda_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base);

// ---- option parsing helpers (UsageError naming the option) ----
std::vector<double> learning_rates(const std::string& text);
std::uint64_t positive_count(const std::string& text, const std::string& option, std::uint64_t max);
double real_in(const std::string& text, const std::string& option, double lo, double hi, const std::string& allowed);
std::array<double, 4> reward_table(const std::string& text);
/// --initial-q of associative-q: one value for every entry, or four in the order of the reward table.
std::array<double, 4> initial_q_table(const std::string& text);

}  // namespace nnsim::rl_app
