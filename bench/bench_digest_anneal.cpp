// The suite's annealing for the double-digest problem against plain annealing, side by side
// (issue 8), with the steps in between so that each part's gain shows:
//   plain     the book's move only (inversion of a subsequence), the energy change from a full
//             recomputation of (4.15) after every proposal (copy, apply, sort all pieces),
//             geometric cooling with automatic temperatures; restarts are the independent runs.
//   +delta    the same chain with the incremental energy change and the move mix reverse / swap /
//             shift 0.5 / 0.25 / 0.25 (the suite's annealing before issue 8's tuning).
//   +energy   the same with the energy 'unmatched' (pieces of c not reproduced exactly; the same
//             solutions as (4.15)).
//   suite     nnsim-digest's defaults in the orderings space (--space orderings): 'unmatched',
//             replica exchange with 12 replicas on the automatic ladder (hottest accepts an
//             average uphill move with probability 1/2, the coldest the smallest with 1e-6), 100
//             steps per replica between exchanges.
//   pieces    nnsim-digest's defaults: the piece space (--space pieces: an order of the
//             double-digest pieces with A/B labels on the cuts, the energy counting unmatched A
//             and B fragments) with 2 replicas (--replicas auto), otherwise as suite.
// Each configuration makes R independent runs of S steps per instance on one core, stopping at
// the first solution; the figure of merit is the expected wall time per solution found = total
// time / solved runs (a lower bound when nothing is solved: then the ratio is one too).
//   nnsim-bench-digest-anneal [runs] [plain steps] [suite steps] [instances.json] [names...]
// defaults: 16 runs, 16,000,000 steps for plain and +delta, 2,000,000 for +energy and suite,
// data/double-digest-table-4.1.json, L10000 L20000 L40000.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "anneal/annealer.hpp"
#include "anneal/digest.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::anneal;

/// The plain baseline: the book's move set, energy changes by full recomputation.
class PlainDigest {
 public:
  using State = DigestState;
  using Move = DigestMove;
  explicit PlainDigest(const Instance& instance) : digest_(instance, DigestMoveMix::book()) {}
  double energy(const State& s) const { return digest_.energy(s); }
  State random_state(RandomStream& rng) const { return digest_.random_state(rng); }
  Move propose(const State& s, RandomStream& rng) const { return digest_.propose(s, rng); }
  double delta(const State& s, const Move& m) const {
    State after = s;
    digest_.apply(after, m);
    return digest_.energy(after) - digest_.energy(s);
  }
  void apply(State& s, const Move& m) const { digest_.apply(s, m); }

 private:
  DoubleDigest digest_;
};

struct Figures {
  int solved = 0;
  double seconds = 0;
  double steps = 0;
  double per_solution() const { return seconds / (solved > 0 ? solved : 1); }
};

template <class P>
Figures run(const P& problem, const AnnealOptions& options, int runs, std::uint64_t key) {
  Figures f;
  for (int r = 0; r < runs; ++r) {
    RandomStream rng(2026, key, static_cast<std::uint64_t>(r), 0);
    const auto start = std::chrono::steady_clock::now();
    const auto result = minimize(problem, options, rng);
    f.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.steps += static_cast<double>(result.steps);
    f.solved += result.solved ? 1 : 0;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 16;
  const std::uint64_t plain_steps = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 16000000ULL;
  const std::uint64_t suite_steps = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 2000000ULL;
  const std::string path = argc > 4 ? argv[4] : "data/double-digest-table-4.1.json";
  std::vector<std::string> names;
  for (int i = 5; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty()) names = {"L10000", "L20000", "L40000"};
  const auto instances = read_instances_json(path);
  std::printf("# nnsim-bench-digest-anneal: %d runs per instance and configuration, one core, stop at the first solution\n",
              runs);
  std::printf("# reproduce: build/bench/nnsim-bench-digest-anneal %d %llu %llu %s", runs,
              static_cast<unsigned long long>(plain_steps), static_cast<unsigned long long>(suite_steps), path.c_str());
  for (const auto& n : names) std::printf(" %s", n.c_str());
  std::printf("\n%-8s %-8s %10s %7s %12s %14s %10s %16s %14s\n", "instance", "config", "steps/run", "solved", "us/step",
              "steps/solution", "seconds", "s per solution", "plain / this");
  for (const auto& name : names) {
    const Instance* instance = nullptr;
    for (const auto& i : instances) instance = i.name == name ? &i : instance;
    if (!instance) {
      std::fprintf(stderr, "no instance %s in %s\n", name.c_str(), path.c_str());
      return 2;
    }
    const std::uint64_t key = PointKey("bench-digest-anneal").add("instance", name).value();
    AnnealOptions annealing;
    annealing.max_steps = plain_steps;
    AnnealOptions energy = annealing;
    energy.max_steps = suite_steps;
    AnnealOptions suite = energy;
    suite.replica_exchange.replicas = 12;
    suite.initial_acceptance = 0.5;
    suite.final_acceptance = 1e-6;
    AnnealOptions pieces = suite;
    pieces.replica_exchange.replicas = 2;
    struct Config {
      const char* label;
      std::uint64_t steps;
      std::function<Figures()> run;
    };
    const std::vector<Config> configs = {
        {"plain", plain_steps, [&] { return run(PlainDigest(*instance), annealing, runs, key); }},
        {"+delta", plain_steps, [&] { return run(DoubleDigest(*instance), annealing, runs, key); }},
        {"+energy", suite_steps,
         [&] { return run(DoubleDigest(*instance, {}, DigestEnergy::unmatched), energy, runs, key); }},
        {"suite", suite_steps,
         [&] { return run(DoubleDigest(*instance, {}, DigestEnergy::unmatched), suite, runs, key); }},
        {"pieces", suite_steps,
         [&] {
           return run(DoubleDigest(*instance, {}, DigestEnergy::unmatched, DigestSpace::pieces), pieces, runs, key);
         }},
    };
    Figures plain;
    for (const auto& config : configs) {
      const Figures f = config.run();
      if (std::string(config.label) == "plain") plain = f;
      std::printf("%-8s %-8s %10llu %3d/%-3d %12.3f %14.0f %10.2f %15.4f%s", name.c_str(), config.label,
                  static_cast<unsigned long long>(config.steps), f.solved, runs, 1e6 * f.seconds / f.steps,
                  f.steps / (f.solved > 0 ? f.solved : 1), f.seconds, f.per_solution(), f.solved == 0 ? ">" : " ");
      if (std::string(config.label) != "plain") {
        const bool bound = plain.solved == 0 && f.solved > 0;
        if (f.solved == 0) {
          std::printf(" %14s", "n/a");
        } else {
          std::printf(" %13.1f%s", plain.per_solution() / f.per_solution(), bound ? ">" : " ");
        }
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  std::printf("# '>' marks a lower bound: no run of that configuration was solved, so its time per solution is\n"
              "# more than its total time, and the ratio against it more than the figure shown.\n");
}
