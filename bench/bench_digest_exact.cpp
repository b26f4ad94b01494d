// Reach of the exact double-digest enumerator (issue 8): planted instances with n fragments per
// enzyme on a molecule of L = 1000 n, the plain depth-first search (no memo, no mirror symmetry)
// against the full method, each with a node limit. A plain program, run by hand:
//   nnsim-bench-digest-exact [n_max] [node_limit] [seeds] [n_min] [n_step]
// prints n, seed, method, maps, nodes, seconds, complete.
#include <cstdio>
#include <cstdlib>

#include "anneal/digest_exact.hpp"

int main(int argc, char** argv) {
  using namespace nnsim::anneal;
  const int n_max = argc > 1 ? std::atoi(argv[1]) : 30;
  const std::uint64_t node_limit = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20000000ULL;
  const int seeds = argc > 3 ? std::atoi(argv[3]) : 3;
  const int n_min = argc > 4 ? std::atoi(argv[4]) : 10;
  const int n_step = argc > 5 ? std::atoi(argv[5]) : 5;
  std::printf("%4s %4s %-6s %14s %14s %10s %s\n", "n", "seed", "method", "maps", "nodes", "seconds", "complete");
  for (int n = n_min; n <= n_max; n += n_step) {
    for (int seed = 0; seed < seeds; ++seed) {
      nnsim::RandomStream rng(static_cast<std::uint64_t>(seed), 0xd16e57, static_cast<std::uint64_t>(n), 0);
      const PlantedInstance planted = planted_instance("n" + std::to_string(n), 1000LL * n, n, n, rng);
      for (const bool full : {false, true}) {
        ExactOptions options;
        options.use_memo = full;
        options.use_symmetry = full;
        options.use_bounds = full;
        options.method = full ? ExactOptions::Method::pieces : ExactOptions::Method::fragments;
        options.node_limit = node_limit;
        options.max_listed = 0;
        options.memo_capacity = std::size_t{1} << 23;
        const ExactResult result = enumerate_solutions(planted.instance, options);
        std::printf("%4d %4d %-6s %14llu %14llu %10.3f %s\n", n, seed, full ? "full" : "plain",
                    static_cast<unsigned long long>(result.map_count), static_cast<unsigned long long>(result.nodes),
                    result.seconds, result.complete ? "yes" : "no (node limit)");
        std::fflush(stdout);
      }
    }
  }
}
