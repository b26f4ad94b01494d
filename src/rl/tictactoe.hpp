#pragma once
// Tic-tac-toe (Section 11.5, Fig. 11.6 of the book): the game with an exact compact encoding of
// positions, a minimax solver, self-play Q-learning of two agents with separate Q-tables
// (11.24, gamma = 1, rewards +1 win / 0 draw / -1 loss) and the exact evaluation of any two
// players against each other over every line of play they can choose.
//
// Encoding: a board is the base-3 number code = sum_i c_i 3^i over the cells i = 0 .. 8 (row by
// row), c_i = 0 empty, 1 x, 2 o. The 5,478 positions reachable from the empty board with x moving
// first are numbered densely 0 .. 5477 in breadth-first order (0 = empty board); a position's
// number indexes the Q-tables, its legal moves (a 9-bit mask) and its children directly, so a
// move costs one table look-up and no string or hash.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "rl/environment.hpp"
#include "rl/policy.hpp"
#include "rl/tabular.hpp"

namespace nnsim::rl {

enum class Outcome : std::uint8_t { kDraw = 0, kXWins = 1, kOWins = 2 };

class TicTacToe {
 public:
  static constexpr std::size_t kCells = 9;
  static constexpr std::uint32_t kCodes = 19683;  ///< 3^9 boards, most of them unreachable
  static constexpr std::size_t kNoPosition = SIZE_MAX;
  enum Status : std::uint8_t { kOngoing = 0, kXWon = 1, kOWon = 2, kDrawn = 3 };

  /// The tables, built once (thread-safe) on first use.
  static const TicTacToe& game();

  std::size_t num_positions() const { return code_.size(); }
  static constexpr std::size_t empty_board() { return 0; }
  std::uint32_t code(std::size_t position) const { return code_[position]; }
  /// The position of a base-3 code, kNoPosition when the board is not reachable.
  std::size_t position_of_code(std::uint32_t code) const;
  /// Empty cells of an ongoing position; 0 for a finished game.
  ActionMask legal_moves(std::size_t position) const { return legal_[position]; }
  /// The position after the player to move marks `cell` (a legal move).
  std::size_t play(std::size_t position, std::size_t cell) const { return child_[position * kCells + cell]; }
  Status status(std::size_t position) const { return static_cast<Status>(status_[position]); }
  bool finished(std::size_t position) const { return status_[position] != kOngoing; }
  /// 1 when x is to move, 2 when o is.
  int to_move(std::size_t position) const { return mover_[position]; }
  /// Three lines of "x", "o" and "." (for logs and tests).
  std::string board_text(std::size_t position) const;

 private:
  TicTacToe();
  std::vector<std::uint32_t> code_;
  std::vector<std::uint16_t> position_of_code_;  ///< [code]: position, or 0xffff when unreachable
  std::vector<std::uint16_t> legal_;
  std::vector<std::uint16_t> child_;  ///< [position * 9 + cell]
  std::vector<std::uint8_t> status_;
  std::vector<std::uint8_t> mover_;  ///< 1 = x, 2 = o to move
};

/// Status of a board code by its lines alone (x won, o won, drawn when full, else ongoing).
TicTacToe::Status board_status(std::uint32_t code);

/// Perfect play by negamax over every position.
class Minimax {
 public:
  explicit Minimax(const TicTacToe& game);
  /// +1, 0, -1: the result under perfect play for the player to move (in a finished position:
  /// -1 when the previous mover won, 0 for a draw).
  int value(std::size_t position) const { return value_[position]; }
  /// The moves that keep value(position), i.e. every move a perfect player may choose.
  ActionMask optimal_moves(std::size_t position) const { return optimal_[position]; }

