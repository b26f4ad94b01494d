#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
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
    // ... and the options that differ are named, the equal ones are not
    EXPECT_NE(m.find("--N is '100' in the checkpoint, '200' in this run"), std::string::npos) << m;
    EXPECT_EQ(m.find("--seed is"), std::string::npos) << m;
  }
  try {  // an option only one side has, numbers and booleans as written
    check_checkpoint_matches(c, "x.h5", R"({"N":"100","seed":4,"exact":true})", 3, 4, {"a", "b"}, {1, 1}, "abc");
    FAIL() << "accepted other parameters";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--seed is '3' in the checkpoint, '4' in this run; --exact is not set in the checkpoint, "
                     "'true' in this run"),
              std::string::npos)
        << m;
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

namespace {
/// sample_checkpoint() with two record observables: entries of 0, 2 and 1 rows ("pairs", width
/// 2) and 3, 0 and 0 rows ("trace"), a -0.0 among them.
Checkpoint sample_checkpoint_with_records() {
  Checkpoint c = sample_checkpoint();
  c.record_observables = {"pairs", "trace"};
  FlatRecords pairs;
  pairs.width = 2;
  pairs.append(std::vector<double>{});
  pairs.append(std::vector<double>{1, 2, 3, 4});
  pairs.append(std::vector<double>{-5, 6});
  FlatRecords trace;
  trace.append(std::vector<double>{0.5, -0.0, 1e-300});
  trace.append(std::vector<double>{});
  trace.append(std::vector<double>{});
  c.records = {pairs, trace};
  return c;
}

std::int64_t format_version_of(const std::string& path) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
  std::int64_t version = -1;
  H5Aread(attr, H5T_NATIVE_INT64, &version);
  H5Aclose(attr);
  H5Fclose(file);
  return version;
}
}  // namespace

// Records survive the round trip bit for bit, zero-length entries included; the file is format
// version 4 and its layout is the documented one (read here with the HDF5 C API, not the writer).
TEST(Checkpoint, RecordsRoundTripInFormatVersion4) {
  const auto path = (scratch() / "records.checkpoint.h5").string();
  const auto c = sample_checkpoint_with_records();
  save_checkpoint(path, c);
  EXPECT_EQ(format_version_of(path), 4);
  const auto d = load_checkpoint(path);
  EXPECT_EQ(d.task_ids, c.task_ids);
  EXPECT_EQ(d.values, c.values);
  EXPECT_EQ(d.record_observables, c.record_observables);
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_EQ(d.records[0], c.records[0]);
  EXPECT_EQ(d.records[1].offsets, (std::vector<std::uint64_t>{0, 3, 3, 3}));
  EXPECT_TRUE(std::signbit(d.records[1].values[1]));
  EXPECT_EQ(d.records[0].width, 2u);
  const std::vector<RecordObservable> layout{{"pairs", 2}, {"trace", 1}};
  EXPECT_NO_THROW(check_checkpoint_matches(d, path, c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "abc", layout));
  // another record layout, or none, is another task layout
  EXPECT_THROW(check_checkpoint_matches(d, path, c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "abc"), UsageError);
  EXPECT_THROW(check_checkpoint_matches(d, path, c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "abc",
                                        {{"pairs", 3}, {"trace", 1}}),
               UsageError);
  EXPECT_THROW(check_checkpoint_matches(sample_checkpoint(), path, c.parameters_json, 3, 4, {"a", "b"}, {1, 1}, "abc",
                                        layout),
               UsageError);
  // the documented datasets, as a plain HDF5 reader sees them
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t offsets = H5Dopen2(file, "records/pairs/offsets", H5P_DEFAULT);
  std::vector<std::uint64_t> raw(4);
  ASSERT_GE(H5Dread(offsets, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), 0);
  EXPECT_EQ(raw, (std::vector<std::uint64_t>{0, 0, 2, 3}));
  const hid_t values = H5Dopen2(file, "records/pairs/values", H5P_DEFAULT);
  const hid_t space = H5Dget_space(values);
  hsize_t dims[2] = {0, 0};
  EXPECT_EQ(H5Sget_simple_extent_dims(space, dims, nullptr), 2);
  EXPECT_EQ(dims[0], 3u);
  EXPECT_EQ(dims[1], 2u);
  H5Sclose(space);
  H5Dclose(values);
  H5Dclose(offsets);
  H5Fclose(file);
}

