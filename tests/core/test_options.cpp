#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/grid.hpp"
#include "core/options.hpp"

using namespace nnsim;

TEST(Grid, RangeIncludesBothEndsAndReadsLikeTypedNumbers) {
  const auto v = parse_real_grid("0.05:0.5:0.05", "alpha");
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v.front(), 0.05);
  EXPECT_EQ(v[2], 0.15);  // not 0.15000000000000002
  EXPECT_EQ(v[5], 0.3);
  EXPECT_EQ(v.back(), 0.5);
}

TEST(Grid, ListsAndMixedSegments) {
  EXPECT_EQ(parse_integer_grid("1000,4000", "N"), (std::vector<std::int64_t>{1000, 4000}));
  EXPECT_EQ(parse_integer_grid("100,200:600:200", "N"), (std::vector<std::int64_t>{100, 200, 400, 600}));
  EXPECT_EQ(parse_real_grid("0.1", "alpha"), (std::vector<double>{0.1}));
  EXPECT_EQ(parse_real_grid("1:2:0.4", "x"), (std::vector<double>{1, 1.4, 1.8}));  // 2 is off the grid
}

TEST(Grid, MalformedInputNamesTheOption) {
  for (const std::string bad : {"", "a", "1,,2", "1:2", "1:2:0", "2:1:1", "1:2:-1", "0.1:0.2:x", "1e999"}) {
    try {
      parse_real_grid(bad, "alpha");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--alpha"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_integer_grid("10.5", "N"), UsageError);
  EXPECT_THROW(parse_integer_grid("0:1:0.5", "N"), UsageError);
}

namespace {
struct Fixture {
  CommonOptions common;
  double alpha = 0.1;
  po::options_description all;
  Fixture() {
    po::options_description own("model");
    own.add_options()("alpha", po::value(&alpha)->default_value(0.1, "0.1"), "load");
    all.add(own).add(common_options(common, "out.h5", 100, "samples"));
  }
  ParsedOptions parse(std::vector<std::string> args) {
    args.insert(args.begin(), "prog");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_options(static_cast<int>(argv.size()), argv.data(), all);
  }
};
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Options, UnknownMissingAndMalformedValuesAreUsageErrors) {
  Fixture f;
  EXPECT_NE(message_of([&] { f.parse({"--bogus"}); }).find("bogus"), std::string::npos);
  EXPECT_NE(message_of([&] { f.parse({"--alpha"}); }).find("alpha"), std::string::npos);
  EXPECT_NE(message_of([&] { f.parse({"--alpha", "abc"}); }).find("alpha"), std::string::npos);
  EXPECT_NE(message_of([&] { f.parse({"--seed", "-3"}); }).find("seed"), std::string::npos);
  // abbreviations are not guessed
  EXPECT_NE(message_of([&] { f.parse({"--alp", "0.2"}); }).find("alp"), std::string::npos);
}

TEST(Options, CommandLineWinsOverConfigFileAndDefaultsApply) {
  const auto dir = std::filesystem::temp_directory_path() / "nnsim_test_options";
  std::filesystem::create_directories(dir);
  const auto ini = (dir / "run.ini").string();
  std::ofstream(ini) << "# a comment\nalpha = 0.3\nseed = 17\nforce = true\n";
  Fixture f;
  f.parse({"--config", ini, "--seed", "99"});
  EXPECT_EQ(f.alpha, 0.3);
  EXPECT_EQ(f.common.seed, 99u);
  EXPECT_TRUE(f.common.force);
  EXPECT_EQ(f.common.output, "out.h5");

  std::ofstream(ini) << "alhpa = 0.3\n";
  Fixture g;
  EXPECT_NE(message_of([&] { g.parse({"--config", ini}); }).find("alhpa"), std::string::npos);
  Fixture h;
  EXPECT_NE(message_of([&] { h.parse({"--config", (dir / "missing.ini").string()}); }).find("missing.ini"),
            std::string::npos);
}

TEST(Options, RequireNamesOptionRangeAndValue) {
  const auto m = message_of([] { require(false, "alpha", "in (0, 10]", 17.5); });
  EXPECT_EQ(m, "--alpha must be in (0, 10], got 17.5");
  EXPECT_EQ(message_of([] { require(true, "alpha", "x", 1); }), "");
}

TEST(Options, JsonHasEveryResultParameterAndLeavesOutRunControl) {
  Fixture f;
  const auto parsed = f.parse({"--alpha", "0.25", "--threads", "3", "--seed", "8"});
  const auto results = options_json(f.all, parsed.values, true);
  EXPECT_EQ(results, R"({"alpha":0.25,"seed":8,"samples":100,"first-sample":0})");
  EXPECT_EQ(options_json(f.all, parsed.values, true, {"samples", "alpha"}), R"({"seed":8,"first-sample":0})");
  const auto full = options_json(f.all, parsed.values, false);
  EXPECT_NE(full.find(R"("threads":3)"), std::string::npos);
  EXPECT_NE(full.find(R"("output":"out.h5")"), std::string::npos);
}

TEST(Options, HelpListsEveryOptionWithDefault) {
  Fixture f;
  const auto text = help_text("prog", "summary", f.all);
  for (const std::string name : {"--alpha", "--seed", "--output", "--force", "--resume", "--time-limit", "--threads",
                                 "--quiet", "--config", "--checkpoint-interval"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
  EXPECT_NE(text.find("(=0.1)"), std::string::npos);
  EXPECT_NE(text.find("(=1)"), std::string::npos) << "the default seed";
}

TEST(Options, ConfigDirectoryCycleAndMissingIncludeAreErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "nnsim_test_options_nested";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "sub");
  Fixture a;
  EXPECT_NE(message_of([&] { a.parse({"--config", dir.string()}); }).find("is a directory"), std::string::npos);

  // A nested file is read relative to the including one; the including file wins.
  std::ofstream((dir / "outer.ini").string()) << "seed = 5\nconfig = sub/inner.ini\n";
  std::ofstream((dir / "sub" / "inner.ini").string()) << "seed = 6\nalpha = 0.4\n";
  Fixture b;
  b.parse({"--config", (dir / "outer.ini").string()});
  EXPECT_EQ(b.common.seed, 5u);
  EXPECT_EQ(b.alpha, 0.4);

  std::ofstream((dir / "broken.ini").string()) << "config = nowhere.ini\n";
  Fixture c;
  EXPECT_NE(message_of([&] { c.parse({"--config", (dir / "broken.ini").string()}); }).find("nowhere.ini"),
            std::string::npos);

  std::ofstream((dir / "loop.ini").string()) << "config = loop.ini\n";
  Fixture d;
  EXPECT_NE(message_of([&] { d.parse({"--config", (dir / "loop.ini").string()}); }).find("cycle"), std::string::npos);
}

TEST(Options, StrayWordsAreNamedNotMistakenForAmbiguousOptions) {
  Fixture f;
  const auto m = message_of([&] { f.parse({"foo"}); });
  EXPECT_NE(m.find("unexpected argument 'foo'"), std::string::npos) << m;
  Fixture g;
  const auto n = message_of([&] { g.parse({"--alpha", "0.05,", "0.1"}); });
  EXPECT_NE(n.find("unexpected argument '0.1'"), std::string::npos) << n;
}

TEST(Options, CommonOptionsAreValidatedInCore) {
  Fixture f;
  f.parse({"--resume", "--force"});
  EXPECT_NE(message_of([&] { validate_common_options(f.common); }).find("contradict"), std::string::npos);
  Fixture g;
  g.parse({"--samples", "0"});
  EXPECT_NE(message_of([&] { validate_common_options(g.common); }).find("--samples"), std::string::npos);
  Fixture h;
  h.parse({"--first-sample", "400", "--samples", "300"});
  EXPECT_EQ(message_of([&] { validate_common_options(h.common); }), "");
  EXPECT_EQ(h.common.first_sample, 400u);
}
