#include "rl/tictactoe.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <deque>
#include <stdexcept>

namespace nnsim::rl {

namespace {

constexpr std::array<std::uint32_t, 10> kPow3{1, 3, 9, 27, 81, 243, 729, 2187, 6561, 19683};
constexpr std::array<std::array<int, 3>, 8> kLines{
    {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}}};
constexpr std::uint16_t kUnreachable = 0xffff;

std::array<int, 9> cells_of(std::uint32_t code) {
  std::array<int, 9> cells{};
  for (std::size_t i = 0; i < 9; ++i) {
    cells[i] = static_cast<int>(code % 3);
    code /= 3;
  }
  return cells;
}

}  // namespace

TicTacToe::Status board_status(std::uint32_t code) {
  const auto cells = cells_of(code);
  for (const auto& line : kLines) {
    const int c = cells[static_cast<std::size_t>(line[0])];
    if (c != 0 && c == cells[static_cast<std::size_t>(line[1])] && c == cells[static_cast<std::size_t>(line[2])]) {
      return c == 1 ? TicTacToe::kXWon : TicTacToe::kOWon;
    }
  }
  for (const int c : cells) {
    if (c == 0) return TicTacToe::kOngoing;
  }
  return TicTacToe::kDrawn;
}

const TicTacToe& TicTacToe::game() {
  static const TicTacToe instance;
  return instance;
}

TicTacToe::TicTacToe() : position_of_code_(kCodes, kUnreachable) {
  // Breadth-first from the empty board: positions numbered in the order they are met.
  std::deque<std::uint32_t> queue{0};
  position_of_code_[0] = 0;
  code_.push_back(0);
  while (!queue.empty()) {
    const std::uint32_t code = queue.front();
    queue.pop_front();
    if (board_status(code) != kOngoing) continue;
    const auto cells = cells_of(code);
    int marks = 0;
    for (const int c : cells) marks += c != 0;
    const std::uint32_t mark = marks % 2 == 0 ? 1 : 2;  // x moves first
    for (std::size_t i = 0; i < 9; ++i) {
      if (cells[i] != 0) continue;
      const std::uint32_t next = code + mark * kPow3[i];
      if (position_of_code_[next] == kUnreachable) {
        position_of_code_[next] = static_cast<std::uint16_t>(code_.size());
        code_.push_back(next);
        queue.push_back(next);
      }
    }
  }
  const std::size_t n = code_.size();
  legal_.assign(n, 0);
  child_.assign(n * kCells, 0);
  status_.assign(n, 0);
  mover_.assign(n, 0);
  for (std::size_t p = 0; p < n; ++p) {
    int marks = 0;
    for (const int c : cells_of(code_[p])) marks += c != 0;
    mover_[p] = marks % 2 == 0 ? 1 : 2;
    const auto status = board_status(code_[p]);
    status_[p] = status;
    if (status != kOngoing) continue;
    const auto cells = cells_of(code_[p]);
    const std::uint32_t mark = static_cast<std::uint32_t>(to_move(p));
    for (std::size_t i = 0; i < 9; ++i) {
      if (cells[i] != 0) continue;
      legal_[p] = static_cast<std::uint16_t>(legal_[p] | (1u << i));
      child_[p * kCells + i] = position_of_code_[code_[p] + mark * kPow3[i]];
    }
  }
}

std::size_t TicTacToe::position_of_code(std::uint32_t code) const {
  if (code >= kCodes || position_of_code_[code] == kUnreachable) return kNoPosition;
  return position_of_code_[code];
}

std::string TicTacToe::board_text(std::size_t position) const {
  const auto cells = cells_of(code_[position]);
  std::string text;
  for (std::size_t i = 0; i < 9; ++i) {
    text += cells[i] == 0 ? '.' : cells[i] == 1 ? 'x' : 'o';
    if (i % 3 == 2 && i != 8) text += '\n';
  }
  return text;
}