// A run of fixed values only still writes format version 3, without any record dataset: the
// files of earlier builds, which those builds (and this one) read.
TEST(Checkpoint, FixedOnlyCheckpointsKeepFormatVersion3) {
  const auto path = (scratch() / "fixed.checkpoint.h5").string();
  save_checkpoint(path, sample_checkpoint());
  EXPECT_EQ(format_version_of(path), 3);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_EQ(H5Lexists(file, "records", H5P_DEFAULT), 0);
  EXPECT_EQ(H5Lexists(file, "record_observables", H5P_DEFAULT), 0);
  H5Fclose(file);
  const auto d = load_checkpoint(path);
  EXPECT_TRUE(d.records.empty());
  EXPECT_TRUE(d.record_observables.empty());
}

// A format version this build does not know is refused with a message that says what to do.
TEST(Checkpoint, UnknownFormatVersionIsRefusedClearly) {
  const auto path = (scratch() / "future.checkpoint.h5").string();
  save_checkpoint(path, sample_checkpoint());
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    const std::int64_t future = 9;
    ASSERT_GE(H5Awrite(attr, H5T_NATIVE_INT64, &future), 0);
    H5Aclose(attr);
    H5Fclose(file);
  }
  try {
    load_checkpoint(path);
    FAIL() << "accepted format version 9";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("format version 9"), std::string::npos) << m;
    EXPECT_NE(m.find("--force"), std::string::npos) << m;
  }
}

