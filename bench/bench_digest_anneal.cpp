// The suite's annealing for the double-digest problem against plain annealing, side by side
// (issue 8). Plain: the book's move only (inversion of a subsequence), the energy change from a
// full recomputation of (4.15) after every proposal (copy, apply, sort all pieces), geometric
// cooling with automatic temperatures; restarts are the independent runs. The suite: the same
// engine with the incremental energy change and the move mix reverse/swap/shift 0.5/0.25/0.25.
// Both run R independent runs of S steps per instance, one core, stopping at the first solution;
// the figure of merit is the expected wall time per solution found = total time / solved runs.
//   nnsim-bench-digest-anneal [runs] [steps] [instances.json] [names...]
// defaults: 20 runs, 2,000,000 steps, data/double-digest-table-4.1.json, L10000 L20000 L40000.
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
};

template <class P>
Figures run(const P& problem, int runs, std::uint64_t steps, std::uint64_t key) {
  AnnealOptions options;
  options.max_steps = steps;
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
  const int runs = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::uint64_t steps = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2000000ULL;
  const std::string path = argc > 3 ? argv[3] : "data/double-digest-table-4.1.json";
  std::vector<std::string> names;
  for (int i = 4; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty()) names = {"L10000", "L20000", "L40000"};
  const auto instances = read_instances_json(path);
  std::printf("# nnsim-bench-digest-anneal %d runs x %llu steps per instance and method, one core\n", runs,
              static_cast<unsigned long long>(steps));
  std::printf("%-8s %-6s %7s %12s %10s %16s %16s\n", "instance", "method", "solved", "us/step", "seconds",
              "s per solution", "plain / suite");
  for (const auto& name : names) {
    const Instance* instance = nullptr;
    for (const auto& i : instances) instance = i.name == name ? &i : instance;
    if (!instance) {
      std::fprintf(stderr, "no instance %s in %s\n", name.c_str(), path.c_str());
      return 2;
    }
    const std::uint64_t key = PointKey("bench-digest-anneal").add("instance", name).value();
    const Figures plain = run(PlainDigest(*instance), runs, steps, key);
    const Figures suite = run(DoubleDigest(*instance), runs, steps, key);
    auto per_solution = [](const Figures& f) { return f.solved > 0 ? f.seconds / f.solved : 1.0 / 0.0; };
    for (const auto& [label, f] : {std::pair{"plain", plain}, std::pair{"suite", suite}}) {
      std::printf("%-8s %-6s %3d/%-3d %12.3f %10.2f %16.4f", name.c_str(), label, f.solved, runs,
                  1e6 * f.seconds / f.steps, f.seconds, per_solution(f));
      if (std::string(label) == "suite") {
        if (plain.solved > 0 && suite.solved > 0) {
          std::printf(" %16.2f", per_solution(plain) / per_solution(suite));
        } else {
          std::printf(" %16s", "n/a (unsolved)");
        }
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  std::printf("# reproduce: build/bench/nnsim-bench-digest-anneal %d %llu %s\n", runs,
              static_cast<unsigned long long>(steps), path.c_str());
}