Minimax::Minimax(const TicTacToe& game) : value_(game.num_positions(), 0), optimal_(game.num_positions(), 0) {
  // Children are numbered after their parents (breadth-first), so one backward sweep sees every
  // child before its parent.
  for (std::size_t p = game.num_positions(); p-- > 0;) {
    const auto status = game.status(p);
    if (status != TicTacToe::kOngoing) {
      value_[p] = status == TicTacToe::kDrawn ? 0 : -1;  // the previous mover completed a line
      continue;
    }
    int best = -2;
    ActionMask best_moves = 0;
    for (ActionMask m = game.legal_moves(p); m != 0; m &= m - 1) {
      const auto cell = static_cast<std::size_t>(std::countr_zero(m));
      const int v = -value_[game.play(p, cell)];  // negamax
      if (v > best) {
        best = v;
        best_moves = ActionMask{1} << cell;
      } else if (v == best) {
        best_moves |= ActionMask{1} << cell;
      }
    }
    value_[p] = best;
    optimal_[p] = best_moves;
  }
}

BestResponseToRandom::BestResponseToRandom(const TicTacToe& game, int player)
    : value_(game.num_positions(), 0), best_(game.num_positions(), 0) {
  if (player != 1 && player != 2) throw std::invalid_argument("BestResponseToRandom: player must be 1 (x) or 2 (o)");
  // Children are numbered after their parents: one backward sweep.
  for (std::size_t p = game.num_positions(); p-- > 0;) {
    switch (game.status(p)) {
      case TicTacToe::kDrawn: value_[p] = 0; continue;
      case TicTacToe::kXWon: value_[p] = player == 1 ? 1 : -1; continue;
      case TicTacToe::kOWon: value_[p] = player == 2 ? 1 : -1; continue;
      case TicTacToe::kOngoing: break;
    }
    const ActionMask legal = game.legal_moves(p);
    if (game.to_move(p) != player) {  // the opponent: uniform over its moves
      double sum = 0;
      for (ActionMask m = legal; m != 0; m &= m - 1) sum += value_[game.play(p, static_cast<std::size_t>(std::countr_zero(m)))];
      value_[p] = sum / static_cast<double>(std::popcount(legal));
      best_[p] = legal;
      continue;
    }
    double best = -2;
    for (ActionMask m = legal; m != 0; m &= m - 1) {
      best = std::max(best, value_[game.play(p, static_cast<std::size_t>(std::countr_zero(m)))]);
    }
    value_[p] = best;
    for (ActionMask m = legal; m != 0; m &= m - 1) {
      const auto cell = static_cast<std::size_t>(std::countr_zero(m));
      if (value_[game.play(p, cell)] >= best - 1e-12) best_[p] |= ActionMask{1} << cell;
    }
  }
}

Outcome self_play_round(const TicTacToe& game, SelfPlayAgents& agents, double epsilon, double alpha,
                        RandomStream& rng) {
  std::array<QTable*, 2> q{&agents.x, &agents.o};
  std::array<std::size_t, 2> previous_position{0, 0};
  std::array<std::size_t, 2> previous_move{0, 0};
  std::array<bool, 2> has_previous{false, false};
  std::size_t position = TicTacToe::empty_board();
  std::size_t player = 0;  // 0 = x, 1 = o
  for (;;) {
    QTable& table = *q[player];
    const ActionMask legal = game.legal_moves(position);
    if (has_previous[player]) {  // (11.24) with r = 0, gamma = 1: the position it faces now is s'
      double& entry = table(previous_position[player], previous_move[player]);
      entry += alpha * (max_q(table.row(position), legal) - entry);
    }
    const std::size_t move = epsilon_greedy_action(table.row(position), legal, epsilon, rng);
    const std::size_t next = game.play(position, move);
    previous_position[player] = position;
    previous_move[player] = move;
    has_previous[player] = true;
    const auto status = game.status(next);
    if (status != TicTacToe::kOngoing) {
      const bool drawn = status == TicTacToe::kDrawn;
      double& mover = table(position, move);
      mover += alpha * ((drawn ? 0.0 : 1.0) - mover);
      const std::size_t other = 1 - player;  // has moved: a game ends on move 5 at the earliest
      double& loser = (*q[other])(previous_position[other], previous_move[other]);
      loser += alpha * ((drawn ? 0.0 : -1.0) - loser);
      if (drawn) return Outcome::kDraw;
      return player == 0 ? Outcome::kXWins : Outcome::kOWins;
    }
    position = next;
    player = 1 - player;
  }
}

