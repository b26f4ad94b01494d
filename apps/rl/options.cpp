// nnsim-rl: options, per-experiment defaults and checks.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/grid.hpp"
#include "rl.hpp"

namespace nnsim::rl_app {

namespace {

/// Every option of the driver but --experiment: its name, field, value name, help text and default
/// per experiment (in the order of Experiment; nullptr = the option does not apply there).
struct OptionSpec {
  const char* name;
  std::string RlOptions::*field;
  const char* value_name;
  const char* help;
  std::array<const char*, 4> value;
};

// clang-format off
const OptionSpec kOptions[] = {
    {"policy", &RlOptions::policy, "P",
     "associative-q: epsilon-greedy (with --epsilon, --epsilon-schedule) or softmax (with --beta) (epsilon-greedy)",
     {"epsilon-greedy", nullptr, nullptr, nullptr}},
    {"beta", &RlOptions::beta, "GRID",
     "associative-q with --policy softmax: inverse temperature beta > 0, P(y | x) ~ exp(beta Q(x, y)), a grid (1)",
     {"1", nullptr, nullptr, nullptr}},
    {"learning-rate", &RlOptions::learning_rate, "GRID",
     "learning rate alpha in (0, 1], a grid (0.01 for associative-q, 0.05 reward-penalty, 0.1 tictactoe, "
     "0.02,0.05,0.1,0.2 td-lambda)",
     {"0.01", "0.05", "0.1", "0.02,0.05,0.1,0.2"}},
    {"epsilon", &RlOptions::epsilon, "GRID",
     "epsilon in [0, 1] of epsilon-greedy in round 0, a grid (associative-q: 1,0.05; tictactoe: 1)",
     {"1,0.05", nullptr, "1", nullptr}},
    {"epsilon-schedule", &RlOptions::epsilon_schedule, "S",
     "constant, book (epsilon for 10^4 rounds, then x0.9 every 100), step:K,F,M, exponential:TAU[,MIN] "
     "(associative-q: constant; tictactoe: book)",
     {"constant", nullptr, "book", nullptr}},
    {"episodes", &RlOptions::episodes, "E",
     "episodes (rounds, iterations) per learner (associative-q 5000, reward-penalty 5000, tictactoe 30000, "
     "td-lambda 100)",
     {"5000", "5000", "30000", "100"}},
    {"record-every", &RlOptions::record_every, "R",
     "a row of the learning curve every R episodes; must divide --episodes (10, 50, 100, 1)",
     {"10", "50", "100", "1"}},
    {"reward-table", &RlOptions::reward_table, "P1,P2,P3,P4",
     "p_reward for (x1, y=-1), (x1, y=+1), (x2, y=-1), (x2, y=+1) (default the book's 0.6,0.8,0.3,0.1)",
     {"0.6,0.8,0.3,0.1", "0.6,0.8,0.3,0.1", nullptr, nullptr}},
    {"initial-q", &RlOptions::initial_q, "Q0",
     "initial Q entries (associative-q 1, tictactoe 0); associative-q also takes four values Q1,Q2,Q3,Q4 in the "
     "order of the reward table",
     {"1", nullptr, "0", nullptr}},
    {"delta", &RlOptions::delta, "GRID",
     "reward-penalty: weight delta in (0, 1] of penalties in (11.10), a grid (default 0.05,0.2,1)",
     {nullptr, "0.05,0.2,1", nullptr, nullptr}},
    {"window", &RlOptions::window, "W",
     "tictactoe: running window of the learning curve (30)",
     {nullptr, nullptr, "30", nullptr}},
    {"save-q-learner", &RlOptions::save_q_learner, "S",
     "tictactoe: sample number whose final Q-tables are saved (default 0; -1 = none)",
     {nullptr, nullptr, "0", nullptr}},
    {"lambda", &RlOptions::lambda, "GRID",
     "td-lambda: lambda in [0, 1], a grid (0:1:0.1)",
     {nullptr, nullptr, nullptr, "0:1:0.1"}},
    {"chain-length", &RlOptions::chain_length, "N",
     "td-lambda: states of the chain (5)",
     {nullptr, nullptr, nullptr, "5"}},
    {"td-features", &RlOptions::td_features, "F",
     "td-lambda: one-hot (tabular) or affine (1, s/(N-1)) features of the linear value function (one-hot)",
     {nullptr, nullptr, nullptr, "one-hot"}},
    {"td-update", &RlOptions::td_update, "U",
     "td-lambda: online (after every step, (11.20)) or offline (summed over an episode) (online)",
     {nullptr, nullptr, nullptr, "online"}},
    {"initial-value", &RlOptions::initial_value, "V0",
     "td-lambda: initial weights (0.5)",
     {nullptr, nullptr, nullptr, "0.5"}},
};
// clang-format on

}  // namespace

po::options_description rl_options(RlOptions& o) {
  po::options_description d("Reinforcement learning (defaults depend on --experiment; see README)");
  d.add_options()("experiment", po::value(&o.experiment)->value_name("NAME"),
                  "associative-q (Q-learning on the task of Fig. 11.2, Fig. 11.5), reward-penalty (rule (11.10), "
                  "Fig. 11.2), tictactoe (self-play, Fig. 11.7), td-lambda (TD(lambda) (11.20) on a chain walk)");
  for (const auto& spec : kOptions) {
    d.add_options()(spec.name, po::value(&(o.*spec.field))->value_name(spec.value_name), spec.help);
  }
  return d;
}

Experiment parse_experiment(const std::string& name) {
  if (name == "associative-q") return Experiment::kAssociativeQ;
  if (name == "reward-penalty") return Experiment::kRewardPenalty;
  if (name == "tictactoe") return Experiment::kTicTacToe;
  if (name == "td-lambda") return Experiment::kTdLambda;
  if (name.empty())
    throw UsageError("--experiment is required: one of associative-q, reward-penalty, tictactoe, td-lambda");
  throw UsageError("--experiment must be one of associative-q, reward-penalty, tictactoe, td-lambda, got " + name);
}

namespace {

const char* kNames[] = {"associative-q", "reward-penalty", "tictactoe", "td-lambda"};

}  // namespace

/// The options of the policy not chosen by --policy (associative-q): --beta belongs to softmax,
/// --epsilon and --epsilon-schedule to epsilon-greedy. Refused when given, no default otherwise.
std::vector<std::string> options_of_other_policy(Experiment experiment, const RlOptions& o,
                                                 const po::variables_map& values) {
  if (experiment != Experiment::kAssociativeQ) return {};
  const std::string policy = values.count("policy") ? o.policy : "epsilon-greedy";
  require(policy == "epsilon-greedy" || policy == "softmax", "policy", "epsilon-greedy or softmax", policy);
  const bool softmax = policy == "softmax";
  std::vector<std::string> other = softmax ? std::vector<std::string>{"epsilon", "epsilon-schedule"}
                                           : std::vector<std::string>{"beta"};
  for (const auto& name : other) {
    if (values.count(name) != 0) {
      throw UsageError("--" + name + " does not apply to --policy " + policy + " (it is used by --policy " +
                       (softmax ? "epsilon-greedy" : "softmax") + "); leave it out");
    }
  }
  return other;
}

void apply_experiment_defaults(Experiment experiment, RlOptions& o, po::variables_map& values) {
  const auto e = static_cast<std::size_t>(experiment);
  const auto other_policy = options_of_other_policy(experiment, o, values);
  for (const auto& d : kOptions) {
    if (std::find(other_policy.begin(), other_policy.end(), d.name) != other_policy.end()) continue;
    const bool given = values.count(d.name) != 0;
    if (d.value[e] == nullptr) {
      if (given) {
        std::string where;
        for (std::size_t k = 0; k < 4; ++k) {
          if (d.value[k] != nullptr) where += (where.empty() ? "" : ", ") + std::string(kNames[k]);
        }
        throw UsageError("--" + std::string(d.name) + " does not apply to --experiment " + kNames[e] +
                         " (it is used by: " + where + "); leave it out");
      }
      continue;
    }
    if (!given) {
      o.*d.field = d.value[e];
      values.insert({d.name, po::variable_value(boost::any(std::string(d.value[e])), true)});
    }
  }
}

PointKey key_base(const std::string& experiment, const po::options_description& all, const po::variables_map& values) {
  // Grid axes go in per point; the seed and the sample number index the stream themselves;
  // recording and evaluation options change no draw.
  // --policy is left out too (the draws of epsilon-greedy runs stay those of the runs before the
  // option existed); a softmax point adds it to its key itself.
  static const std::vector<std::string> left_out{
      "experiment", "learning-rate", "epsilon",      "delta",  "lambda",         "beta",  "policy",
      "seed",       "samples",       "first-sample", "record-every", "window", "save-q-learner"};
  PointKey key("nnsim-rl/" + experiment);
  for (const auto& [name, value] : option_values(all, values)) {
    if (is_run_control_option(name) || std::find(left_out.begin(), left_out.end(), name) != left_out.end()) continue;
    std::visit([&key, &n = name](const auto& v) { key.add(n, v); }, value);
  }
  return key;
}

std::vector<double> learning_rates(const std::string& text) {
  const auto rates = parse_real_grid(text, "learning-rate");
  for (const double a : rates) require(a > 0 && a <= 1, "learning-rate", "in (0, 1]", a);
  return rates;
}

std::uint64_t positive_count(const std::string& text, const std::string& option, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, value);
  require(r.ec == std::errc() && r.ptr == end && value >= 1 && value <= max, option,
          "an integer from 1 to " + std::to_string(max), text);
  return value;
}