 private:
  std::vector<int> value_;
  std::vector<ActionMask> optimal_;
};

/// Best play against an opponent who picks uniformly among its legal moves: the player maximises its
/// expected final reward (+1 win, 0 draw, -1 loss). This is the optimal Q-function of the Markov
/// decision process a self-play agent faces while epsilon = 1 (its opponent then moves uniformly
/// at random, and Q-learning (11.24) is off-policy), so it is what the book's first 10^4 rounds
/// drive each agent towards.
class BestResponseToRandom {
 public:
  /// `player`: 1 = x, 2 = o.
  BestResponseToRandom(const TicTacToe& game, int player);
  /// Expected reward of the player from `position` (in a finished one: its reward).
  double value(std::size_t position) const { return value_[position]; }
  /// Where the player is to move: the moves of maximal value (within 1e-12: ties of symmetric
  /// moves may differ by rounding); elsewhere every legal move.
  ActionMask best_moves(std::size_t position) const { return best_[position]; }

 private:
  std::vector<double> value_;
  std::vector<ActionMask> best_;
};

/// The Q-tables of the two self-play agents, over positions x cells. Each agent's table has
/// meaningful rows only where it is to move.
struct SelfPlayAgents {
  QTable x;
  QTable o;
  explicit SelfPlayAgents(const TicTacToe& game, double initial = 0)
      : x(game.num_positions(), TicTacToe::kCells, initial), o(game.num_positions(), TicTacToe::kCells, initial) {}
};

/// One round (game) of self-play. Each agent picks an epsilon-greedy move (ties at random) and
/// updates the Q entry of its previous move when it is to move again, by Q-learning (11.24) with
/// r = 0 and gamma = 1: Q(s, a) += alpha [max_a' Q(s', a') - Q(s, a)], s' its next position.
/// When the game ends both last moves are updated with the final reward (target r alone):
/// +1 for the winner, -1 for the loser, 0 each for a draw. x moves first.
Outcome self_play_round(const TicTacToe& game, SelfPlayAgents& agents, double epsilon, double alpha, RandomStream& rng);

/// A training run of self-play.
struct SelfPlayOptions {
  std::uint64_t rounds = 30000;
  double alpha = 0.1;
  EpsilonSchedule schedule = StepDecayEpsilon{};  ///< the book's: 1 for 10^4 rounds, then x0.9 every 100
  std::uint64_t record_every = 100;               ///< a row of the learning curve after every this many rounds
  std::uint64_t window = 30;                      ///< running window of the curve (the book: 30 rounds)
};

/// Learning curve rows: after rounds record_every, 2 record_every, ..., the fractions of draws,
/// x wins and o wins among the last `window` rounds (fewer at the start), row-major [row][3].
struct SelfPlayResult {
  std::vector<double> curve;
  std::uint64_t draws = 0, x_wins = 0, o_wins = 0;  ///< over all rounds
};
SelfPlayResult train_self_play(const TicTacToe& game, SelfPlayAgents& agents, const SelfPlayOptions& options,
                               RandomStream& rng);

/// The moves a player picks from, uniformly, in a position (a subset of the legal moves).
using MoveChooser = std::function<ActionMask(std::size_t position)>;
/// Greedy on a Q-table: every maximal legal entry (ties at random).
MoveChooser greedy_chooser(const QTable& q);
/// Every move that keeps the minimax value.
MoveChooser minimax_chooser(const Minimax& minimax);
/// Every legal move.
MoveChooser random_chooser(const TicTacToe& game);
/// The best response to a random opponent (ties: all of them).
MoveChooser best_response_chooser(const BestResponseToRandom& best);

/// The exact outcome of x playing `x` against o playing `o` from the empty board: probabilities
/// (each player uniform over its chooser's set) and counts of the distinct complete games (lines
/// of play) each player's sets allow. A line that x or o can lose exists exactly when its
/// probability is non-zero, so this checks every line, not a sample.
struct ExactOutcome {
  double draw = 0, x_wins = 0, o_wins = 0;
  std::uint64_t lines = 0, draw_lines = 0, x_win_lines = 0, o_win_lines = 0;
};
ExactOutcome exact_outcome(const TicTacToe& game, const MoveChooser& x, const MoveChooser& o);
/// The same from every position (index = position; finished positions count as one line).
std::vector<ExactOutcome> exact_outcomes(const TicTacToe& game, const MoveChooser& x, const MoveChooser& o);

}  // namespace nnsim::rl