// An edited record value or offset no longer matches the checksum.
TEST(Checkpoint, EditedRecordsAreRefusedByTheChecksum) {
  for (const char* dataset : {"records/trace/values", "records/pairs/offsets"}) {
    const auto path = (scratch() / "edited_records.checkpoint.h5").string();
    const auto c = sample_checkpoint_with_records();
    save_checkpoint(path, c);
    {
      const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      const hid_t data = H5Dopen2(file, dataset, H5P_DEFAULT);
      ASSERT_GE(data, 0);
      if (std::string(dataset).ends_with("values")) {
        auto values = c.records[1].values;
        values[0] = 0.25;
        ASSERT_GE(H5Dwrite(data, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
      } else {
        std::vector<std::uint64_t> offsets{0, 1, 2, 3};  // still valid, but not what was saved
        ASSERT_GE(H5Dwrite(data, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data()), 0);
      }
      H5Dclose(data);
      H5Fclose(file);
    }
    try {
      load_checkpoint(path);
      ADD_FAILURE() << "an edited " << dataset << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << dataset << ": " << e.what();
    }
  }
}

// The run's checkpoint (written from its arrays) equals the copied Checkpoint, records included.
TEST(Checkpoint, SavingFromTheResultEqualsSavingACopyWithRecords) {
  EnsembleSpec spec;
  spec.num_points = 3;
  spec.samples_per_point = 5;
  spec.observables = {"a"};
  spec.records = {{"pairs", 2}, {"trace", 1}};
  RunControl control;
  control.parameters_json = R"({"x":3})";
  control.git_commit = "abc";
  EnsembleResult result;
  result.values.assign(15, std::nan(""));
  result.done.assign(15, 0);
  result.records = {RecordColumn{2, std::vector<std::vector<double>>(15)},
                    RecordColumn{1, std::vector<std::vector<double>>(15)}};
  std::vector<std::vector<double>> expected_pairs, expected_trace;
  for (const std::uint64_t id : std::vector<std::uint64_t>{1, 2, 6, 14}) {
    result.done[id] = 1;
    result.values[id] = static_cast<double>(id);
    for (std::uint64_t i = 0; i < id % 4; ++i) {
      result.records[0].by_task[id].insert(result.records[0].by_task[id].end(), {double(id), double(i)});
    }
    result.records[1].by_task[id].assign(id % 3, 0.5 * static_cast<double>(id));
    expected_pairs.push_back(result.records[0].by_task[id]);
    expected_trace.push_back(result.records[1].by_task[id]);
  }
  result.records[1].by_task[3] = {99};  // not done: must not be saved
  const auto dir = scratch();
  const auto copied = (dir / "copied_records.h5").string();
  const auto direct = (dir / "direct_records.h5").string();
  save_checkpoint(copied, make_checkpoint(spec, control, result));
  save_result_checkpoint(direct, spec, control, result);
  const auto a = load_checkpoint(copied);
  const auto b = load_checkpoint(direct);
  EXPECT_EQ(b.task_ids, (std::vector<std::uint64_t>{1, 2, 6, 14}));
  EXPECT_EQ(a.task_ids, b.task_ids);
  EXPECT_EQ(a.values, b.values);
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(a.records, b.records);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto pairs = b.records[0].entry(i);
    const auto trace = b.records[1].entry(i);
    EXPECT_EQ(std::vector<double>(pairs.begin(), pairs.end()), expected_pairs[i]) << i;
    EXPECT_EQ(std::vector<double>(trace.begin(), trace.end()), expected_trace[i]) << i;
  }
}

// Suspended task states (scheduler.hpp) survive the round trip byte for byte, with and without
// record observables, in format version 5; a checkpoint without any keeps version 3 or 4.
TEST(Checkpoint, SuspendedStatesRoundTripInFormatVersion5) {
  for (const bool with_records : {false, true}) {
    const auto path = (scratch() / (with_records ? "suspended_records.checkpoint.h5" : "suspended.checkpoint.h5")).string();
    auto c = with_records ? sample_checkpoint_with_records() : sample_checkpoint();
    const std::uint64_t not_done = c.task_ids[0] + 1;  // 1: not among the done ids of either sample
    ASSERT_EQ(std::count(c.task_ids.begin(), c.task_ids.end(), not_done), 0);
    c.suspended_ids = {not_done, c.num_points * c.samples_per_point - 1};
    c.suspended_states = {{0, 1, 2, 255, 0}, {42}};
    save_checkpoint(path, c);
    EXPECT_EQ(format_version_of(path), 5);
    const auto d = load_checkpoint(path);
    EXPECT_EQ(d.task_ids, c.task_ids);
    EXPECT_EQ(d.values, c.values);
    EXPECT_EQ(d.record_observables, c.record_observables);
    ASSERT_EQ(d.records.size(), c.records.size());
    for (std::size_t k = 0; k < c.records.size(); ++k) {
      EXPECT_EQ(d.records[k].offsets, c.records[k].offsets);
      EXPECT_EQ(d.records[k].values, c.records[k].values);
    }
    EXPECT_EQ(d.suspended_ids, c.suspended_ids);
    EXPECT_EQ(d.suspended_states, c.suspended_states);

    // One state byte edited: refused by the checksum.
    {
      const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      ASSERT_GE(file, 0);
      const hid_t data = H5Dopen2(file, "suspended/bytes", H5P_DEFAULT);
      ASSERT_GE(data, 0);
      std::vector<std::uint8_t> bytes = {0, 1, 2, 254, 0, 42};
      ASSERT_GE(H5Dwrite(data, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0);
      H5Dclose(data);
      H5Fclose(file);
    }
    try {
      load_checkpoint(path);
      ADD_FAILURE() << "an edited suspended state was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
    }
    c.suspended_ids.clear();
    c.suspended_states.clear();
    save_checkpoint(path, c);
    EXPECT_EQ(format_version_of(path), with_records ? 4 : 3);
  }
}

// The run's own writer (save_result_checkpoint) stores the result's suspended states like a copy.
TEST(Checkpoint, SavingFromTheResultKeepsSuspendedStates) {
  EnsembleSpec spec;
  spec.num_points = 2;
  spec.samples_per_point = 3;
  spec.observables = {"x"};
  RunControl control;
  control.parameters_json = "{}";
  control.git_commit = "abc";
  EnsembleResult result;
  result.values = {1, std::nan(""), 3, std::nan(""), 5, 6};
  result.done = {1, 0, 1, 0, 1, 1};
  result.tasks_done = 4;
  result.suspended[3] = {9, 8, 7};
  result.suspended[1] = {1};
  const auto a = (scratch() / "suspended_result.checkpoint.h5").string();
  const auto b = (scratch() / "suspended_copy.checkpoint.h5").string();
  save_result_checkpoint(a, spec, control, result);
  save_checkpoint(b, make_checkpoint(spec, control, result));
  const auto ca = load_checkpoint(a), cb = load_checkpoint(b);
  EXPECT_EQ(ca.task_ids, (std::vector<std::uint64_t>{0, 2, 4, 5}));
  EXPECT_EQ(ca.suspended_ids, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(ca.suspended_states, (std::vector<std::vector<unsigned char>>{{1}, {9, 8, 7}}));
  EXPECT_EQ(cb.suspended_ids, ca.suspended_ids);
  EXPECT_EQ(cb.suspended_states, ca.suspended_states);
  EXPECT_EQ(cb.values, ca.values);
}
