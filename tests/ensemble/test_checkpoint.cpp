#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/scheduler.hpp"

using namespace nnsim;
namespace fs = std::filesystem;

namespace {
fs::path scratch() {
  const auto dir = fs::temp_directory_path() / ("nnsim_test_checkpoint_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}
Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.parameters_json = R"({"N":"100","seed":3})";
  c.git_commit = "abc";
  c.num_points = 3;
  c.samples_per_point = 4;
  c.observables = {"a", "b"};
  c.widths = {1, 1};
  c.task_ids = {0, 5, 11};
  c.values = {0.5, 1.5, -2.25, 3, 1e-300, 7};
  return c;
}
}  // namespace

TEST(Checkpoint, RoundTripKeepsEverything) {
  const auto path = (scratch() / "rt.checkpoint.h5").string();
  const auto c = sample_checkpoint();
  save_checkpoint(path, c);
  const auto d = load_checkpoint(path);
  EXPECT_EQ(d.parameters_json, c.parameters_json);
  EXPECT_EQ(d.git_commit, c.git_commit);
  EXPECT_EQ(d.num_points, c.num_points);
  EXPECT_EQ(d.samples_per_point, c.samples_per_point);
  EXPECT_EQ(d.observables, c.observables);
  EXPECT_EQ(d.widths, c.widths);
  EXPECT_EQ(d.task_ids, c.task_ids);
  EXPECT_EQ(d.values, c.values);
  EXPECT_NO_THROW(check_checkpoint_matches(d, path, c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "abc"));
  // a second save replaces the first atomically
  auto e = c;
  e.task_ids = {1};
  e.values = {9, 9};
  save_checkpoint(path, e);
  EXPECT_EQ(load_checkpoint(path).task_ids, e.task_ids);
}

TEST(Checkpoint, MismatchedParametersAreRefusedWithBothShown) {
  const auto c = sample_checkpoint();
  try {
    check_checkpoint_matches(c, "x.h5", R"({"N":"200","seed":3})", 3, 4, {"a", "b"}, {1, 1}, "abc");
    FAIL() << "accepted other parameters";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("other parameters"), std::string::npos);
    EXPECT_NE(m.find(R"("N":"200")"), std::string::npos);
    EXPECT_NE(m.find(R"("N":"100")"), std::string::npos);
  }
  EXPECT_THROW(check_checkpoint_matches(c, "x.h5", c.parameters_json, 3, 5, {"a", "b"}, {1, 1}, "abc"), UsageError);
  EXPECT_THROW(check_checkpoint_matches(c, "x.h5", c.parameters_json, 3, 4, {"a"}, {1}, "abc"), UsageError);
  EXPECT_THROW(check_checkpoint_matches(c, "x.h5", c.parameters_json, 3, 4, {"a", "b"}, {1, 3}, "abc"), UsageError);
  // another code version must not be mixed into the same results
  try {
    check_checkpoint_matches(c, "x.h5", c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "def");
    FAIL() << "accepted another code version";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("code version abc"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_checkpoint_matches(c, "x.h5", c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "unknown"));
}

TEST(Checkpoint, CorruptTruncatedOrForeignFilesAreRefused) {
  const auto dir = scratch();
  const auto garbage = (dir / "garbage.h5").string();
  std::ofstream(garbage) << "this is not HDF5";
  EXPECT_THROW(load_checkpoint(garbage), UsageError);

  const auto good = (dir / "good.h5").string();
  save_checkpoint(good, sample_checkpoint());
  const auto truncated = (dir / "truncated.h5").string();
  fs::copy_file(good, truncated, fs::copy_options::overwrite_existing);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  EXPECT_THROW(load_checkpoint(truncated), UsageError);

  // a valid HDF5 file that is not a checkpoint
  const auto foreign = (dir / "foreign.h5").string();
  const hid_t f = H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  try {
    load_checkpoint(foreign);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("foreign.h5"), std::string::npos);
  }

  // task ids out of range
  auto bad = sample_checkpoint();
  bad.task_ids = {0, 5, 12};
  const auto out_of_range = (dir / "range.h5").string();
  save_checkpoint(out_of_range, bad);
  EXPECT_THROW(load_checkpoint(out_of_range), UsageError);
}