SelfPlayResult train_self_play(const TicTacToe& game, SelfPlayAgents& agents, const SelfPlayOptions& options,
                               RandomStream& rng) {
  if (options.record_every == 0 || options.window == 0) {
    throw std::invalid_argument("train_self_play: record_every and window must be at least 1");
  }
  SelfPlayResult result;
  std::vector<std::uint8_t> recent(options.window, 0);  // ring buffer of the last outcomes
  std::array<std::uint64_t, 3> in_window{0, 0, 0};
  result.curve.reserve(options.rounds / options.record_every * 3);
  for (std::uint64_t round = 0; round < options.rounds; ++round) {
    const double epsilon = epsilon_at(options.schedule, round);
    const auto outcome = static_cast<std::uint8_t>(self_play_round(game, agents, epsilon, options.alpha, rng));
    const std::size_t slot = static_cast<std::size_t>(round % options.window);
    if (round >= options.window) --in_window[recent[slot]];
    recent[slot] = outcome;
    ++in_window[outcome];
    if (outcome == 0) ++result.draws;
    if (outcome == 1) ++result.x_wins;
    if (outcome == 2) ++result.o_wins;
    if ((round + 1) % options.record_every == 0) {
      const double n = static_cast<double>(std::min<std::uint64_t>(round + 1, options.window));
      for (std::size_t k = 0; k < 3; ++k) result.curve.push_back(static_cast<double>(in_window[k]) / n);
    }
  }
  return result;
}

MoveChooser greedy_chooser(const QTable& q) {
  const TicTacToe& game = TicTacToe::game();
  return [&q, &game](std::size_t position) { return greedy_actions(q.row(position), game.legal_moves(position)); };
}

MoveChooser minimax_chooser(const Minimax& minimax) {
  return [&minimax](std::size_t position) { return minimax.optimal_moves(position); };
}

MoveChooser random_chooser(const TicTacToe& game) {
  return [&game](std::size_t position) { return game.legal_moves(position); };
}

MoveChooser best_response_chooser(const BestResponseToRandom& best) {
  return [&best](std::size_t position) { return best.best_moves(position); };
}

std::vector<ExactOutcome> exact_outcomes(const TicTacToe& game, const MoveChooser& x, const MoveChooser& o) {
  // The choice sets depend on the position alone, so the outcome of every position follows from
  // its children's. Children are numbered after their parents (breadth-first), so one backward
  // sweep over all positions sees every child first: no recursion, each position once.
  const std::size_t n = game.num_positions();
  std::vector<ExactOutcome> outcome(n);
  for (std::size_t p = n; p-- > 0;) {
    ExactOutcome& r = outcome[p];
    switch (game.status(p)) {
      case TicTacToe::kDrawn:
        r = {1, 0, 0, 1, 1, 0, 0};
        break;
      case TicTacToe::kXWon:
        r = {0, 1, 0, 1, 0, 1, 0};
        break;
      case TicTacToe::kOWon:
        r = {0, 0, 1, 1, 0, 0, 1};
        break;
      case TicTacToe::kOngoing: {
        const ActionMask legal = game.legal_moves(p);
        const ActionMask choices = (game.to_move(p) == 1 ? x(p) : o(p)) & legal;
        if (choices == 0) throw std::logic_error("exact_outcome: a player chose no legal move");
        const double weight = 1.0 / static_cast<double>(std::popcount(choices));
        for (ActionMask m = choices; m != 0; m &= m - 1) {
          const ExactOutcome& c = outcome[game.play(p, static_cast<std::size_t>(std::countr_zero(m)))];
          r.draw += weight * c.draw;
          r.x_wins += weight * c.x_wins;
          r.o_wins += weight * c.o_wins;
          r.lines += c.lines;
          r.draw_lines += c.draw_lines;
          r.x_win_lines += c.x_win_lines;
          r.o_win_lines += c.o_win_lines;
        }
        break;
      }
    }
  }
  return outcome;
}

ExactOutcome exact_outcome(const TicTacToe& game, const MoveChooser& x, const MoveChooser& o) {
  return exact_outcomes(game, x, o)[TicTacToe::empty_board()];
}

}  // namespace nnsim::rl
