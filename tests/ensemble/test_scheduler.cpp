// Runs under mpiexec -n 1, 2 and 3 (see CMakeLists.txt).
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "ensemble/mpi_env.hpp"
#include "ensemble/scheduler.hpp"
#include "ensemble/stop.hpp"

using namespace nnsim;

namespace {

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int size() {
  int s = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

std::atomic<std::uint64_t> g_calls{0};

/// A task's values: its own coordinates and a number from its random stream, so any mix-up of
/// tasks, or a dependence on where a task ran, shows.
EnsembleSpec make_spec(std::uint64_t points, std::uint64_t samples, int sleep_us = 0) {
  EnsembleSpec spec;
  spec.num_points = points;
  spec.samples_per_point = samples;
  spec.observables = {"point", "sample", "random"};
  spec.cost = [](std::uint64_t p) { return static_cast<double>((p * 7919) % 13); };  // scrambled order
  spec.run = [sleep_us](const Task& t, const CancelFlag&) {
    ++g_calls;
    if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    auto rng = make_stream(11, t.point, t.sample, 0);
    return std::vector<double>{static_cast<double>(t.point), static_cast<double>(t.sample), rng.uniform()};
  };
  return spec;
}

void expect_all_tasks_correct(const EnsembleSpec& spec, const EnsembleResult& r) {
  ASSERT_EQ(r.done.size(), spec.num_points * spec.samples_per_point);
  for (std::uint64_t id = 0; id < r.done.size(); ++id) {
    ASSERT_TRUE(r.done[id]) << "task " << id;
    const std::uint64_t p = id / spec.samples_per_point, s = id % spec.samples_per_point;
    EXPECT_EQ(r.values[id * 3 + 0], static_cast<double>(p));
    EXPECT_EQ(r.values[id * 3 + 1], static_cast<double>(s));
    auto rng = make_stream(11, p, s, 0);
    EXPECT_EQ(r.values[id * 3 + 2], rng.uniform());
  }
}

std::string scratch_file(const std::string& name) {
  // same path on every rank: rank 0's pid
  long pid = rank() == 0 ? static_cast<long>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const auto dir = std::filesystem::temp_directory_path() / ("nnsim_test_scheduler_" + std::to_string(pid));
  if (rank() == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  return (dir / name).string();
}

}  // namespace

// Every task runs exactly once over all ranks and threads, and rank 0 holds every result.
class SchedulerThreads : public ::testing::TestWithParam<int> {};

TEST_P(SchedulerThreads, EveryTaskExactlyOnce) {
  const auto spec = make_spec(9, 23);
  RunControl control;
  control.threads = GetParam();
  control.progress = false;
  g_calls = 0;
  const auto result = run_ensemble(spec, control, MPI_COMM_WORLD);
  std::uint64_t calls = g_calls, total_calls = 0;
  MPI_Allreduce(&calls, &total_calls, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total_calls, spec.num_points * spec.samples_per_point);
  EXPECT_TRUE(result.complete);
  if (rank() == 0) {
    EXPECT_EQ(result.tasks_done, spec.num_points * spec.samples_per_point);
    expect_all_tasks_correct(spec, result);
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, SchedulerThreads, ::testing::Values(1, 2, 3));

// Long tasks report their fraction done (report_progress): rank 0's progress (RunControl::
// on_progress, the same figures as the progress line) counts running tasks by it before any of
// them has finished, never beyond the total, and every task fully once it has.
TEST(Scheduler, ProgressCountsTheReportedFractionsOfRunningTasks) {
  EnsembleSpec spec;
  spec.num_points = 1;
  spec.samples_per_point = static_cast<std::uint64_t>(size());
  spec.observables = {"sample"};
  spec.cost = [](std::uint64_t) { return 2.0; };
  spec.run = [](const Task& t, const CancelFlag&) {
    // Half done at once, then 3.5 s of work: rank 0's first report (after 2 s) comes while the
    // first tasks are still running.
    report_progress(t, 0.5);
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    report_progress(t, 7.0);  // clamped to 1
    return std::vector<double>{static_cast<double>(t.sample)};
  };
  RunControl control;
  control.threads = 2;  // a compute thread beside the coordinating one on every rank
  control.progress = false;
  std::vector<std::pair<std::uint64_t, double>> reports;
  control.on_progress = [&](std::uint64_t done, double work, double total) {
    EXPECT_EQ(total, 2.0 * size());
    reports.emplace_back(done, work);
  };
  const auto result = run_ensemble(spec, control, MPI_COMM_WORLD);
  EXPECT_TRUE(result.complete);
  if (rank() == 0) {
    ASSERT_FALSE(reports.empty());
    const auto [done, work] = reports.front();
    EXPECT_EQ(done, 0u);
    // At least one running task counted at half its cost; whole halves only.
    EXPECT_GE(work, 1.0);
    EXPECT_EQ(work, std::floor(work));
    for (const auto& [d, w] : reports) {
      EXPECT_LE(w, 2.0 * size());
      EXPECT_GE(w, 2.0 * static_cast<double>(d));
    }
  }
}

TEST(Scheduler, TimeLimitLeavesCheckpointAndResumeCompletesIdentically) {
  const auto spec = make_spec(4, 50, /*sleep_us=*/2000);  // 200 tasks of 2 ms
  const auto checkpoint = scratch_file("limit.checkpoint.h5");
  RunControl control;
  control.threads = 1;
  control.progress = false;
  control.time_limit = 0.05;
  control.checkpoint_path = checkpoint;
  control.parameters_json = "{}";
  const auto first = run_ensemble(spec, control, MPI_COMM_WORLD);
  EXPECT_FALSE(first.complete);
  Checkpoint loaded;
  if (rank() == 0) {
    EXPECT_EQ(first.checkpoint_written, checkpoint);
    EXPECT_GT(first.tasks_done, 0u);
    EXPECT_LT(first.tasks_done, 200u);
    loaded = load_checkpoint(checkpoint);
    EXPECT_EQ(loaded.task_ids.size(), first.tasks_done);
  }
  RunControl again = control;
  again.time_limit = 0;
  again.resume_from = rank() == 0 ? &loaded : nullptr;
  g_calls = 0;
  const auto second = run_ensemble(spec, again, MPI_COMM_WORLD);
  EXPECT_TRUE(second.complete);
  std::uint64_t calls = g_calls, total_calls = 0;
  MPI_Allreduce(&calls, &total_calls, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  if (rank() == 0) {
    EXPECT_EQ(second.tasks_resumed, first.tasks_done);
    EXPECT_EQ(total_calls, 200u - first.tasks_done) << "resumed tasks must not run again";
    expect_all_tasks_correct(spec, second);
  }
}

// A signal delivered to one rank only (here the last) stops every rank; decided on rank 0.
TEST(Scheduler, SignalOnAnyRankStopsAllRanks) {
  const int signalling_rank = size() - 1;
  EnsembleSpec spec = make_spec(3, 200, 1000);
  auto base = spec.run;
  spec.run = [base, signalling_rank](const Task& t, const CancelFlag& cancel) {
    static std::atomic<int> seen{0};
    if (rank() == signalling_rank && ++seen == 5) std::raise(SIGUSR1);
    return base(t, cancel);
  };
  RunControl control;
  control.threads = 2;
  control.progress = false;
  control.checkpoint_path = scratch_file("signal.checkpoint.h5");
  install_stop_handlers();
  const auto result = run_ensemble(spec, control, MPI_COMM_WORLD);
  reset_stop_signal();
  EXPECT_FALSE(result.complete);
  EXPECT_NE(result.stop_reason.find("SIGUSR1"), std::string::npos) << result.stop_reason;
  if (rank() == 0) {
    const auto c = load_checkpoint(control.checkpoint_path);
    EXPECT_EQ(c.task_ids.size(), result.tasks_done);
    EXPECT_LT(result.tasks_done, 600u);
  }
}

TEST(Scheduler, EmptyExperimentIsAUsageErrorOnEveryRank) {
  EnsembleSpec spec = make_spec(1, 1);
  spec.samples_per_point = 0;
  RunControl control;
  EXPECT_THROW(run_ensemble(spec, control, MPI_COMM_WORLD), UsageError);
}

// --first-sample: task k of a point runs sample number first_sample + k, so a run of samples
// 5..9 holds exactly the values that samples 5..9 of a run of 0..9 hold.
TEST(Scheduler, FirstSampleOffsetsTheSampleNumbers) {
  auto whole = make_spec(3, 10);
  auto tail = make_spec(3, 5);
  tail.first_sample = 5;
  RunControl control;
  control.progress = false;
  const auto a = run_ensemble(whole, control, MPI_COMM_WORLD);
  const auto b = run_ensemble(tail, control, MPI_COMM_WORLD);
  if (rank() == 0) {
    ASSERT_TRUE(a.complete && b.complete);
    for (std::uint64_t p = 0; p < 3; ++p) {
      for (std::uint64_t k = 0; k < 5; ++k) {
        for (std::uint64_t v = 0; v < 3; ++v) {
          EXPECT_EQ(b.values[(p * 5 + k) * 3 + v], a.values[(p * 10 + 5 + k) * 3 + v]) << p << " " << k << " " << v;
        }
        EXPECT_EQ(b.values[(p * 5 + k) * 3 + 1], static_cast<double>(5 + k));
      }
    }
  }
}

// Consecutive runs in one process (adaptive rounds do this) must not see each other's messages:
// a stop that races the end of a run (here: triggered by its last tasks) used to leave a "stop"
// or an unanswered assignment in a worker's queue, which the next run then obeyed, cancelling
// or duplicating tasks.
TEST(Scheduler, ConsecutiveRunsAfterARacingStopAreIndependent) {
  const auto spec = make_spec(4, 6);
  const std::uint64_t total = spec.num_points * spec.samples_per_point;
  for (int repeat = 0; repeat < 20; ++repeat) {
    RunControl racing;
    racing.threads = 2;
    racing.progress = false;
    racing.stop_after_tasks = total - static_cast<std::uint64_t>(repeat % 3);
    (void)run_ensemble(spec, racing, MPI_COMM_WORLD);
    RunControl plain = racing;
    plain.stop_after_tasks = 0;
    g_calls = 0;
    const auto result = run_ensemble(spec, plain, MPI_COMM_WORLD);
    std::uint64_t calls = g_calls, total_calls = 0;
    MPI_Allreduce(&calls, &total_calls, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    ASSERT_TRUE(result.complete) << "repeat " << repeat << ": " << result.stop_reason;
    ASSERT_EQ(total_calls, total) << "repeat " << repeat;
    if (rank() == 0) {
      ASSERT_EQ(result.tasks_done, total);
      expect_all_tasks_correct(spec, result);
    }
  }
}