// An edited value (here: one double rewritten in place with the HDF5 API, as a user with h5py
// would) no longer matches the checksum and the checkpoint is refused.
TEST(Checkpoint, EditedValuesAreRefusedByTheChecksum) {
  const auto path = (scratch() / "edited.checkpoint.h5").string();
  save_checkpoint(path, sample_checkpoint());
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t data = H5Dopen2(file, "values", H5P_DEFAULT);
    ASSERT_GE(data, 0);
    auto values = sample_checkpoint().values;
    values[3] = 0.25;  // a value that was 3
    ASSERT_GE(H5Dwrite(data, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
    H5Dclose(data);
    H5Fclose(file);
  }
  try {
    load_checkpoint(path);
    ADD_FAILURE() << "an edited checkpoint was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

// make_checkpoint copies exactly the done tasks, in id order, into buffers sized once: at 10^6
// tasks x 10^3 values a grown buffer would briefly hold two copies of up to 8 GB on rank 0
// (docs/design.md).
TEST(Checkpoint, MakeCheckpointCopiesDoneTasksOnceWithoutSlack) {
  EnsembleSpec spec;
  spec.num_points = 5;
  spec.samples_per_point = 7;
  spec.observables = {"a", "trace"};
  spec.widths = {1, 3};
  RunControl control;
  control.parameters_json = R"({"x":1})";
  control.git_commit = "abc";
  EnsembleResult result;
  const std::uint64_t total = 35, width = 4;
  result.values.assign(total * width, -1);
  result.done.assign(total, 0);
  std::vector<std::uint64_t> expected_ids;
  std::vector<double> expected_values;
  for (std::uint64_t id = 0; id < total; ++id) {
    for (std::uint64_t i = 0; i < width; ++i) result.values[id * width + i] = static_cast<double>(id * 10 + i);
    if (id % 3 == 1 || id == 34) {
      result.done[id] = 1;
      expected_ids.push_back(id);
      for (std::uint64_t i = 0; i < width; ++i) expected_values.push_back(static_cast<double>(id * 10 + i));
    }
  }
  const auto c = make_checkpoint(spec, control, result);
  EXPECT_EQ(c.parameters_json, control.parameters_json);
  EXPECT_EQ(c.widths, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(c.task_ids, expected_ids);
  EXPECT_EQ(c.values, expected_values);
  EXPECT_EQ(c.values.capacity(), c.values.size());
  EXPECT_EQ(c.task_ids.capacity(), c.task_ids.size());
}

// The run's checkpoints are written from its own arrays (no copy of the values): the file must
// read back exactly as the copied Checkpoint, checksum included (load_checkpoint verifies it).
TEST(Checkpoint, SavingFromTheResultEqualsSavingACopy) {
  EnsembleSpec spec;
  spec.num_points = 4;
  spec.samples_per_point = 6;
  spec.observables = {"a", "trace"};
  spec.widths = {1, 3};
  RunControl control;
  control.parameters_json = R"({"x":2})";
  control.git_commit = "abc";
  EnsembleResult result;
  result.values.assign(24 * 4, std::nan(""));
  result.done.assign(24, 0);
  for (const std::uint64_t id : std::vector<std::uint64_t>{0, 1, 2, 7, 8, 15, 23}) {
    result.done[id] = 1;
    for (std::uint64_t i = 0; i < 4; ++i) result.values[id * 4 + i] = static_cast<double>(id) + 0.25 * static_cast<double>(i);
  }
  const auto dir = scratch();
  const auto copied = (dir / "copied.h5").string();
  const auto direct = (dir / "direct.h5").string();
  save_checkpoint(copied, make_checkpoint(spec, control, result));
  save_result_checkpoint(direct, spec, control, result);
  const auto a = load_checkpoint(copied);
  const auto b = load_checkpoint(direct);
  EXPECT_EQ(a.task_ids, b.task_ids);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(b.task_ids, (std::vector<std::uint64_t>{0, 1, 2, 7, 8, 15, 23}));
  // nothing done: an empty checkpoint
  result.done.assign(24, 0);
  save_result_checkpoint(direct, spec, control, result);
  EXPECT_TRUE(load_checkpoint(direct).task_ids.empty());
}
