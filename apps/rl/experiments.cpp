// nnsim-rl: the four experiments as gridded ensembles. A task is one learner (point, sample):
// its random numbers come from the stream (seed, point key, sample number, 0), so its values do
// not depend on the rank or thread that runs it.

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/error.hpp"
#include "core/grid.hpp"
#include "rl.hpp"
#include "rl/associative.hpp"
#include "rl/chain.hpp"
#include "rl/tabular.hpp"
#include "rl/tictactoe.hpp"

namespace nnsim::rl_app {

namespace rl = nnsim::rl;

namespace {

constexpr std::uint64_t kMaxEpisodes = std::uint64_t{1} << 40;

rl::EpsilonSchedule schedule_option(const std::string& text, double initial) {
  try {
    return rl::parse_epsilon_schedule(text, initial);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--epsilon-schedule must be " + std::string(e.what()));
  }
}

std::vector<double> epsilons(const std::string& text) {
  const auto values = parse_real_grid(text, "epsilon");
  for (const double e : values) require(e >= 0 && e <= 1, "epsilon", "in [0, 1]", e);
  return values;
}

struct Recording {
  std::uint64_t episodes = 0, every = 0, rows = 0;
};
Recording recording(const RlOptions& o, bool with_start) {
  Recording r;
  r.episodes = positive_count(o.episodes, "episodes", kMaxEpisodes);
  r.every = positive_count(o.record_every, "record-every", r.episodes);
  require(r.episodes % r.every == 0, "record-every", "a divisor of --episodes (" + o.episodes + ")", o.record_every);
  r.rows = r.episodes / r.every + (with_start ? 1 : 0);
  return r;
}

void check_cancel(const CancelFlag& cancel) {
  if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
}

std::vector<std::int64_t> axis(std::uint64_t rows, std::uint64_t every, bool with_start) {
  std::vector<std::int64_t> x(rows);
  for (std::uint64_t r = 0; r < rows; ++r) x[r] = static_cast<std::int64_t>((with_start ? r : r + 1) * every);
  return x;
}

// The grid of points: first axis outer, second inner.
struct Grid2 {
  std::vector<double> first, second;
  std::vector<double> a, b;  // per point
};
Grid2 grid2(const std::vector<double>& first, const std::vector<double>& second) {
  Grid2 g{first, second, {}, {}};
  for (const double x : first) {
    for (const double y : second) {
      g.a.push_back(x);
      g.b.push_back(y);
    }
  }
  return g;
}

/// The points of an experiment over `first` (outer axis) x learning rate (inner): their stream keys
/// (base, then the first axis' value, then the learning rate), the point columns, one cost per
/// learner and the merge axes.
void set_points(GriddedExperiment& e, const Grid2& g, const PointKey& base, const std::string& first,
                const std::string& first_description) {
  e.spec.num_points = g.a.size();
  for (std::size_t p = 0; p < g.a.size(); ++p) {
    PointKey key = base;
    e.point_keys.push_back(key.add(first, g.a[p]).add("learning-rate", g.b[p]).value());
  }
  e.points = {{first, g.a, first_description, "1"}, {"learning-rate", g.b, "learning rate alpha", "1"}};
  e.spec.cost = [](std::uint64_t) { return 1.0; };
  e.merge_axes = {first, "learning-rate"};
}

void write_axis(io::Group& group, const std::string& name, const std::vector<std::int64_t>& x,
                const std::string& description, const std::string& units) {
  auto d = group.write(name, x);
  describe(d, description, units);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
namespace {

constexpr const char* kEpsilonAxis = "epsilon of epsilon-greedy in round 0 (then --epsilon-schedule)";

/// The softmax probabilities pi(y | x) = exp(beta Q(x, y)) / sum_y' exp(beta Q(x, y')) of the four
/// entries at Q = Q* (table order).
std::array<double, 4> softmax_at_limit(const rl::AssociativeTask& task, double beta) {
  std::array<double, 4> pi{};
  for (std::size_t x = 0; x < 2; ++x) {
    const double a = task.expected_reward(x, 0), b = task.expected_reward(x, 1);
    pi[2 * x] = 1 / (1 + std::exp(beta * (b - a)));
    pi[2 * x + 1] = 1 - pi[2 * x];
  }
  return pi;
}

}  // namespace

GriddedExperiment associative_q_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base) {
  const rl::AssociativeTask task(reward_table(o.reward_table));
  const bool softmax = o.policy == "softmax";
  std::vector<double> first;  // epsilon or beta
  if (softmax) {
    first = parse_real_grid(o.beta, "beta");
    for (const double b : first) require(b > 0 && b <= 1e6, "beta", "in (0, 1e6]", b);
  } else {
    first = epsilons(o.epsilon);
    schedule_option(o.epsilon_schedule, 1.0);
  }
  const auto rates = learning_rates(o.learning_rate);
  const auto rec = recording(o, true);
  const std::array<double, 4> q0 = initial_q_table(o.initial_q);
  const Grid2 g = grid2(first, rates);

  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "associative-q";
  e.spec.observables = {"q_table", "final_q_table", "mean_reward"};
  e.spec.widths = {static_cast<std::size_t>(rec.rows * 4), 4, 1};
  const std::string entries = "entries (x1, y=-1), (x1, y=+1), (x2, y=-1), (x2, y=+1) in the order of --reward-table";
  e.observables = {
      {"q_table",
       "Q-table after episodes 0, R, 2R, ..., E (R = record-every): episode-major, the 4 " + entries +
           " of one recorded episode together; reshape the last axis to (episodes, 4), episode axis "
           "/results/q_table/episode",
       "(11.26): Q(x, y) <- Q(x, y) + alpha [r - Q(x, y)] for the pair played (one-step episodes of (11.24))", "1"},
      {"final_q_table", "Q-table after the last episode, " + entries, "(11.26)", "1"},
      {"mean_reward", "immediate reward r = +-1 averaged over the learner's episodes", "", "1"},
  };
  if (softmax) {
    set_points(e, g, PointKey(base).add("policy", "softmax"), "beta",
               "inverse temperature beta of softmax action selection, P(y | x) ~ exp(beta Q(x, y))");
  } else {
    set_points(e, g, base, "epsilon", kEpsilonAxis);
  }
  const std::uint64_t seed = common.seed;
  const auto keys = e.point_keys;
  const std::string schedule_text = softmax ? std::string() : o.epsilon_schedule;
  e.spec.run = [task, g, keys, seed, rec, q0, schedule_text, softmax](const Task& t, const CancelFlag& cancel) {
    const double alpha = g.b[t.point];
    RandomStream rng(seed, keys[t.point], t.sample, 0);
    rl::QTable q(2, 2);
    for (std::size_t k = 0; k < 4; ++k) q(k / 2, k % 2) = q0[k];
    std::vector<double> out;
    out.reserve(rec.rows * 4 + 5);
    out.insert(out.end(), q.values().begin(), q.values().end());
    double reward = 0;
    auto learn = [&](const auto& policy) {
      for (std::uint64_t episode = 0; episode < rec.episodes; ++episode) {
        if (episode % 4096 == 0) check_cancel(cancel);
        reward += rl::q_learning_episode(task, q, policy, episode, alpha, 0.0, rng).total_reward;
        if ((episode + 1) % rec.every == 0) out.insert(out.end(), q.values().begin(), q.values().end());
      }
    };
    if (softmax) {
      learn(rl::Softmax(g.a[t.point]));
    } else {
      learn(rl::EpsilonGreedy(rl::parse_epsilon_schedule(schedule_text, g.a[t.point])));
    }
    out.insert(out.end(), q.values().begin(), q.values().end());
    out.push_back(reward / static_cast<double>(rec.episodes));
    return out;
  };
  e.attributes = {{"task",
                   "two stimuli x1 = [1, 0], x2 = [1, 1] with equal probability, output y = -1 or +1, "
                   "reward +1 with probability p_reward(x, y) (--reward-table), else -1 (Fig. 11.2)"},
                  {"algorithm", softmax ? "Q-learning (11.24) with one-step episodes (11.26), softmax action "
                                          "selection P(y | x) = exp(beta Q(x, y)) / sum_y' exp(beta Q(x, y'))"
                                        : "Q-learning (11.24) with one-step episodes (11.26), epsilon-greedy, ties "
                                          "at random"}};
  e.write_extra = [task, g, rec, q0, softmax](io::File& file, const EnsembleResult&) {
    auto group = file.root().require_group("results/q_table");
    group.set_attribute("layout",
                        "episode-major: mean[p, 4 r + k] is entry k of recorded episode r; "
                        "numpy: mean.reshape(points, episodes, 4)");
    write_axis(group, "episode", axis(rec.rows, rec.every, true), "episode after which each row was recorded", "1");
    std::vector<double> limit(4);
    for (std::size_t k = 0; k < 4; ++k) limit[k] = task.expected_reward(k / 2, k % 2);
    auto d_limit = group.write("theory_limit", limit);
    describe(d_limit, "the limit Q* = <r | x, y> = 2 p_reward - 1 of each entry, " + std::string("in table order"), "1",
             "(11.30)");
    const std::size_t points = g.a.size();
    if (softmax) {
      // Near Q* entry k is updated with probability pi_k / 2 per episode; the mean reward of the
      // policy there is sum_k pi_k Q*_k / 2.
      std::vector<double> rate(points * 4), reward(points);
      for (std::size_t p = 0; p < points; ++p) {
        const auto pi = softmax_at_limit(task, g.a[p]);
        for (std::size_t k = 0; k < 4; ++k) {
          rate[p * 4 + k] = -std::log1p(-g.b[p] * pi[k] / 2);
          reward[p] += pi[k] * limit[k] / 2;
        }
      }
      auto d_rate = group.write("theory_rate", rate, {points, 4});
      describe(d_rate,
               "relaxation rate per episode of <Q_t> - Q* near Q*, -ln(1 - alpha p) with p = pi(y | x) / 2 the "
               "probability that the entry is updated, pi the softmax probabilities at Q = Q*",
               "1/episode", "(11.27)");
      auto d_reward = file.root().require_group("results/mean_reward").write("theory_limit", reward);
      describe(d_reward,
               "expected immediate reward per episode of the softmax policy at Q = Q*: (1/2) sum_x sum_y pi(y | x) "
               "(2 p_reward(x, y) - 1); mean_reward approaches it when Q starts at Q* and alpha is small",
               "1");
      return;
    }
    std::vector<double> rate(points * 4), book(points * 4), mean(points * rec.rows * 4);
    for (std::size_t p = 0; p < points; ++p) {
      // The theory takes the epsilon of the point constant (--epsilon-schedule constant).
      const auto r = rl::relaxation_rates(task, g.b[p], g.a[p]);
      const auto b = rl::book_relaxation_rates(task, g.b[p], g.a[p]);
      for (std::size_t k = 0; k < 4; ++k) {
        rate[p * 4 + k] = r[k];
        book[p * 4 + k] = b[k];
        for (std::uint64_t row = 0; row < rec.rows; ++row) {
          mean[(p * rec.rows + row) * 4 + k] =
              rl::expected_q(task, g.b[p], g.a[p], q0[k], k, static_cast<double>(row * rec.every));
        }
      }
    }
    auto d_rate = group.write("theory_rate", rate, {points, 4});
    describe(d_rate,
             "relaxation rate per episode of <Q_t> - Q*, -ln(1 - alpha p) with p the probability that the entry is "
             "updated: (1 - epsilon/2)/2 for the greedy entry (larger Q*) of a stimulus, epsilon/4 for the other",
             "1/episode", "(11.27)-(11.29)");
    auto d_book = group.write("theory_rate_book", book, {points, 4});
    describe(d_book,
             "the book's rates: alpha/4 for every entry at epsilon = 1; alpha/2 (greedy) and epsilon alpha/4 "
             "(other) for small epsilon",
             "1/episode", "(11.28)-(11.29)");
    auto d_mean = group.write("theory_mean", mean, {points, rec.rows * 4});
    describe(d_mean,
             "<Q_t> = Q* + (Q_0 - Q*)(1 - alpha p)^t, layout as mean: exact at epsilon = 1; for epsilon < 1 it assumes "
             "the greedy action of each stimulus is the one with the larger Q* from episode 0 on",
             "1", "(11.27)-(11.29)");
  };
  return e;
}

// ---------------------------------------------------------------------------------------------
GriddedExperiment reward_penalty_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base) {
  const rl::AssociativeTask task(reward_table(o.reward_table));
  const auto deltas = parse_real_grid(o.delta, "delta");
  for (const double d : deltas) require(d > 0 && d <= 1, "delta", "in (0, 1]", d);
  const auto rates = learning_rates(o.learning_rate);
  const auto rec = recording(o, false);
  const Grid2 g = grid2(deltas, rates);
  const std::size_t np = g.a.size();

  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "reward-penalty";
  e.spec.observables = {"reward", "expected_reward", "final_weights"};
  e.spec.widths = {static_cast<std::size_t>(rec.rows), static_cast<std::size_t>(rec.rows), 2};
  e.observables = {
      {"reward",
       "immediate reward r = +-1 averaged over each block of R iterations (R = record-every), blocks ending at "
       "/results/reward/iteration",
       "(11.10)", "1"},
      {"expected_reward",
       "expected immediate reward of the neuron's weights at the end of each block: (1/2) sum_x sum_y P(y|x) "
       "(2 p_reward(x, y) - 1); at most r_max (/theory/r_max)",
       "(11.2), (11.4)", "1"},
      {"final_weights", "weights w = (w1, w2) after the last iteration (b = w . x)", "(11.10)", "1"},
  };
  set_points(e, g, base, "delta", "weight delta of penalties in the reward-penalty rule");
  const std::uint64_t seed = common.seed;
  const auto keys = e.point_keys;
  e.spec.run = [task, g, keys, seed, rec](const Task& t, const CancelFlag& cancel) {
    RandomStream rng(seed, keys[t.point], t.sample, 0);
    rl::StochasticNeuron neuron;
    std::vector<double> reward, expected;
    double block = 0;
    for (std::uint64_t it = 0; it < rec.episodes; ++it) {
      if (it % 4096 == 0) check_cancel(cancel);
      const std::size_t s = task.reset(rng);
      const auto x = rl::AssociativeTask::stimulus(s);
      const int y = neuron.fire(x, rng);
      const double r = task.step(s, y > 0 ? 1 : 0, rng).reward;
      rl::reward_penalty_update(neuron, x, y, r, g.b[t.point], g.a[t.point]);
      block += r;
      if ((it + 1) % rec.every == 0) {
        reward.push_back(block / static_cast<double>(rec.every));
        expected.push_back(rl::expected_reward(neuron, task));
        block = 0;
      }
    }
    std::vector<double> out = reward;
    out.insert(out.end(), expected.begin(), expected.end());
    out.push_back(neuron.weights[0]);
    out.push_back(neuron.weights[1]);
    return out;
  };
  const double r_max = task.max_expected_reward();
  e.theory = [np, r_max] {
    return std::vector<TheoryColumn>{{"r_max", std::vector<double>(np, r_max),
                                      "maximal expected reward: the best output for each stimulus, averaged over "
                                      "the stimuli",
                                      "(11.4)", "1"}};
  };
  e.attributes = {{"task",
                   "two stimuli x1 = [1, 0], x2 = [1, 1] with equal probability; reward +1 with probability "
                   "p_reward(x, y) (--reward-table), else -1 (Fig. 11.2)"},
                  {"algorithm",
                   "binary stochastic neuron (11.2) P(y = +1) = 1 / (1 + exp(-2 w . x)) with the "
                   "associative reward-penalty rule (11.10): r = +1: dw = alpha (y - <y>) x; "
                   "r = -1: dw = alpha delta (-y - <y>) x; <y> = tanh(w . x); w starts at 0"}};
  e.write_extra = [rec](io::File& file, const EnsembleResult&) {
    for (const char* name : {"results/reward", "results/expected_reward"}) {
      auto group = file.root().require_group(name);
      write_axis(group, "iteration", axis(rec.rows, rec.every, false), "iteration at the end of each block", "1");
    }
  };
  return e;
}

// ---------------------------------------------------------------------------------------------
namespace {
enum TicTacToeValue : std::size_t {
  kSelfPlay = 0,     // 3: draw, x wins, o wins (greedy vs greedy)
  kXVsMinimax = 3,   // 3: win, draw, loss
  kOVsMinimax = 6,   // 3
  kXVsRandom = 9,    // 3
  kOVsRandom = 12,   // 3
  kLostLines = 15,   // 2: lines lost to minimax as x, as o
  kNeverLoses = 17,  // 1
  kTotals = 18,      // 3: draws, x wins, o wins over all rounds (fractions)
  kLostByOpening = 21,  // 9: lines lost to minimax as o, by the cell of x's first move
  kEvaluationValues = 30
};
}  // namespace

GriddedExperiment tictactoe_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base) {
  const auto eps = epsilons(o.epsilon);
  const auto rates = learning_rates(o.learning_rate);
  schedule_option(o.epsilon_schedule, 1.0);
  const auto rec = recording(o, false);
  const auto window = positive_count(o.window, "window", 1'000'000);
  const double q0 = real_in(o.initial_q, "initial-q", -1e6, 1e6, "a number in [-1e6, 1e6]");
  const double save = real_in(o.save_q_learner, "save-q-learner", -1, 9e15, "a sample number >= 0, or -1 for none");
  require(save == std::floor(save), "save-q-learner", "an integer (a sample number, or -1)", o.save_q_learner);
  const Grid2 g = grid2(eps, rates);
  const rl::TicTacToe& game = rl::TicTacToe::game();

  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "tictactoe";
  e.spec.observables = {"outcomes",         "greedy_self_play", "as_x_vs_minimax",       "as_o_vs_minimax",
                        "as_x_vs_random",   "as_o_vs_random",   "lines_lost_to_minimax", "never_loses_to_minimax",
                        "training_outcomes", "lines_lost_as_o_by_opening"};
  e.spec.widths = {static_cast<std::size_t>(rec.rows * 3), 3, 3, 3, 3, 3, 2, 1, 3, 9};
  const std::string exact = "exact over every line of play (each player uniform over its choice set), not sampled";
  e.observables = {
      {"outcomes",
       "learning curve: fractions of draws, x wins and o wins among the last W rounds (W = window) after rounds "
       "R, 2R, ... (R = record-every); round-major, reshape the last axis to (rounds, 3); axis "
       "/results/outcomes/round",
       "(11.24) self-play, Fig. 11.7", "1"},
      {"greedy_self_play",
       "trained greedy x against trained greedy o (ties at random): P(draw), P(x wins), "
       "P(o wins), " +
           exact,
       "", "1"},
      {"as_x_vs_minimax",
       "trained greedy x against a minimax o choosing among all optimal moves: P(win), P(draw), "
       "P(loss), " +
           exact,
       "", "1"},
      {"as_o_vs_minimax", "trained greedy o against a minimax x: P(win), P(draw), P(loss), " + exact, "", "1"},
      {"as_x_vs_random", "trained greedy x against a uniformly random o: P(win), P(draw), P(loss), " + exact, "", "1"},
      {"as_o_vs_random", "trained greedy o against a uniformly random x: P(win), P(draw), P(loss), " + exact, "", "1"},
      {"lines_lost_to_minimax", "number of distinct games the trained agent loses against minimax: as x, as o", "",
       "1"},
      {"never_loses_to_minimax", "1 if the agent loses no line against minimax, as x and as o, else 0", "", "1"},
      {"training_outcomes", "fractions of draws, x wins and o wins over all training rounds", "", "1"},
      {"lines_lost_as_o_by_opening",
       "distinct games the trained o loses against minimax, by the cell (0 .. 8, row by row) of x's first move "
       "(every first move keeps the draw, so minimax x may choose each); they sum to lines_lost_to_minimax[1]",
       "", "1"},
  };
  const bool saving = save >= 0;
  const auto save_sample = saving ? static_cast<std::uint64_t>(save) : 0;
  if (saving) {
    e.spec.records = {{"q_table_x", rl::TicTacToe::kCells}, {"q_table_o", rl::TicTacToe::kCells}};
    const std::string rows =
        "one row per position (/tictactoe/position_code gives its base-3 board code), one "
        "column per cell (row by row); only the learner with sample number save-q-learner has "
        "rows, the others none";
    e.record_observables = {{"q_table_x", "final Q-table of agent x: " + rows, "(11.24)", "1"},
                            {"q_table_o", "final Q-table of agent o: " + rows, "(11.24)", "1"}};
  }
  set_points(e, g, base, "epsilon", kEpsilonAxis);
  const std::uint64_t seed = common.seed;
  const auto keys = e.point_keys;
  const std::string schedule_text = o.epsilon_schedule;
  e.spec.run_with_records = [&game, g, keys, seed, rec, window, q0, schedule_text, saving, save_sample](
                                const Task& t, const CancelFlag& cancel) {
    RandomStream rng(seed, keys[t.point], t.sample, 0);
    rl::SelfPlayAgents agents(game, q0);
    rl::SelfPlayOptions options;
    options.alpha = g.b[t.point];
    options.schedule = rl::parse_epsilon_schedule(schedule_text, g.a[t.point]);
    options.record_every = rec.every;
    options.window = window;
    options.rounds = rec.episodes;
    rl::SelfPlayResult total;
    // A learner takes milliseconds: checking for a stop request before and after is enough.
    check_cancel(cancel);
    total = rl::train_self_play(game, agents, options, rng);
    check_cancel(cancel);
    static const rl::Minimax minimax(game);
    const auto self = rl::exact_outcome(game, rl::greedy_chooser(agents.x), rl::greedy_chooser(agents.o));
    const auto xm = rl::exact_outcome(game, rl::greedy_chooser(agents.x), rl::minimax_chooser(minimax));
    const auto om_from = rl::exact_outcomes(game, rl::minimax_chooser(minimax), rl::greedy_chooser(agents.o));
    const auto& om = om_from[rl::TicTacToe::empty_board()];
    const auto xr = rl::exact_outcome(game, rl::greedy_chooser(agents.x), rl::random_chooser(game));
    const auto orr = rl::exact_outcome(game, rl::random_chooser(game), rl::greedy_chooser(agents.o));
    TaskOutput out;
    out.values = std::move(total.curve);
    const double n = static_cast<double>(rec.episodes);
    const std::vector<double> evaluation{self.draw,
                                         self.x_wins,
                                         self.o_wins,
                                         xm.x_wins,
                                         xm.draw,
                                         xm.o_wins,
                                         om.o_wins,
                                         om.draw,
                                         om.x_wins,
                                         xr.x_wins,
                                         xr.draw,
                                         xr.o_wins,
                                         orr.o_wins,
                                         orr.draw,
                                         orr.x_wins,
                                         static_cast<double>(xm.o_win_lines),
                                         static_cast<double>(om.x_win_lines),
                                         (xm.o_win_lines == 0 && om.x_win_lines == 0) ? 1.0 : 0.0,
                                         static_cast<double>(total.draws) / n,
                                         static_cast<double>(total.x_wins) / n,
                                         static_cast<double>(total.o_wins) / n};
    static_assert(kLostByOpening == 21 && kEvaluationValues == 30);
    out.values.insert(out.values.end(), evaluation.begin(), evaluation.end());
    for (std::size_t cell = 0; cell < rl::TicTacToe::kCells; ++cell) {
      const auto child = game.play(rl::TicTacToe::empty_board(), cell);
      out.values.push_back(static_cast<double>(om_from[child].x_win_lines));
    }
    if (saving) {
      out.records.resize(2);
      if (t.sample == save_sample) {
        out.records[0] = agents.x.values();
        out.records[1] = agents.o.values();
      }
    }
    return out;
  };
  e.attributes = {
      {"game", "tic-tac-toe (Fig. 11.6), x moves first; rewards +1 win, 0 draw, -1 loss at the end; gamma = 1"},
      {"algorithm",
       "self-play of two agents with separate Q-tables (Q-learning (11.24)); an agent updates its "
       "previous move when it is to move again (target max_a Q(s', a)) and its last move with the final "
       "reward; epsilon-greedy with ties between maximal entries broken uniformly at random"},
      {"encoding",
       "positions: base-3 board code sum_i c_i 3^i (c = 0 empty, 1 x, 2 o, cells row by row), numbered "
       "0 .. 5477 breadth-first from the empty board"}};
  e.run_control_options = {};
  e.write_extra = [&game, rec, saving](io::File& file, const EnsembleResult&) {
    auto group = file.root().require_group("results/outcomes");
    write_axis(group, "round", axis(rec.rows, rec.every, false), "rounds played when each row was recorded", "1");
    group.set_attribute("layout",
                        "round-major: mean[p, 3 r + k] is outcome k (0 draw, 1 x wins, 2 o wins) at "
                        "recorded round r; numpy: mean.reshape(points, rounds, 3)");
    if (saving) {
      auto t = file.root().require_group("tictactoe");
      std::vector<std::int64_t> codes(game.num_positions());
      for (std::size_t p = 0; p < codes.size(); ++p) codes[p] = game.code(p);
      auto d = t.write("position_code", codes);
      describe(d,
               "base-3 board code of each position (row of q_table_x / q_table_o): sum_i c_i 3^i, c = 0 empty, "
               "1 x, 2 o, cells row by row",
               "1");
    }
  };
  return e;
}

