#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/rng.hpp"

using nnsim::make_stream;

// Known-answer test of the generator itself (Random123's kat_vectors for philox4x64-10 with
// counter and key zero), so a broken or different Philox build is caught.
TEST(Philox, KnownAnswerVector) {
  r123::Philox4x64 philox;
  r123::Philox4x64::ctr_type ctr = {{0, 0, 0, 0}};
  r123::Philox4x64::key_type key = {{0, 0}};
  const auto out = philox(ctr, key);
  EXPECT_EQ(out.v[0], 0x16554d9eca36314cULL);
  EXPECT_EQ(out.v[1], 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(out.v[2], 0xd7e772cee186176bULL);
  EXPECT_EQ(out.v[3], 0x7e68b68aec7ba23bULL);
}

// The suite's keying: block b of stream (seed, point, sample, stream) is Philox at counter
// {point, sample, stream, b} with key {seed, kRngDomain}.
TEST(RandomStream, KeyingFollowsTheDocumentedFunction) {
  auto s = make_stream(42, 7, 3, 2);
  r123::Philox4x64 philox;
  for (std::uint64_t block = 0; block < 3; ++block) {
    const auto expected = philox({{7, 3, 2, block}}, {{42, nnsim::kRngDomain}});
    for (int w = 0; w < 4; ++w) EXPECT_EQ(s(), expected.v[w]) << "block " << block << " word " << w;
  }
}

TEST(RandomStream, SameKeySameNumbersDifferentKeysDifferentNumbers) {
  std::set<std::uint64_t> firsts;
  for (std::uint64_t seed : {1u, 2u}) {
    for (std::uint64_t point : {0u, 1u}) {
      for (std::uint64_t sample : {0u, 1u}) {
        for (std::uint64_t stream : {0u, 1u}) {
          auto a = make_stream(seed, point, sample, stream);
          auto b = make_stream(seed, point, sample, stream);
          const auto first = a();
          EXPECT_EQ(first, b());
          firsts.insert(first);
        }
      }
    }
  }
  EXPECT_EQ(firsts.size(), 16u) << "every (seed, point, sample, stream) must give its own stream";
}

TEST(RandomStream, PositionAndSeekReproduceTheStream) {
  auto a = make_stream(5, 1, 2, 3);
  std::vector<std::uint64_t> words;
  for (int i = 0; i < 11; ++i) words.push_back(a());
  EXPECT_EQ(a.position(), 11u);
  for (std::uint64_t start : {0u, 1u, 4u, 7u, 10u}) {
    auto b = make_stream(5, 1, 2, 3);
    b.seek(start);
    EXPECT_EQ(b.position(), start);
    for (std::size_t i = start; i < words.size(); ++i) EXPECT_EQ(b(), words[i]) << "from " << start;
  }
}

// Uniform doubles: mean 1/2 and variance 1/12; tolerance 4 standard errors, fixed seed.
TEST(RandomStream, UniformMomentsWithinFourStandardErrors) {
  auto s = make_stream(2026, 0, 0, 0);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 0.5, 4 * std::sqrt(1.0 / 12 / n));
  // Var(u^2) = 1/5 - 1/9 = 4/45
  EXPECT_NEAR(sum2 / n, 1.0 / 3, 4 * std::sqrt(4.0 / 45 / n));
}

// below(n): each of 6 values with probability 1/6; 4-sigma binomial tolerance per bin.
TEST(RandomStream, BelowIsUniform) {
  auto s = make_stream(9, 9, 9, 9);
  const int n = 120000;
  std::array<int, 6> counts{};
  for (int i = 0; i < n; ++i) {
    const auto v = s.below(6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  const double expected = n / 6.0;
  const double sigma = std::sqrt(n * (1.0 / 6) * (5.0 / 6));
  for (const int c : counts) EXPECT_NEAR(c, expected, 4 * sigma);
}

// Bits of the words are fair: each of the 64 bit positions set with probability 1/2.
TEST(RandomStream, EveryBitIsFair) {
  auto s = make_stream(3, 0, 1, 0);
  const int n = 20000;
  std::array<int, 64> ones{};
  for (int i = 0; i < n; ++i) {
    const auto w = s();
    for (std::size_t b = 0; b < 64; ++b) ones[b] += static_cast<int>((w >> b) & 1U);
  }
  for (std::size_t b = 0; b < 64; ++b) EXPECT_NEAR(ones[b], n / 2.0, 4 * std::sqrt(n / 4.0)) << "bit " << b;
}

// The point key is the documented hash of the canonical encoding (core/rng.hpp).
TEST(PointKey, EncodingAndHashFollowTheDocumentedFunction) {
  nnsim::PointKey key("nnsim-hopfield/one-step");
  key.add("diagonal", "zero").add("N", std::int64_t{2000}).add("alpha", 0.2).add("noise", -0.0);
  EXPECT_EQ(key.encoding(), "nnsim-hopfield/one-step|diagonal=zero|N=2000|alpha=0.2|noise=0");
  // MurmurHash3's fmix64, written out here independently of the library.
  auto fmix64 = [](std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
  };
  // FNV-1a 64 of the empty text is the offset basis; of "a" it is 0xaf63dc4c8601ec8c (published
  // test vector).
  EXPECT_EQ(nnsim::PointKey::hash_point_key(""), fmix64(0xcbf29ce484222325ULL));
  EXPECT_EQ(nnsim::PointKey::hash_point_key("a"), fmix64(0xaf63dc4c8601ec8cULL));
  // Values, not positions: 0.2 written as 0.2 or as 2e-1 is the same double, the same key.
  nnsim::PointKey other("nnsim-hopfield/one-step");
  other.add("diagonal", "zero").add("N", std::int64_t{2000}).add("alpha", 2e-1).add("noise", 0.0);
  EXPECT_EQ(key.value(), other.value());
  nnsim::PointKey different("nnsim-hopfield/one-step");
  different.add("diagonal", "zero").add("N", std::int64_t{2000}).add("alpha", 0.3).add("noise", 0.0);
  EXPECT_NE(key.value(), different.value());
}
