// Tic-tac-toe self-play throughput (issue 9): the library's compact encoding (positions numbered
// densely through their base-3 board code, Q-tables as flat arrays, children and legal moves
// looked up) against the usual representation of Python / OpenSpiel-style code written in C++:
// the board as a 9-character string, each agent's Q-table a std::unordered_map from that string
// to its 9 entries, legal moves and the winner found by scanning the string. Both play the same
// algorithm (self-play Q-learning, src/rl/tictactoe.cpp: self_play_round) with the same random
// draws, so with the same stream they produce the same games; the benchmark checks that the
// outcome counts agree exactly and fails otherwise. A plain program, run by hand:
//   nnsim-bench-rl-tictactoe [learners] [rounds]
// (defaults 8 learners x 30000 rounds of the book's schedule, alpha 0.1, epsilon 1 for 10^4 rounds
// then x0.9 every 100); prints episodes per second per core (one thread) for both, and their ratio.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "rl/tictactoe.hpp"

namespace {

using namespace nnsim::rl;
using nnsim::RandomStream;

struct StringAgents {
  std::unordered_map<std::string, std::array<double, 9>> x, o;
};

int string_status(const std::string& b) {  // 0 ongoing, 1 x won, 2 o won, 3 drawn
  static constexpr int lines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
                                      {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};
  for (const auto& l : lines) {
    const char c = b[static_cast<std::size_t>(l[0])];
    if (c != '.' && c == b[static_cast<std::size_t>(l[1])] && c == b[static_cast<std::size_t>(l[2])]) {
      return c == 'x' ? 1 : 2;
    }
  }
  return b.find('.') == std::string::npos ? 3 : 0;
}

ActionMask string_legal(const std::string& b) {
  ActionMask m = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    if (b[i] == '.') m |= ActionMask{1} << i;
  }
  return m;
}

// The same algorithm and the same draws as self_play_round, on strings and hash maps.
Outcome string_round(StringAgents& agents, double epsilon, double alpha, RandomStream& rng) {
  std::array<std::unordered_map<std::string, std::array<double, 9>>*, 2> q{&agents.x, &agents.o};
  std::array<std::string, 2> previous_board;
  std::array<std::size_t, 2> previous_move{0, 0};
  std::array<bool, 2> has_previous{false, false};
  std::string board(9, '.');
  std::size_t player = 0;
  for (;;) {
    auto& table = *q[player];
    const ActionMask legal = string_legal(board);
    auto& row = table.try_emplace(board).first->second;  // zero-initialised on first visit
    if (has_previous[player]) {
      double& entry = table[previous_board[player]][previous_move[player]];
      entry += alpha * (max_q(row.data(), legal) - entry);
    }
    const std::size_t move = epsilon_greedy_action(row.data(), legal, epsilon, rng);
    previous_board[player] = board;
    previous_move[player] = move;
    has_previous[player] = true;
    board[move] = player == 0 ? 'x' : 'o';
    const int status = string_status(board);
    if (status != 0) {
      const bool drawn = status == 3;
      double& mover = table[previous_board[player]][move];
      mover += alpha * ((drawn ? 0.0 : 1.0) - mover);
      const std::size_t other = 1 - player;
      double& loser = (*q[other])[previous_board[other]][previous_move[other]];
      loser += alpha * ((drawn ? 0.0 : -1.0) - loser);
      if (drawn) return Outcome::kDraw;
      return player == 0 ? Outcome::kXWins : Outcome::kOWins;
    }
    player = 1 - player;
  }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int learners = argc > 1 ? std::atoi(argv[1]) : 8;
  const std::uint64_t rounds = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 30000;
  const TicTacToe& game = TicTacToe::game();
  const StepDecayEpsilon schedule{};  // the book's
  const double alpha = 0.1;
  std::array<std::uint64_t, 3> compact_counts{}, string_counts{};
  double compact_seconds = 0, string_seconds = 0;
  std::size_t string_states = 0;
  for (int l = 0; l < learners; ++l) {
    {
      SelfPlayAgents agents(game);
      RandomStream rng(1, 0xb3, static_cast<std::uint64_t>(l), 0);
      const auto t0 = std::chrono::steady_clock::now();
      for (std::uint64_t r = 0; r < rounds; ++r) {
        ++compact_counts[static_cast<std::size_t>(self_play_round(game, agents, schedule(r), alpha, rng))];
      }
      compact_seconds += seconds_since(t0);
    }
    {
      StringAgents agents;
      RandomStream rng(1, 0xb3, static_cast<std::uint64_t>(l), 0);
      const auto t0 = std::chrono::steady_clock::now();
      for (std::uint64_t r = 0; r < rounds; ++r) {
        ++string_counts[static_cast<std::size_t>(string_round(agents, schedule(r), alpha, rng))];
      }
      string_seconds += seconds_since(t0);
      string_states += agents.x.size() + agents.o.size();
    }
  }
  const double episodes = static_cast<double>(rounds) * learners;
  std::printf("learners %d x rounds %llu (book schedule, alpha %.2g), one thread\n", learners,
              static_cast<unsigned long long>(rounds), alpha);
  std::printf("%-28s %14s %12s   outcomes draw / x / o\n", "representation", "episodes/s", "seconds");
  std::printf("%-28s %14.4g %12.3f   %llu / %llu / %llu\n", "compact (base-3, arrays)", episodes / compact_seconds,
              compact_seconds, static_cast<unsigned long long>(compact_counts[0]),
              static_cast<unsigned long long>(compact_counts[1]), static_cast<unsigned long long>(compact_counts[2]));
  std::printf("%-28s %14.4g %12.3f   %llu / %llu / %llu\n", "string keys, unordered_map", episodes / string_seconds,
              string_seconds, static_cast<unsigned long long>(string_counts[0]),
              static_cast<unsigned long long>(string_counts[1]), static_cast<unsigned long long>(string_counts[2]));
  std::printf("speed-up %.1fx; string tables hold %.0f positions per learner (both agents)\n",
              string_seconds / compact_seconds, static_cast<double>(string_states) / learners);
  if (compact_counts != string_counts) {
    std::printf("FAIL: the two representations played different games\n");
    return 1;
  }
  return 0;
}