double real_in(const std::string& text, const std::string& option, double lo, double hi, const std::string& allowed) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, value);
  require(r.ec == std::errc() && r.ptr == end && value >= lo && value <= hi, option, allowed, text);
  return value;
}

std::array<double, 4> reward_table(const std::string& text) {
  const std::string allowed =
      "four probabilities P1,P2,P3,P4 in [0, 1] (p_reward of (x1, y=-1), (x1, y=+1), "
      "(x2, y=-1), (x2, y=+1))";
  std::vector<double> p;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    double value = 0;
    const auto* end = item.data() + item.size();
    const auto r = std::from_chars(item.data(), end, value);
    require(r.ec == std::errc() && r.ptr == end, "reward-table", allowed, text);
    p.push_back(value);
  }
  require(p.size() == 4 && (text.empty() || text.back() != ','), "reward-table", allowed, text);
  for (const double x : p) require(x >= 0 && x <= 1, "reward-table", allowed, text);
  return {p[0], p[1], p[2], p[3]};
}

std::array<double, 4> initial_q_table(const std::string& text) {
  const std::string allowed = "one number, or four Q1,Q2,Q3,Q4 in the order of the reward table, each in [-1e6, 1e6]";
  std::vector<double> q;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    double value = 0;
    const auto* end = item.data() + item.size();
    const auto r = std::from_chars(item.data(), end, value);
    require(r.ec == std::errc() && r.ptr == end && std::abs(value) <= 1e6, "initial-q", allowed, text);
    q.push_back(value);
  }
  require((q.size() == 1 || q.size() == 4) && !text.empty() && text.back() != ',', "initial-q", allowed, text);
  if (q.size() == 1) return {q[0], q[0], q[0], q[0]};
  return {q[0], q[1], q[2], q[3]};
}

}  // namespace nnsim::rl_app
