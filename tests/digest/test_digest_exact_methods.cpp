// The two-ended search (ExactOptions::Method::ends, the default) against the plain depth-first
// search: identical map lists and counts on many small random planted instances (coincident cuts,
// repeated lengths), the Table 4.1 counts under every switch, counting past the listing cap, and
// the time to the first solution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "anneal/digest_exact.hpp"
#include "book_instances.hpp"

namespace nnsim::anneal {
namespace {

ExactOptions plain_options() {
  ExactOptions plain;
  plain.method = ExactOptions::Method::fragments;
  plain.use_memo = plain.use_symmetry = plain.use_bounds = false;
  return plain;
}

/// Every switch combination of the ends search: memo, symmetry, bound, fail-first, flat table,
/// run branches.
std::vector<ExactOptions> ends_variants() {
  std::vector<ExactOptions> variants;
  for (int bits = 0; bits < 64; ++bits) {
    ExactOptions options;
    options.method = ExactOptions::Method::ends;
    options.use_memo = bits & 1;
    options.use_symmetry = bits & 2;
    options.use_bounds = bits & 4;
    options.fail_first = bits & 8;
    options.flat_memo = bits & 16;
    options.use_runs = bits & 32;
    if (!options.use_memo && !options.flat_memo) continue;  // the table type is moot without a memo
    variants.push_back(options);
  }
  return variants;
}

void expect_same_solutions(const Instance& instance, const ExactResult& reference, const ExactResult& result) {
  ASSERT_TRUE(result.complete);
  ASSERT_TRUE(result.listing_complete);
  EXPECT_EQ(result.maps, reference.maps) << format_instance_text(instance);
  EXPECT_EQ(result.map_count, reference.map_count);
  EXPECT_EQ(result.ordered_pairs, reference.ordered_pairs);
  EXPECT_EQ(result.mirror_classes, reference.mirror_classes);
  EXPECT_EQ(result.palindromes, reference.palindromes);
}

/// The instance of a map (lists in decreasing order, as planted_instance writes them).
PlantedInstance instance_of(std::string name, Length L, RestrictionMap map) {
  PlantedInstance planted;
  const auto decreasing = [](std::vector<Length> list) {
    std::sort(list.rbegin(), list.rend());
    return list;
  };
  planted.instance = {std::move(name), L, decreasing(fragments_from_cuts(map.a_cuts, L)),
                      decreasing(fragments_from_cuts(map.b_cuts, L)), decreasing(double_digest(map, L))};
  planted.planted = std::move(map);
  return planted;
}

/// Small planted instances: few sites per fragment, so repeated lengths and (when allowed)
/// coincident cuts are common; 2 to 6 fragments per enzyme, unequal counts included. Every
/// fifth planted map is a palindrome (cuts symmetric about L / 2).
std::vector<PlantedInstance> random_planted(int count) {
  RandomStream rng(2026, 12, 3, 0);
  std::vector<PlantedInstance> planted;
  for (int k = 0; k < count; ++k) {
    const int n_a = 2 + static_cast<int>(rng.below(5));
    const int n_b = 2 + static_cast<int>(rng.below(5));
    const bool coincident = k % 3 != 0;
    const Length L = (k % 3 == 0 ? 2 : 3) * (n_a + n_b) + static_cast<Length>(rng.below(6));
    const std::string name = "random" + std::to_string(k);
    if (k % 5 == 4) {
      RestrictionMap half = planted_instance(name, L, n_a, n_b, rng, true).planted;
      RestrictionMap map;
      for (const Length x : half.a_cuts) {
        if (2 * x <= L) map.a_cuts.insert(map.a_cuts.end(), {x, L - x});
      }
      for (const Length x : half.b_cuts) {
        if (2 * x <= L) map.b_cuts.insert(map.b_cuts.end(), {x, L - x});
      }
      for (auto* cuts : {&map.a_cuts, &map.b_cuts}) {
        std::sort(cuts->begin(), cuts->end());
        cuts->erase(std::unique(cuts->begin(), cuts->end()), cuts->end());
      }
      planted.push_back(instance_of(name, L, std::move(map)));
    } else {
      planted.push_back(planted_instance(name, L, n_a, n_b, rng, coincident));
    }
  }
  return planted;
}

TEST(DigestExactMethods, EndsAgreesWithPlainSearchOnRandomInstances) {
  int with_repeats = 0, with_coincidences = 0, with_palindromes = 0, with_many_maps = 0;
  for (const PlantedInstance& planted : random_planted(200)) {
    const Instance& instance = planted.instance;
    SCOPED_TRACE(format_instance_text(instance));
    const ExactResult reference = enumerate_solutions(instance, plain_options());
    ASSERT_TRUE(reference.listing_complete);
    ASSERT_TRUE(std::binary_search(reference.maps.begin(), reference.maps.end(), planted.planted));
    with_repeats += std::set<Length>(instance.a.begin(), instance.a.end()).size() < instance.a.size();
    with_coincidences += instance.c.size() < instance.piece_count();
    with_palindromes += reference.palindromes > 0;
    with_many_maps += reference.map_count >= 10;
    for (const ExactOptions& options : ends_variants()) {
      expect_same_solutions(instance, reference, enumerate_solutions(instance, options));
    }
    // The default is the ends search.
    expect_same_solutions(instance, reference, enumerate_solutions(instance));
  }
  std::printf("%d instances with repeated A lengths, %d with coincident cuts, %d with palindromic maps, %d with >= 10 "
              "maps\n",
              with_repeats, with_coincidences, with_palindromes, with_many_maps);
  // The sample must exercise what it claims to.
  EXPECT_GE(with_repeats, 20);
  EXPECT_GE(with_coincidences, 20);
  EXPECT_GE(with_palindromes, 3);
  EXPECT_GE(with_many_maps, 10);
}

TEST(DigestExactMethods, EndsAgreesWithPiecesSearchOnLargerInstances) {
  // 8-11 fragments per enzyme on L = 1000 n: too slow for the plain search in a test, so the
  // reference is the left-to-right pieces search (itself checked against the plain one).
  RandomStream rng(99, 12, 3, 1);
  for (int k = 0; k < 8; ++k) {
    const int n = 8 + k % 4;
    const PlantedInstance planted = planted_instance("planted", 1000LL * n, n, n + k % 2, rng, k % 3 == 0);
    SCOPED_TRACE(format_instance_text(planted.instance));
    ExactOptions pieces;
    pieces.method = ExactOptions::Method::pieces;
    const ExactResult reference = enumerate_solutions(planted.instance, pieces);
    const ExactResult result = enumerate_solutions(planted.instance);
    expect_same_solutions(planted.instance, reference, result);
    EXPECT_TRUE(std::binary_search(result.maps.begin(), result.maps.end(), planted.planted));
  }
}

TEST(DigestExactMethods, BookInstancesUnderEverySwitch) {
  const std::uint64_t expected[3][3] = {{24, 24, 12}, {72, 72, 36}, {4, 4, 2}};
  const auto instances = testing::book_instances();
  for (std::size_t k = 0; k < instances.size(); ++k) {
    for (const ExactOptions& options : ends_variants()) {
      const ExactResult result = enumerate_solutions(instances[k], options);
      ASSERT_TRUE(result.listing_complete) << instances[k].name;
      EXPECT_EQ(result.ordered_pairs, expected[k][0]) << instances[k].name;
      EXPECT_EQ(result.map_count, expected[k][1]) << instances[k].name;
      EXPECT_EQ(result.mirror_classes, expected[k][2]) << instances[k].name;
      for (const RestrictionMap& map : result.maps) EXPECT_TRUE(verify_map(instances[k], map));
    }
  }
}

TEST(DigestExactMethods, CountingPastTheListingCap) {
  // Once nothing more is listed, memoised counts are reused: the count must not change.
  RandomStream rng(5, 12, 3, 2);
  int checked = 0;
  for (int k = 0; k < 6; ++k) {
    const int n = 8 + k % 3;
    const PlantedInstance planted = planted_instance("planted", 1000LL * n, n, n, rng);
    const ExactResult listed = enumerate_solutions(planted.instance);
    ASSERT_TRUE(listed.listing_complete);
    for (const std::size_t cap : {std::size_t{0}, std::size_t{3}}) {
      ExactOptions options;
      options.max_listed = cap;
      const ExactResult counted = enumerate_solutions(planted.instance, options);
      EXPECT_EQ(counted.map_count, listed.map_count);
      EXPECT_EQ(counted.ordered_pairs, listed.ordered_pairs);
      EXPECT_LE(counted.maps.size(), cap);
      EXPECT_EQ(counted.listing_complete, listed.map_count <= cap);
      if (listed.map_count > cap) ++checked;
    }
  }
  EXPECT_GE(checked, 6);
}

TEST(DigestExactMethods, FirstSolutionAndStopping) {
  const Instance instance = testing::book_instances()[1];
  const ExactResult full = enumerate_solutions(instance);
  EXPECT_GT(full.first_solution_nodes, 0u);
  EXPECT_LE(full.first_solution_nodes, full.nodes);
  EXPECT_GE(full.first_solution_seconds, 0.0);
  EXPECT_LE(full.first_solution_seconds, full.seconds);

  ExactOptions first_only;
  first_only.stop_at_first_solution = true;
  const ExactResult first = enumerate_solutions(instance, first_only);
  EXPECT_FALSE(first.complete);
  EXPECT_GE(first.map_count, 1u);
  ASSERT_FALSE(first.maps.empty());
  EXPECT_TRUE(verify_map(instance, first.maps.front()));
  EXPECT_EQ(first.first_solution_nodes, full.first_solution_nodes);
  EXPECT_LE(first.nodes, full.nodes);

  // A valid instance without a solution: no first solution, nothing listed.
  const ExactResult none = enumerate_solutions({"none", 10, {5, 5}, {3, 7}, {4, 1, 5}});
  EXPECT_TRUE(none.complete);
  EXPECT_EQ(none.map_count, 0u);
  EXPECT_LT(none.first_solution_seconds, 0.0);
  EXPECT_EQ(none.first_solution_nodes, 0u);

  // The node limit ends the ends search too, with lower-bound counts.
  ExactOptions limited;
  limited.node_limit = 10;
  const ExactResult stopped = enumerate_solutions(instance, limited);
  EXPECT_FALSE(stopped.complete);
  EXPECT_LE(stopped.nodes, 10u);
  EXPECT_LE(stopped.map_count, full.map_count);
}

}  // namespace
}  // namespace nnsim::anneal
