// The exact enumerator: counts of the Table 4.1 instances under the three conventions, agreement
// of the plain and the improved search, planted solutions found.
#include "anneal/digest_exact.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "book_instances.hpp"

namespace nnsim::anneal {
namespace {

void check_solution_set(const Instance& instance, const ExactResult& result) {
  ASSERT_TRUE(result.complete);
  ASSERT_TRUE(result.listing_complete);
  ASSERT_EQ(result.maps.size(), result.map_count);
  const std::set<RestrictionMap> distinct(result.maps.begin(), result.maps.end());
  EXPECT_EQ(distinct.size(), result.maps.size()) << "maps are not distinct";
  for (const RestrictionMap& map : result.maps) {
    EXPECT_TRUE(verify_map(instance, map)) << format_map(map, instance.L);
    EXPECT_TRUE(distinct.count(mirror(map, instance.L))) << "mirror image missing";
  }
  EXPECT_GE(result.ordered_pairs, result.map_count);
  EXPECT_GE(result.map_count, result.mirror_classes);
  EXPECT_EQ(2 * result.mirror_classes - result.palindromes, result.map_count);
  EXPECT_EQ(result.ordered_pairs, result.map_count * orderings_per_map(instance));
}

TEST(DigestExact, BookInstancesCounts) {
  // Ordered pairs (sigma, mu), distinct maps, maps up to mirror. The first two instances are
  // also counted by brute force over all permutation pairs in test_digest_energy.
  const std::uint64_t expected[3][3] = {{24, 24, 12}, {72, 72, 36}, {4, 4, 2}};
  const auto instances = testing::book_instances();
  for (std::size_t k = 0; k < instances.size(); ++k) {
    const Instance& instance = instances[k];
    const ExactResult result = enumerate_solutions(instance);
    std::printf("%s: %llu ordered pairs (sigma, mu), %llu maps, %llu maps up to mirror (%llu palindromic); "
                "%llu nodes, %.4f s\n",
                instance.name.c_str(), static_cast<unsigned long long>(result.ordered_pairs),
                static_cast<unsigned long long>(result.map_count), static_cast<unsigned long long>(result.mirror_classes),
                static_cast<unsigned long long>(result.palindromes), static_cast<unsigned long long>(result.nodes),
                result.seconds);
    for (const auto& map : result.maps) {
      if (canonical_mirror(map, instance.L) == map) std::printf("  %s\n", format_map(map, instance.L).c_str());
    }
    check_solution_set(instance, result);
    EXPECT_EQ(result.ordered_pairs, expected[k][0]) << instance.name;
    EXPECT_EQ(result.map_count, expected[k][1]) << instance.name;
    EXPECT_EQ(result.mirror_classes, expected[k][2]) << instance.name;
  }
}

std::vector<Instance> small_instances() {
  std::vector<Instance> instances = testing::book_instances();
  instances.push_back({"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}});
  instances.push_back({"palindrome", 10, {2, 6, 2}, {5, 5}, {2, 3, 3, 2}});
  RandomStream rng(17, 8, 4, 0);
  for (int k = 0; k < 6; ++k) instances.push_back(planted_instance("coincident", 25, 5, 6, rng, true).instance);
  return instances;
}

TEST(DigestExact, PlainAndImprovedSearchAgree) {
  for (const Instance& instance : small_instances()) {
    SCOPED_TRACE(instance.name);
    ExactOptions plain;
    plain.use_memo = false;
    plain.use_symmetry = false;
    plain.use_bounds = false;
    plain.method = ExactOptions::Method::fragments;
    const ExactResult reference = enumerate_solutions(instance, plain);
    check_solution_set(instance, reference);
    for (int variant = 0; variant < 8; ++variant) {
      ExactOptions options;
      options.method = variant & 4 ? ExactOptions::Method::fragments : ExactOptions::Method::pieces;
      options.use_memo = variant & 1;
      options.use_bounds = variant & 2;
      const ExactResult result = enumerate_solutions(instance, options);
      check_solution_set(instance, result);
      EXPECT_EQ(result.maps, reference.maps);
    }
  }
  // A palindromic map counts once among the maps and forms its own mirror class.
  const ExactResult palindrome = enumerate_solutions({"palindrome", 10, {2, 6, 2}, {5, 5}, {2, 3, 3, 2}});
  EXPECT_EQ(palindrome.map_count, 1u);
  EXPECT_EQ(palindrome.palindromes, 1u);
  EXPECT_EQ(palindrome.ordered_pairs, 4u);  // 2! for the two 2s, 2! for the two 5s
}

TEST(DigestExact, CountsBeyondTheListAndNodeLimit) {
  const Instance instance = testing::book_instances()[1];
  ExactOptions options;
  options.max_listed = 10;
  const ExactResult capped = enumerate_solutions(instance, options);
  EXPECT_EQ(capped.map_count, 72u);
  EXPECT_EQ(capped.maps.size(), 10u);
  EXPECT_FALSE(capped.listing_complete);
  EXPECT_TRUE(capped.complete);
  options.node_limit = 20;
  const ExactResult stopped = enumerate_solutions(instance, options);
  EXPECT_FALSE(stopped.complete);
  EXPECT_LE(stopped.nodes, 20u);
}

TEST(DigestExact, PlantedMapIsFound) {
  RandomStream rng(23, 8, 5, 0);
  for (int trial = 0; trial < 12; ++trial) {
    // 6 .. 10 fragments per enzyme: enough solutions to list (at 12, some planted instances have
    // millions of maps).
    const int n = 6 + trial % 5;
    const PlantedInstance planted = planted_instance("planted", 1000LL * n, n, n + trial % 2, rng, trial % 3 == 0);
    const ExactResult result = enumerate_solutions(planted.instance);
    check_solution_set(planted.instance, result);
    EXPECT_TRUE(std::binary_search(result.maps.begin(), result.maps.end(), planted.planted))
        << format_instance_text(planted.instance);
  }
}

}  // namespace
}  // namespace nnsim::anneal
