// Suspendable tasks (scheduler.hpp): a task that sees its cancel flag hands back its partial
// state (nnsim::Suspended); the checkpoint keeps it and the resumed run continues the task from
// it. Runs under mpiexec -n 1 and 2 (see CMakeLists.txt).
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "ensemble/bytes.hpp"
#include "ensemble/scheduler.hpp"
#include "ensemble/stop.hpp"

using namespace nnsim;

namespace {

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

std::string scratch_file(const std::string& name) {
  long pid = rank() == 0 ? static_cast<long>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const auto dir = std::filesystem::temp_directory_path() / ("nnsim_test_suspend_" + std::to_string(pid));
  if (rank() == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  return (dir / name).string();
}

std::uint64_t sum_over_ranks(std::uint64_t local) {
  std::uint64_t total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

constexpr std::uint64_t kSteps = 200;  // steps of every task
std::atomic<std::uint64_t> g_steps{0};          // steps made on this rank
std::atomic<std::uint64_t> g_started_resumed{0};  // tasks started from a suspended state
std::atomic<std::uint64_t> g_suspended{0};      // Suspended thrown on this rank
std::atomic<bool> g_trigger{false};             // the first run: task `kTriggerTask` raises SIGUSR1
constexpr std::uint64_t kTriggerTask = 5;

/// A suspendable task: kSteps steps, each adding a number from the task's random stream to a
/// running sum (order-sensitive in floating point, so a skipped, repeated or reordered step
/// shows in the bits). Its state: the step reached, the sum, the stream position.
EnsembleSpec make_spec() {
  EnsembleSpec spec;
  spec.num_points = 4;
  spec.samples_per_point = 6;
  spec.observables = {"sum", "last"};
  spec.run = [](const Task& t, const CancelFlag& cancel) {
    auto rng = make_stream(5, t.point, t.sample, 0);
    std::uint64_t step = 0;
    double sum = 0;
    if (!t.resume_state.empty()) {
      ByteBuffer in(t.resume_state);
      step = in.get_u64();
      sum = in.get_double();
      rng.seek(in.get_u64());
      ++g_started_resumed;
    }
    double last = 0;
    for (; step < kSteps; ++step) {
      if (g_trigger && t.id == kTriggerTask && step == 100) {
        // Stop the run from inside this task, then wait until rank 0 cancels it (bounded), so
        // that this task is certainly in flight when the stop arrives.
        g_trigger = false;
        std::raise(SIGUSR1);
        for (int i = 0; i < 20000 && !cancel.load(); ++i) std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      if (cancel.load(std::memory_order_relaxed) && step > 0) {
        ByteBuffer out;
        out.put_u64(step);
        out.put_double(sum);
        out.put_u64(rng.position());
        ++g_suspended;
        throw Suspended(out.bytes());
      }
      last = rng.uniform() * std::pow(10.0, static_cast<double>(step % 7));
      sum += last;
      ++g_steps;
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    return std::vector<double>{sum, last};
  };
  return spec;
}

}  // namespace

// Stop (a signal raised inside a task) with tasks in flight, resume: every task's values equal
// those of an uninterrupted run bit for bit, and no step ran twice (the suspended tasks
// continued where they stopped instead of starting again).
TEST(Suspend, StoppedTasksContinueFromTheirStateAndEndIdentically) {
  const auto spec = make_spec();
  const std::uint64_t total = spec.num_points * spec.samples_per_point;
  for (const int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    RunControl plain;
    plain.threads = threads;
    plain.progress = false;
    const auto reference = run_ensemble(spec, plain, MPI_COMM_WORLD);
    ASSERT_TRUE(reference.complete);

    const auto checkpoint = scratch_file("suspend_" + std::to_string(threads) + ".checkpoint.h5");
    RunControl control = plain;
    control.checkpoint_path = checkpoint;
    control.parameters_json = "{}";
    g_steps = 0;
    g_started_resumed = 0;
    g_suspended = 0;
    install_stop_handlers();
    g_trigger = true;
    const auto first = run_ensemble(spec, control, MPI_COMM_WORLD);
    reset_stop_signal();
    g_trigger = false;
    ASSERT_FALSE(first.complete);
    const std::uint64_t first_steps = sum_over_ranks(g_steps);
    const std::uint64_t suspended = sum_over_ranks(g_suspended);
    EXPECT_GE(suspended, 1u) << "the task that raised the signal was in flight";
    Checkpoint loaded;
    if (rank() == 0) {
      loaded = load_checkpoint(checkpoint);
      EXPECT_EQ(loaded.task_ids.size(), first.tasks_done);
      EXPECT_EQ(loaded.suspended_ids.size(), suspended);
      EXPECT_EQ(first.suspended.size(), suspended);
      EXPECT_EQ(std::count(loaded.suspended_ids.begin(), loaded.suspended_ids.end(), kTriggerTask), 1);
    }
    RunControl again = plain;
    again.checkpoint_path = checkpoint;
    again.parameters_json = "{}";
    again.resume_from = rank() == 0 ? &loaded : nullptr;
    g_steps = 0;
    const auto second = run_ensemble(spec, again, MPI_COMM_WORLD);
    ASSERT_TRUE(second.complete);
    const std::uint64_t second_steps = sum_over_ranks(g_steps);
    EXPECT_EQ(sum_over_ranks(g_started_resumed), suspended);
    // Every step of every task ran exactly once over the two runs.
    EXPECT_EQ(first_steps + second_steps, total * kSteps);
    if (rank() == 0) {
      EXPECT_EQ(second.tasks_continued, suspended);
      EXPECT_TRUE(second.suspended.empty());
      ASSERT_EQ(second.values.size(), reference.values.size());
      EXPECT_EQ(std::memcmp(second.values.data(), reference.values.data(), reference.values.size() * sizeof(double)),
                0)
          << "resumed values differ from the uninterrupted run";
    }
  }
}

// A suspended task that is cancelled again before it suspends anew (here: the resumed run is
// stopped at once, before any task starts) keeps its state for the next resume.
TEST(Suspend, StateSurvivesAResumeThatStopsBeforeTheTaskRuns) {
  const auto spec = make_spec();
  RunControl plain;
  plain.threads = 1;
  plain.progress = false;
  plain.parameters_json = "{}";
  const auto reference = run_ensemble(spec, plain, MPI_COMM_WORLD);
  const auto checkpoint = scratch_file("again.checkpoint.h5");
  RunControl control = plain;
  control.checkpoint_path = checkpoint;
  install_stop_handlers();
  g_trigger = true;
  (void)run_ensemble(spec, control, MPI_COMM_WORLD);
  reset_stop_signal();
  g_trigger = false;
  Checkpoint loaded;
  if (rank() == 0) loaded = load_checkpoint(checkpoint);
  // Resume with a stop signal already pending: nothing runs, the checkpoint is rewritten.
  RunControl stopped = control;
  stopped.resume_from = rank() == 0 ? &loaded : nullptr;
  std::raise(SIGUSR2);
  const auto idle = run_ensemble(spec, stopped, MPI_COMM_WORLD);
  reset_stop_signal();
  EXPECT_FALSE(idle.complete);
  Checkpoint reloaded;
  if (rank() == 0) {
    reloaded = load_checkpoint(checkpoint);
    EXPECT_FALSE(reloaded.suspended_ids.empty());
    EXPECT_EQ(std::count(reloaded.suspended_ids.begin(), reloaded.suspended_ids.end(), kTriggerTask), 1);
  }
  RunControl last = control;
  last.resume_from = rank() == 0 ? &reloaded : nullptr;
  const auto done = run_ensemble(spec, last, MPI_COMM_WORLD);
  ASSERT_TRUE(done.complete);
  if (rank() == 0) {
    EXPECT_GE(done.tasks_continued, 1u);
    EXPECT_EQ(std::memcmp(done.values.data(), reference.values.data(), reference.values.size() * sizeof(double)), 0);
  }
}
