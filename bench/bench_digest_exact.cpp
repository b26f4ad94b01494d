// Reach of the exact double-digest enumerator (issue 8): planted instances with n fragments per
// enzyme on a molecule of L = 1000 n. Configurations, each with the same node limit:
//   plain  fragment-by-fragment depth-first search, no memo, symmetry or bound (optional);
//   old    pieces from the left end, memo (std::unordered_map), mirror symmetry, length bound
//          (the default before 2026-12-03);
//   new    the default: pieces from both ends, fail-first end choice, run branches, flat memo;
// and, for comparisons of the choices: e (= new), r (new without run branches), x (without
// memo), a (alternating ends instead of fail-first), f (new, stopping at the first solution).
// A plain program, run by hand:
//   nnsim-bench-digest-exact [n_max] [node_limit] [seeds] [n_min] [n_step] [configs]
// configs is a string of the letters above; default "on". Prints n, seed,
// configuration, maps (a lower bound when not complete: a run branch counts all orders of its
// pieces at once), nodes, seconds, nodes and seconds to the first solution (-1: none), complete;
// the first line is the command with every argument spelled out.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "anneal/digest_exact.hpp"

int main(int argc, char** argv) {
  using namespace nnsim::anneal;
  const int n_max = argc > 1 ? std::atoi(argv[1]) : 30;
  const std::uint64_t node_limit = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20000000ULL;
  const int seeds = argc > 3 ? std::atoi(argv[3]) : 3;
  const int n_min = argc > 4 ? std::atoi(argv[4]) : 10;
  const int n_step = argc > 5 ? std::atoi(argv[5]) : 5;
  const std::string configs = argc > 6 ? argv[6] : "on";
  // The command that reproduces this table, with every argument spelled out.
  std::printf("# %s %d %llu %d %d %d %s\n", argv[0], n_max, static_cast<unsigned long long>(node_limit), seeds, n_min,
              n_step, configs.c_str());
  std::printf("%4s %4s %-14s %20s %12s %10s %12s %10s %s\n", "n", "seed", "config", "maps", "nodes", "seconds",
              "first_nodes", "first_s", "complete");
  for (int n = n_min; n <= n_max; n += n_step) {
    for (int seed = 0; seed < seeds; ++seed) {
      nnsim::RandomStream rng(static_cast<std::uint64_t>(seed), 0xd16e57, static_cast<std::uint64_t>(n), 0);
      const PlantedInstance planted = planted_instance("n" + std::to_string(n), 1000LL * n, n, n, rng);
      for (const char config : configs) {
        ExactOptions options;
        const char* name = "new";
        if (config == 'p') {
          name = "plain";
          options.method = ExactOptions::Method::fragments;
          options.use_memo = options.use_symmetry = options.use_bounds = false;
        } else if (config == 'o') {
          name = "old";
          options.method = ExactOptions::Method::pieces;
          options.flat_memo = false;
        } else if (config == 'e') {
          name = "ends";
          options.method = ExactOptions::Method::ends;
        } else if (config == 'x') {
          name = "ends-nomemo";
          options.method = ExactOptions::Method::ends;
          options.use_memo = false;
        } else if (config == 'r') {
          name = "ends-no-runs";
          options.use_runs = false;
        } else if (config == 'f') {
          name = "new-first";
          options.stop_at_first_solution = true;
        } else if (config == 'a') {
          name = "ends-alternate";
          options.method = ExactOptions::Method::ends;
          options.fail_first = false;
        } else if (config != 'n') {
          std::fprintf(stderr, "unknown configuration '%c' (p, o, n, e, r, x, a or f)\n", config);
          return 2;
        }
        options.node_limit = node_limit;
        options.max_listed = 0;
        options.memo_capacity = std::size_t{1} << 23;
        const ExactResult result = enumerate_solutions(planted.instance, options);
        std::printf("%4d %4d %-14s %20llu %12llu %10.3f %12llu %10.4f %s\n", n, seed, name,
                    static_cast<unsigned long long>(result.map_count),
                    static_cast<unsigned long long>(result.nodes),
                    result.seconds, static_cast<unsigned long long>(result.first_solution_nodes),
                    result.first_solution_seconds, result.complete                  ? "yes"
                    : options.stop_at_first_solution ? "no (stopped at the first solution)"
                                                     : "no (node limit)");
        std::fflush(stdout);
      }
    }
  }
}
