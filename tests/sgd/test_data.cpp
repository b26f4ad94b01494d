// IDX reader on good and corrupt files (plain and gzip), standardisation (6.21)-(6.22),
// validation split, synthetic data, and Fashion-MNIST's files when installed.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "sgd/data.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::sgd;

std::vector<unsigned char> idx_bytes(std::vector<std::uint32_t> dims, const std::vector<unsigned char>& values,
                                     unsigned char type = 0x08) {
  std::vector<unsigned char> out = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (const auto d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(d >> s));
  }
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nnsim-idx-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::vector<unsigned char>& bytes, bool gzip) {
    const std::string path = (dir_ / name).string();
    if (gzip) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    return path;
  }
  // Three 2x2 images with labels 0, 2, 1.
  std::vector<unsigned char> images_ = {0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40};
  std::vector<unsigned char> labels_ = {0, 2, 1};
  std::filesystem::path dir_;
};

TEST_F(IdxFiles, ReadsPlainAndGzip) {
  for (const bool gzip : {false, true}) {
    const auto images = write("i", idx_bytes({3, 2, 2}, images_), gzip);
    const auto labels = write("l", idx_bytes({3}, labels_), gzip);
    const Dataset d = read_idx_dataset(images, labels, 3);
    ASSERT_EQ(d.count(), 3u);
    EXPECT_EQ(d.features, 4u);
    EXPECT_EQ(d.labels, (std::vector<std::int32_t>{0, 2, 1}));
    EXPECT_FLOAT_EQ(d.inputs[1], 1.0f);
    EXPECT_FLOAT_EQ(d.inputs[2], 0.2f);
    EXPECT_FLOAT_EQ(d.column(2)[3], 40.0f / 255.0f);
    const Dataset first = read_idx_dataset(images, labels, 3, 2);
    EXPECT_EQ(first.count(), 2u);
  }
}

void expect_usage_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "no error; expected one containing '" << fragment << "'";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST_F(IdxFiles, RejectsCorruptFiles) {
  const auto labels = write("l", idx_bytes({3}, labels_), true);
  expect_usage_error([&] { read_idx(write("magic", idx_bytes({3, 2, 2}, images_, 0x09), true)); }, "magic");
  auto bytes = idx_bytes({3, 2, 2}, images_);
  bytes.resize(bytes.size() - 1);
  expect_usage_error([&] { read_idx(write("short", bytes, true)); }, "truncated");
  bytes = idx_bytes({3, 2, 2}, images_);
  bytes.push_back(7);
  expect_usage_error([&] { read_idx(write("long", bytes, false)); }, "more data");
  expect_usage_error([&] { read_idx(write("header", {0, 0, 8, 3, 0, 0}, false)); }, "truncated");
  expect_usage_error([&] { read_idx((dir_ / "none").string()); }, "no such file");
  const auto images = write("i", idx_bytes({3, 2, 2}, images_), true);
  expect_usage_error(
      [&] {
        read_idx_dataset(images, write("bad", idx_bytes({3}, {0, 2, 3}), true), 3);
      },
      "out of range");
  expect_usage_error(
      [&] {
        read_idx_dataset(images, write("two", idx_bytes({2}, {0, 1}), true), 3);
      },
      "holds 3 images");
  expect_usage_error([&] { read_idx_dataset(labels, labels, 3); }, "rank 3");
  // gzip data cut in the middle of the stream
  const auto gz = write("whole", idx_bytes({3, 2, 2}, images_), true);
  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) - 6);
  EXPECT_THROW(read_idx(gz), UsageError);
}

TEST_F(IdxFiles, MissingFashionMnistNamesThePackage) {
  expect_usage_error([] { read_fashion_mnist("/nonexistent/fashion", true); }, "dataset-fashion-mnist");
}

TEST(FashionMnist, InstalledFilesHaveTheDocumentedShape) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  const Dataset test = read_fashion_mnist(kFashionMnistDir, false);
  EXPECT_EQ(test.count(), 10000u);
  EXPECT_EQ(test.features, 784u);
  std::vector<int> per_class(10, 0);
  for (const auto t : test.labels) ++per_class[static_cast<std::size_t>(t)];
  for (const int c : per_class) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test set is balanced
}

TEST(Standardizer, UsesTrainingStatistics) {
  RandomStream rng(5, 6, 0, 0);
  Dataset train = synthetic_clusters(2000, 3, 2, 4.0, rng);
  for (std::size_t k = 0; k < train.count(); ++k) train.inputs[k * 3 + 2] = 7.0f;  // constant input
  Dataset other = train;
  const Standardizer s = Standardizer::fit(train);
  s.apply(train);
  for (std::size_t i = 0; i < 2; ++i) {
    double sum = 0, sum_sq = 0;
    for (std::size_t k = 0; k < train.count(); ++k) {
      sum += train.inputs[k * 3 + i];
      sum_sq += double{train.inputs[k * 3 + i]} * train.inputs[k * 3 + i];
    }
    EXPECT_NEAR(sum / 2000, 0.0, 1e-5);
    EXPECT_NEAR(sum_sq / 2000, 1.0, 1e-4);
  }
  EXPECT_FLOAT_EQ(train.inputs[2], 0.0f);  // constant input: centred, not divided by zero
  s.apply(other);
  EXPECT_EQ(other.inputs, train.inputs);
}

TEST(Split, ValidationSetIsDisjointAndComplete) {
  RandomStream rng(5, 6, 0, 0);
  Dataset train = synthetic_clusters(100, 1, 3, 1.0, rng);
  for (std::size_t k = 0; k < 100; ++k) train.inputs[k] = static_cast<float>(k);  // sample id
  RandomStream split_rng(1, 1, 0, 2);
  const Dataset validation = split_validation(train, 30, split_rng);
  EXPECT_EQ(validation.count(), 30u);
  EXPECT_EQ(train.count(), 70u);
  std::set<float> ids(train.inputs.begin(), train.inputs.end());
  ids.insert(validation.inputs.begin(), validation.inputs.end());
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_THROW(split_validation(train, 70, split_rng), UsageError);
}

}  // namespace
