// Instances: validation, JSON and command-line input, maps, the planted generator.
#include "anneal/digest_instance.hpp"

#include <gtest/gtest.h>

#include "book_instances.hpp"
#include "core/error.hpp"

namespace nnsim::anneal {
namespace {

/// The UsageError message of validate(), or "" if valid.
std::string validation_error(const Instance& instance) {
  try {
    instance.validate();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(DigestInstance, BookInstancesAreValid) {
  for (const Instance& instance : testing::book_instances()) EXPECT_EQ(validation_error(instance), "");
}

TEST(DigestInstance, ValidationNamesInstanceListAndReason) {
  const Instance good = testing::book_instances()[0];
  Instance bad = good;
  bad.b[3] -= 1;
  EXPECT_EQ(validation_error(bad), "instance 'L10000': list b sums to 9999, not L = 10000");
  bad = good;
  bad.a[4] = 0;
  bad.a[0] += 42;
  EXPECT_EQ(validation_error(bad), "instance 'L10000': list a entry 5 is 0, lengths must be positive integers");
  bad = good;
  bad.c[0] = -4513;
  EXPECT_NE(validation_error(bad).find("list c entry 1 is -4513"), std::string::npos);
  bad = good;
  bad.b.clear();
  EXPECT_EQ(validation_error(bad), "instance 'L10000': list b is empty");
  bad = good;
  bad.L = 0;
  EXPECT_NE(validation_error(bad).find("instance 'L10000': L = 0"), std::string::npos);
  // |c| > |a| + |b| - 1: one piece too many.
  bad = good;
  bad.c = {4513, 1543, 1319, 1120, 607, 514, 342, 21, 21};
  EXPECT_NE(validation_error(bad).find("instance 'L10000': list c has 9 fragments"), std::string::npos);
  // |c| < max(|a|, |b|).
  bad = good;
  bad.c = {5000, 5000};
  bad.a = {2000, 2000, 2000, 2000, 2000};
  EXPECT_NE(validation_error(bad).find("list c has 2 fragments"), std::string::npos);
}

TEST(DigestInstance, ReadsTheTable41File) {
  const auto instances = read_instances_json(NNSIM_SOURCE_DIR "/tests/digest/double-digest-table-4.1.json");
  const auto expected = testing::book_instances();
  ASSERT_EQ(instances.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(instances[k].name, expected[k].name);
    EXPECT_EQ(instances[k].L, expected[k].L);
    EXPECT_EQ(instances[k].a, expected[k].a);
    EXPECT_EQ(instances[k].b, expected[k].b);
    EXPECT_EQ(instances[k].c, expected[k].c);
  }
}

std::string json_error(const std::string& text) {
  try {
    parse_instances_json(text, "t.json");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(DigestInstance, JsonInstanceErrors) {
  EXPECT_EQ(json_error(R"({"name": "x", "L": 10, "a": [10], "b": [4, 6], "c": [4, 6], "note": [1, "y"]})"), "");
  EXPECT_EQ(json_error(R"({"name": "x", "L": 10, "a": [10], "b": [4, 6], "c": [4, 5]})"),
            "instance 'x': list c sums to 9, not L = 10");
  EXPECT_EQ(json_error(R"({"name": "x", "L": 10, "a": [10], "b": [4, 6]})"), "instance 'x': missing \"c\"");
  EXPECT_EQ(json_error(R"({"name": "x", "L": 10, "a": [10], "b": [4.5, 5.5], "c": [4, 6]})"),
            "instance 'x': list b entry 1: line 1, column 41: expected an integer, got 4.5");
  EXPECT_EQ(json_error(R"({"name": "x", "L": 10, "a": 10, "b": [4, 6], "c": [4, 6]})"),
            "instance 'x': list a must be an array of integers, got number");
  EXPECT_EQ(json_error("{\"instances\": [\n {\"name\": \"x\", \"L\": 10,}\n]}"),
            "t.json:2:24: trailing comma in an object");
}

TEST(DigestInstance, CommandLineText) {
  const Instance instance = parse_instance_text(
      "name=L10000; L=10000; a=5976,1543,1319,1120,42; b=4513,2823,2057,607; c=4513,1543,1319,1120,607,514,342,42");
  const Instance book = testing::book_instances()[0];
  EXPECT_EQ(instance.name, "L10000");
  EXPECT_EQ(instance.a, book.a);
  EXPECT_EQ(instance.b, book.b);
  EXPECT_EQ(instance.c, book.c);
  const Instance again = parse_instance_text(format_instance_text(book));
  EXPECT_EQ(again.c, book.c);
  EXPECT_EQ(parse_instance_text("L=10;a=10;b=4,6;c=4,6").name, "cmdline");
  auto error = [](const char* text) {
    try {
      parse_instance_text(text);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("L=10;a=10;b=4,6").find("missing key 'c'"), std::string::npos);
  EXPECT_NE(error("L=10;a=10;b=4,x;c=4,6").find("list b entry 2: 'x' is not an integer"), std::string::npos);
  EXPECT_NE(error("L=10;a=10;b=4,6;c=4,6;d=1").find("unknown key 'd'"), std::string::npos);
  EXPECT_NE(error("L=10;a=10;a=10;b=4,6;c=4,6").find("key 'a' repeated"), std::string::npos);
  EXPECT_NE(error("L=10;a=10;b=4,,6;c=4,6").find("list b entry 2"), std::string::npos);
  EXPECT_EQ(error("name=q;L=10;a=10;b=4,5;c=4,6"), "instance 'q': list b sums to 9, not L = 10");
}

TEST(DigestInstance, MapsMirrorAndVerification) {
  const Instance book = testing::book_instances()[0];
  const RestrictionMap map = map_from_sequences({42, 1120, 1319, 5976, 1543}, {2823, 607, 4513, 2057});
  EXPECT_EQ(map.a_cuts, (std::vector<Length>{42, 1162, 2481, 8457}));
  EXPECT_TRUE(verify_map(book, map));
  const RestrictionMap reflected = mirror(map, book.L);
  EXPECT_EQ(reflected.a_cuts, (std::vector<Length>{1543, 7519, 8838, 9958}));
  EXPECT_TRUE(verify_map(book, reflected));
  EXPECT_EQ(mirror(reflected, book.L), map);
  EXPECT_EQ(canonical_mirror(map, book.L), canonical_mirror(reflected, book.L));
  EXPECT_EQ(canonical_mirror(map, book.L), map);  // 42 < 1543
  const RestrictionMap wrong = map_from_sequences({1120, 42, 1319, 1543, 5976}, {2823, 607, 4513, 2057});
  EXPECT_FALSE(verify_map(book, wrong));
  // Double digest with a coincident cut: one cut, no zero piece.
  EXPECT_EQ(double_digest({{3, 6, 9}, {2, 6, 8}}, 12), (std::vector<Length>{2, 1, 3, 2, 1, 3}));
  const Instance repeats{"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}};
  EXPECT_EQ(orderings_per_map(repeats), 24u * 2u * 2u);
  EXPECT_EQ(orderings_per_map(book), 1u);
}

TEST(DigestInstance, PlantedGenerator) {
  for (const bool coincident : {false, true}) {
    RandomStream rng(5, 8, coincident, 0);
    RandomStream same(5, 8, coincident, 0);
    for (int trial = 0; trial < 50; ++trial) {
      const PlantedInstance planted = planted_instance("p", 60, 8, 9, rng, coincident);
      const PlantedInstance replay = planted_instance("p", 60, 8, 9, same, coincident);
      EXPECT_EQ(planted.planted, replay.planted);
      EXPECT_EQ(planted.instance.c, replay.instance.c);
      EXPECT_TRUE(verify_map(planted.instance, planted.planted));
      EXPECT_EQ(planted.instance.a.size(), 8u);
      EXPECT_EQ(planted.instance.b.size(), 9u);
      EXPECT_TRUE(std::is_sorted(planted.instance.c.rbegin(), planted.instance.c.rend()));
      if (!coincident) {
        EXPECT_EQ(planted.instance.c.size(), 16u);
      }
    }
  }
  RandomStream rng(1, 2, 3, 4);
  EXPECT_THROW(planted_instance("tiny", 10, 6, 6, rng), UsageError);
}

}  // namespace
}  // namespace nnsim::anneal