// ---------------------------------------------------------------------------------------------
GriddedExperiment td_lambda_experiment(const RlOptions& o, const CommonOptions& common, const PointKey& base) {
  const auto lambdas = parse_real_grid(o.lambda, "lambda");
  for (const double l : lambdas) require(l >= 0 && l <= 1, "lambda", "in [0, 1]", l);
  const auto rates = learning_rates(o.learning_rate);
  const auto rec = recording(o, true);
  const auto n = positive_count(o.chain_length, "chain-length", 100000);
  require(o.td_features == "one-hot" || o.td_features == "affine", "td-features", "one-hot or affine", o.td_features);
  require(o.td_update == "online" || o.td_update == "offline", "td-update", "online or offline", o.td_update);
  const double v0 = real_in(o.initial_value, "initial-value", -1e6, 1e6, "a number in [-1e6, 1e6]");
  const Grid2 g = grid2(lambdas, rates);
  const rl::ChainWalk chain(static_cast<std::size_t>(n));
  const rl::Features features = o.td_features == "one-hot" ? rl::one_hot_features(static_cast<std::size_t>(n))
                                                           : rl::affine_features(static_cast<std::size_t>(n));
  const bool offline = o.td_update == "offline";

  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "td-lambda";
  e.spec.observables = {"rms_error", "rms_error_average", "rms_error_final"};
  e.spec.widths = {static_cast<std::size_t>(rec.rows), 1, 1};
  const std::string rms =
      "root-mean-square error of V(s) = w . phi(s) against the true V(s) = (s + 1)/(N + 1) over "
      "the N states";
  e.observables = {
      {"rms_error", rms + ", after episodes 0, R, 2R, ..., E (axis /results/rms_error/episode)", "(11.20)", "1"},
      {"rms_error_average", rms + ", averaged over the states after episodes 1 .. E", "(11.20)", "1"},
      {"rms_error_final", rms + ", after the last episode", "(11.20)", "1"},
  };
  set_points(e, g, base, "lambda", "trace decay lambda of TD(lambda)");
  const std::uint64_t seed = common.seed;
  const auto keys = e.point_keys;
  e.spec.run = [chain, features, g, keys, seed, rec, v0, offline](const Task& t, const CancelFlag& cancel) {
    RandomStream rng(seed, keys[t.point], t.sample, 0);
    rl::LinearTdLambda td(features, g.b[t.point], g.a[t.point], 1.0, v0, offline);
    std::vector<double> out{rl::rms_value_error(chain, td)};
    double sum = 0;
    for (std::uint64_t episode = 0; episode < rec.episodes; ++episode) {
      if (episode % 1024 == 0) check_cancel(cancel);
      rl::td_lambda_episode(chain, td, rng);
      const double err = rl::rms_value_error(chain, td);
      sum += err;
      if ((episode + 1) % rec.every == 0) out.push_back(err);
    }
    const double last = out.back();
    out.push_back(sum / static_cast<double>(rec.episodes));
    out.push_back(last);
    return out;
  };
  e.curves = [chain] {
    TheoryCurve c;
    c.name = "true_value";
    c.x_name = "state";
    for (std::size_t s = 0; s < chain.num_states(); ++s) {
      c.x.push_back(static_cast<double>(s));
      c.y.push_back(chain.true_value(s));
    }
    c.description = "value of each state of the random walk (gamma = 1): the probability to leave on the right";
    c.equation = "V(s) = (s + 1) / (N + 1)";
    c.x_description = "state s = 0 .. N-1 of the chain";
    return std::vector<TheoryCurve>{c};
  };
  e.attributes = {{"environment",
                   "random walk on a chain of N states starting in the middle (state N/2): left or right with "
                   "probability 1/2; leaving on the left ends with reward 0, on the right with reward +1"},
                  {"algorithm",
                   "TD(lambda) (11.20) with a linear value function V(s) = w . phi(s) and accumulating traces: "
                   "e <- lambda e + phi(s); w <- w + alpha [r + V(s') - V(s)] e (gamma = 1); --td-update offline "
                   "sums the changes of an episode and applies them at its end"}};
  e.write_extra = [rec](io::File& file, const EnsembleResult&) {
    auto group = file.root().require_group("results/rms_error");
    write_axis(group, "episode", axis(rec.rows, rec.every, true), "episodes completed when each value was recorded",
               "1");
  };
  return e;
}

}  // namespace nnsim::rl_app
