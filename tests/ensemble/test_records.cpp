// Variable-length records through the ensemble layer; runs under mpiexec -n 1, 2 and 3 (see
// CMakeLists.txt). A synthetic task returns records whose length depends on (point, sample),
// zero included; every result is compared bit for bit with a serial recomputation.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/rng.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/provenance.hpp"
#include "ensemble/scheduler.hpp"
#include "ensemble/stop.hpp"
#include "io/hdf5.hpp"

using namespace nnsim;

namespace {

int rank_in(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int rank() { return rank_in(MPI_COMM_WORLD); }
int size() {
  int s = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

constexpr std::uint64_t kPoints = 5;
constexpr std::uint64_t kSamples = 9;
constexpr std::uint64_t kFirstSample = 3;
constexpr std::uint64_t kTasks = kPoints * kSamples;

std::atomic<std::uint64_t> g_calls{0};

std::uint64_t task_hash(std::uint64_t point, std::uint64_t sample) {
  Hash64 hash;
  hash.update(&point, sizeof point);
  hash.update(&sample, sizeof sample);
  return hash.digest();
}

/// The synthetic task: one fixed value, "solutions" (rows of 2 integer-valued columns, hash % 7
/// of them) and "trace" (random reals, (hash >> 8) % 7 of them, some ending in -0.0 or NaN so
/// that only a bit-exact transport passes).
TaskOutput synthetic_task(const Task& t) {
  const std::uint64_t h = task_hash(t.point, t.sample);
  TaskOutput out;
  out.values = {static_cast<double>(t.point * 1000 + t.sample)};
  out.records.resize(2);
  for (std::uint64_t i = 0; i < h % 7; ++i) {
    out.records[0].push_back(static_cast<double>(t.point + i));
    out.records[0].push_back(-static_cast<double>(t.sample * i));
  }
  auto rng = make_stream(23, t.point, t.sample, 0);
  for (std::uint64_t i = 0; i < (h >> 8) % 7; ++i) out.records[1].push_back(rng.uniform() - 0.5);
  if (!out.records[1].empty() && h % 5 == 0) out.records[1].back() = -0.0;
  if (!out.records[1].empty() && h % 11 == 0) out.records[1].front() = std::nan("0x5a");
  return out;
}

EnsembleSpec make_spec(int sleep_us = 0) {
  EnsembleSpec spec;
  spec.num_points = kPoints;
  spec.samples_per_point = kSamples;
  spec.first_sample = kFirstSample;
  spec.observables = {"label"};
  spec.records = {{"solutions", 2}, {"trace", 1}};
  spec.cost = [](std::uint64_t p) { return static_cast<double>((p * 7919) % 13); };  // scrambled order
  spec.run_with_records = [sleep_us](const Task& t, const CancelFlag&) {
    ++g_calls;
    if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    return synthetic_task(t);
  };
  return spec;
}

Task task_of(std::uint64_t id) { return Task{id, id / kSamples, kFirstSample + id % kSamples, {}}; }

bool same_bits(const std::vector<double>& a, std::span<const double> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

/// Rank 0: every task done, its value and records bit-identical to a serial recomputation.
void expect_matches_serial(const EnsembleResult& r) {
  ASSERT_EQ(r.done.size(), kTasks);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].width, 2u);
  EXPECT_EQ(r.records[1].width, 1u);
  std::uint64_t empty = 0, nonempty = 0;
  for (std::uint64_t id = 0; id < kTasks; ++id) {
    ASSERT_TRUE(r.done[id]) << "task " << id;
    const auto expected = synthetic_task(task_of(id));
    EXPECT_EQ(r.values[id], expected.values[0]) << "task " << id;
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_TRUE(same_bits(expected.records[k], r.records[k].by_task[id])) << "task " << id << " record " << k;
      (expected.records[k].empty() ? empty : nonempty) += 1;
    }
  }
  // the synthetic task really produces both kinds (else the test could not fail on them)
  EXPECT_GT(empty, 0u);
  EXPECT_GT(nonempty, 0u);
}

std::string scratch_file(const std::string& name) {
  long pid = rank() == 0 ? static_cast<long>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const auto dir = std::filesystem::temp_directory_path() / ("nnsim_test_records_" + std::to_string(pid));
  if (rank() == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  return (dir / name).string();
}

std::uint64_t calls_on_all_ranks(MPI_Comm comm) {
  std::uint64_t calls = g_calls, total = 0;
  MPI_Allreduce(&calls, &total, 1, MPI_UINT64_T, MPI_SUM, comm);
  return total;
}

}  // namespace

class RecordsThreads : public ::testing::TestWithParam<int> {};

TEST_P(RecordsThreads, EqualASerialRecomputationBitForBit) {
  const auto spec = make_spec();
  RunControl control;
  control.threads = GetParam();
  control.progress = false;
  g_calls = 0;
  const auto result = run_ensemble(spec, control, MPI_COMM_WORLD);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(calls_on_all_ranks(MPI_COMM_WORLD), kTasks);
  if (rank() == 0) {
    expect_matches_serial(result);
    // flatten: task order, offsets in rows
    const auto flat = flatten(result.records[0]);
    ASSERT_EQ(flat.entries(), kTasks);
    for (std::uint64_t id = 0; id < kTasks; ++id) {
      EXPECT_TRUE(same_bits(result.records[0].by_task[id], flat.entry(id))) << id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, RecordsThreads, ::testing::Values(1, 2));

// Stop after K tasks on one rank count, resume from the checkpoint file on another (world and a
// smaller communicator, both ways round): the resumed run recomputes only the missing tasks and
// ends with the records of an uninterrupted run. With one rank the thread count changes instead.
class RecordsResume : public ::testing::TestWithParam<bool> {};

TEST_P(RecordsResume, StopAfterTasksAndResumeOnAnotherRankCountGivesTheSameRecords) {
  const bool shrink = GetParam();  // first run on all ranks, resume on fewer (else the reverse)
  const int smaller = std::max(size() - 1, 1);
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, rank() < smaller ? 0 : MPI_UNDEFINED, rank(), &sub);
  const MPI_Comm first_comm = shrink ? MPI_COMM_WORLD : sub;
  const MPI_Comm second_comm = shrink ? sub : MPI_COMM_WORLD;
  const auto path = scratch_file(std::string("resume_") + (shrink ? "shrink" : "grow") + ".checkpoint.h5");
  const auto spec = make_spec(/*sleep_us=*/300);
  constexpr std::uint64_t kStopAfter = 11;

  RunControl control;
  control.progress = false;
  control.checkpoint_path = path;
  control.parameters_json = R"({"test":"records"})";
  control.git_commit = "abc";
  std::uint64_t first_done = 0;
  if (first_comm != MPI_COMM_NULL) {
    RunControl first = control;
    first.threads = 2;
    first.stop_after_tasks = kStopAfter;
    const auto r = run_ensemble(spec, first, first_comm);
    EXPECT_FALSE(r.complete);
    if (rank() == 0) {
      EXPECT_EQ(r.checkpoint_written, path);
      EXPECT_GE(r.tasks_done, kStopAfter);
      EXPECT_LT(r.tasks_done, kTasks);
      first_done = r.tasks_done;
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);

  Checkpoint loaded;
  if (rank() == 0) {
    loaded = load_checkpoint(path);
    EXPECT_EQ(loaded.task_ids.size(), first_done);
    EXPECT_NO_THROW(check_checkpoint_matches(loaded, path, control.parameters_json, kPoints, kSamples, {"label"}, {1},
                                             "abc", spec.records));
    ASSERT_EQ(loaded.records.size(), 2u);
    for (std::size_t i = 0; i < loaded.task_ids.size(); ++i) {
      const auto expected = synthetic_task(task_of(loaded.task_ids[i]));
      for (std::size_t k = 0; k < 2; ++k) EXPECT_TRUE(same_bits(expected.records[k], loaded.records[k].entry(i)));
    }
  }
  if (second_comm != MPI_COMM_NULL) {
    RunControl second = control;
    second.threads = 1;
    second.resume_from = rank() == 0 ? &loaded : nullptr;
    g_calls = 0;
    const auto r = run_ensemble(spec, second, second_comm);
    EXPECT_TRUE(r.complete);
    const auto calls = calls_on_all_ranks(second_comm);
    if (rank() == 0) {
      EXPECT_EQ(r.tasks_resumed, first_done);
      EXPECT_EQ(calls, kTasks - first_done) << "resumed tasks must not run again";
      EXPECT_TRUE(loaded.records.empty()) << "the resumed records are moved into the result";
      expect_matches_serial(r);
    }
  }
  if (sub != MPI_COMM_NULL) MPI_Comm_free(&sub);
  MPI_Barrier(MPI_COMM_WORLD);
}

INSTANTIATE_TEST_SUITE_P(Direction, RecordsResume, ::testing::Values(true, false));

// A signal on one rank (the last) stops every rank; the checkpoint keeps the records of the
// tasks done so far and a resume completes them.
TEST(Records, SignalStopKeepsRecordsAndResumeCompletes) {
  const int signalling_rank = size() - 1;
  auto spec = make_spec(5000);
  auto base = spec.run_with_records;
  spec.run_with_records = [base, signalling_rank](const Task& t, const CancelFlag& cancel) {
    static std::atomic<int> seen{0};
    if (rank() == signalling_rank && ++seen == 4) std::raise(SIGUSR1);
    return base(t, cancel);
  };
  RunControl control;
  control.threads = 2;
  control.progress = false;
  control.checkpoint_path = scratch_file("signal.checkpoint.h5");
  install_stop_handlers();
  const auto first = run_ensemble(spec, control, MPI_COMM_WORLD);
  reset_stop_signal();
  EXPECT_FALSE(first.complete);
  Checkpoint loaded;
  if (rank() == 0) {
    loaded = load_checkpoint(control.checkpoint_path);
    EXPECT_EQ(loaded.task_ids.size(), first.tasks_done);
  }
  RunControl again = control;
  again.resume_from = rank() == 0 ? &loaded : nullptr;
  const auto second = run_ensemble(make_spec(), again, MPI_COMM_WORLD);
  EXPECT_TRUE(second.complete);
  if (rank() == 0) expect_matches_serial(second);
}

// The output layout: /results/<rec>/values, /offsets and /lengths read back with the io layer as
// plain vectors, and (when h5py is installed) with h5py by tests/ensemble/check_records_h5py.py.
TEST(Records, GriddedOutputReadsBackAsValuesAndOffsets) {
  const auto spec = make_spec();
  RunControl control;
  control.threads = 2;
  control.progress = false;
  const auto result = run_ensemble(spec, control, MPI_COMM_WORLD);
  ASSERT_TRUE(result.complete);
  const auto path = scratch_file("output.h5");  // collective
  if (rank() != 0) return;
  {
    auto file = io::File::create(path, /*truncate=*/true);
    std::vector<std::int64_t> point_index(kPoints);
    for (std::uint64_t p = 0; p < kPoints; ++p) point_index[p] = static_cast<std::int64_t>(p);
    write_gridded_results(file, spec, result, {{"index", point_index, "point index"}},
                          {{"label", "point * 1000 + sample", "", "1"}}, {},
                          {{"solutions", "solutions found (two integer coordinates)", "", "1"},
                           {"trace", "energy until the run stopped", "", "J"}});
    file.close();
  }
  auto file = io::File::open_read_only(path);
  const auto& root = file.root();
  std::ofstream expected_text(path + ".expected.txt");  // for the h5py check: bits in hex
  for (const auto& [name, width] : std::vector<std::pair<std::string, std::uint64_t>>{{"solutions", 2}, {"trace", 1}}) {
    const std::size_t k = name == "solutions" ? 0 : 1;
    const auto group = root.open_group("results/" + name);
    const auto values_ds = group.open_dataset("values");
    const auto offsets = group.read<std::uint64_t>("offsets");
    const auto lengths_ds = group.open_dataset("lengths");
    const auto values = values_ds.read<double>();
    const auto lengths = lengths_ds.read<std::uint64_t>();
    ASSERT_EQ(offsets.size(), kTasks + 1);
    EXPECT_EQ(offsets.front(), 0u);
    ASSERT_EQ(values_ds.dims(), (std::vector<hsize_t>{offsets.back(), width}));
    ASSERT_EQ(lengths_ds.dims(), (std::vector<hsize_t>{kPoints, kSamples}));
    EXPECT_EQ(group.attribute<std::uint64_t>("width"), width);
    for (const auto* d : {static_cast<const io::Object*>(&values_ds), static_cast<const io::Object*>(&lengths_ds)}) {
      EXPECT_TRUE(d->has_attribute("description"));
      EXPECT_TRUE(d->has_attribute("units"));
    }
    EXPECT_EQ(values_ds.string_attribute("units"), k == 0 ? "1" : "J");
    EXPECT_NE(values_ds.string_attribute("description").find("offsets[t]:offsets[t+1]"), std::string::npos);
    for (std::uint64_t t = 0; t < kTasks; ++t) {
      const auto expected = synthetic_task(task_of(t)).records[k];
      ASSERT_LE(offsets[t], offsets[t + 1]);
      EXPECT_EQ(lengths[t], offsets[t + 1] - offsets[t]);
      const std::vector<double> rows(values.begin() + static_cast<std::ptrdiff_t>(offsets[t] * width),
                                     values.begin() + static_cast<std::ptrdiff_t>(offsets[t + 1] * width));
      EXPECT_TRUE(same_bits(expected, rows)) << name << " task " << t;
      expected_text << name << ' ' << t;
      for (const double v : expected) {
        char buffer[32];  // the bits, so that NaN payloads and -0.0 compare too
        std::snprintf(buffer, sizeof buffer, " %016llx",
                      static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v)));
        expected_text << buffer;
      }
      expected_text << '\n';
    }
  }
  expected_text.close();
  if (std::system("/usr/bin/python3 -c 'import h5py' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "h5py not installed: the io-layer read-back above passed, the h5py check is skipped";
  }
  const std::string command = std::string("/usr/bin/python3 ") + NNSIM_SOURCE_DIR +
                              "/tests/ensemble/check_records_h5py.py '" + path + "' '" + path + ".expected.txt'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(Records, BadRecordSpecificationsAreRefused) {
  auto spec = make_spec();
  RunControl control;
  control.progress = false;
  auto no_callback = spec;
  no_callback.run_with_records = nullptr;
  no_callback.run = [](const Task&, const CancelFlag&) { return std::vector<double>{0}; };
  EXPECT_THROW(run_ensemble(no_callback, control, MPI_COMM_WORLD), std::logic_error);
  auto clash = spec;
  clash.records[1].name = "label";
  EXPECT_THROW(run_ensemble(clash, control, MPI_COMM_WORLD), std::logic_error);
  auto zero_width = spec;
  zero_width.records[0].width = 0;
  EXPECT_THROW(run_ensemble(zero_width, control, MPI_COMM_WORLD), std::logic_error);
  auto slash = spec;
  slash.records[0].name = "a/b";
  EXPECT_THROW(run_ensemble(slash, control, MPI_COMM_WORLD), std::logic_error);
}

// The old callback keeps working: a fixed-values-only experiment through run_with_records gives
// the values of one through run, and has no record columns.
TEST(Records, FixedOnlyExperimentsThroughEitherCallbackAgree) {
  EnsembleSpec plain;
  plain.num_points = 3;
  plain.samples_per_point = 4;
  plain.observables = {"x"};
  plain.run = [](const Task& t, const CancelFlag&) {
    return std::vector<double>{make_stream(5, t.point, t.sample, 0).uniform()};
  };
  auto extended = plain;
  extended.run = nullptr;
  extended.run_with_records = [base = plain.run](const Task& t, const CancelFlag& c) {
    return TaskOutput{base(t, c), {}};
  };
  RunControl control;
  control.progress = false;
  const auto a = run_ensemble(plain, control, MPI_COMM_WORLD);
  const auto b = run_ensemble(extended, control, MPI_COMM_WORLD);
  if (rank() == 0) {
    EXPECT_TRUE(a.records.empty());
    EXPECT_TRUE(same_bits(a.values, b.values));
  }
}
