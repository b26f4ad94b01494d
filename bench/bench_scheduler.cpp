// Rank 0 at scale (issue 6, section 3): what the ensemble layer costs per task, per message,
// per checkpoint and per output file when the tasks themselves cost nothing. One case per
// process, so that the peak resident memory (getrusage ru_maxrss) belongs to that case alone.
//
//   nnsim-bench-scheduler scheduler  --tasks N --values V --threads T [--task-us U]
//       run_ensemble over N synthetic tasks returning V values each (computed from the task id;
//       checked afterwards); tasks/s, messages to and from rank 0 (counted by wrapping MPI_Send
//       through the MPI profiling interface), rank-0 CPU time per message, rank-0 peak RSS.
//   nnsim-bench-scheduler loop       --tasks N --values V
//       baseline: the same task function called in a plain loop storing into one array.
//   nnsim-bench-scheduler checkpoint --tasks N --values V [--dir D] [--done F]
//       make_checkpoint + save_checkpoint of a result with a fraction F (default 1) of the tasks
//       done; time of each, file size, fsync time, load_checkpoint time, peak RSS.
//   nnsim-bench-scheduler output     --tasks N --values V [--dir D]
//       write_gridded_results (the driver's output writer) of a complete result.
//
// Reproduce every figure of docs/design.md (about 2 minutes):
//   cmake --build build -j2 --target nnsim-bench-scheduler
//   bench/run_bench_scheduler.sh build
// Each case prints the exact command that reproduces it.

#include <fcntl.h>
#include <mpi.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ensemble/checkpoint.hpp"
#include "ensemble/provenance.hpp"
#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

// ---------------------------------------------------------------------------------------------
// Message counting through the MPI profiling interface: the scheduler's MPI calls resolve to
// these definitions (the ensemble library is static), which count and forward to PMPI_*.
// On rank 0 the time from entering MPI_Recv of a worker's message to leaving MPI_Send of the
// reply is the coordinator's cost of handling one request (receive, decode, record the values,
// build and send the reply); messages without a reply (results only) are not included.
namespace {
std::atomic<std::uint64_t> g_messages_sent{0};
std::atomic<std::uint64_t> g_bytes_sent{0};
std::atomic<std::uint64_t> g_tasks_run_here{0};
int g_rank = 0;
double g_recv_started = -1;     // MPI_Wtime at entry of the last MPI_Recv (coordinator thread only)
double g_handling_seconds = 0;  // sum over replied requests
std::uint64_t g_handled = 0;    // requests replied to
}  // namespace

extern "C" int MPI_Recv(void* buffer, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
                        MPI_Status* status) {
  g_recv_started = PMPI_Wtime();
  return PMPI_Recv(buffer, count, type, source, tag, comm, status);
}

extern "C" int MPI_Send(const void* buffer, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  int type_size = 0;
  PMPI_Type_size(type, &type_size);
  ++g_messages_sent;
  g_bytes_sent += static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(type_size);
  const int rc = PMPI_Send(buffer, count, type, dest, tag, comm);
  if (g_rank == 0 && dest != 0 && g_recv_started >= 0) {
    g_handling_seconds += PMPI_Wtime() - g_recv_started;
    ++g_handled;
    g_recv_started = -1;
  }
  return rc;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string mode;
  std::uint64_t tasks = 100000;
  std::size_t values = 1;
  int threads = 1;
  double task_us = 0;        // busy-wait per task, microseconds
  double root_sleep_us = 0;  // tasks that run on rank 0 sleep this long (isolates its coordinator)
  double done = 1.0;         // fraction of tasks done in a checkpoint
  std::string dir = "/tmp";
  std::string command;  // as typed, for the "reproduce" line
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) throw std::invalid_argument("usage: see the comment at the top of bench/bench_scheduler.cpp");
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--tasks")
      a.tasks = std::stoull(value);
    else if (key == "--values")
      a.values = std::stoull(value);
    else if (key == "--threads")
      a.threads = std::stoi(value);
    else if (key == "--task-us")
      a.task_us = std::stod(value);
    else if (key == "--root-sleep-us")
      a.root_sleep_us = std::stod(value);
    else if (key == "--done")
      a.done = std::stod(value);
    else if (key == "--dir")
      a.dir = value;
    else
      throw std::invalid_argument("unknown option " + key);
  }
  return a;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6;  // Linux: KiB; reported in MB (10^6 B)
}
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}
double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// The synthetic task's value i: cheap, exact in double, different for every (task, i).
double task_value(std::uint64_t id, std::size_t i) { return static_cast<double>(id) * 1024.0 + static_cast<double>(i); }

nnsim::EnsembleSpec make_spec(const Args& a) {
  nnsim::EnsembleSpec spec;
  spec.num_points = 100;
  if (a.tasks % spec.num_points != 0) throw std::invalid_argument("--tasks must be a multiple of 100");
  spec.samples_per_point = a.tasks / spec.num_points;
  spec.observables = {"trace"};
  spec.widths = {a.values};
  const double task_us = a.task_us, root_sleep_us = a.root_sleep_us;
  const std::size_t nv = a.values;
  spec.run = [task_us, root_sleep_us, nv](const nnsim::Task& t, const nnsim::CancelFlag&) {
    ++g_tasks_run_here;
    if (root_sleep_us > 0 && g_rank == 0) {
      std::this_thread::sleep_for(std::chrono::duration<double, std::micro>(root_sleep_us));
    }
    if (task_us > 0) {
      const auto until = Clock::now() + std::chrono::duration<double, std::micro>(task_us);
      while (Clock::now() < until) {
      }
    }
    std::vector<double> v(nv);
    for (std::size_t i = 0; i < nv; ++i) v[i] = task_value(t.id, i);
    return v;
  };
  return spec;
}

/// A complete (or partly complete) result as run_ensemble would leave it on rank 0.
nnsim::EnsembleResult make_result(const nnsim::EnsembleSpec& spec, double done_fraction) {
  nnsim::EnsembleResult r;
  const std::uint64_t total = spec.num_points * spec.samples_per_point;
  const std::size_t nv = spec.values_per_task();
  r.values.assign(total * nv, std::nan(""));
  r.done.assign(total, 0);
  const auto stride = static_cast<std::uint64_t>(std::llround(1.0 / done_fraction));
  for (std::uint64_t id = 0; id < total; id += stride) {
    for (std::size_t i = 0; i < nv; ++i) r.values[id * nv + i] = task_value(id, i);
    r.done[id] = 1;
    ++r.tasks_done;
  }
  r.complete = r.tasks_done == total;
  return r;
}

double file_mb(const std::string& path) { return static_cast<double>(std::filesystem::file_size(path)) / 1e6; }

double fsync_seconds(const std::string& path) {
  const auto t = Clock::now();
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return seconds_since(t);
}

void print_command(const Args& a, int ranks) {
  std::printf("  reproduce: scripts/mpirun -n %d build/bench/nnsim-bench-scheduler %s\n", ranks, a.command.c_str());
}

int run_scheduler(const Args& a, int rank, int ranks) {
  const auto spec = make_spec(a);
  nnsim::RunControl control;
  control.threads = a.threads;
  control.progress = false;
  control.checkpoint_interval = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  g_messages_sent = 0;
  g_bytes_sent = 0;
  g_tasks_run_here = 0;
  g_recv_started = -1;
  g_handling_seconds = 0;
  g_handled = 0;
  const double cpu0 = cpu_seconds();
  const double t0 = MPI_Wtime();
  const auto result = nnsim::run_ensemble(spec, control, MPI_COMM_WORLD);
  const double wall = MPI_Wtime() - t0;
  const double cpu = cpu_seconds() - cpu0;
  // Messages: rank 0 receives everything the other ranks send and sends the rest.
  std::uint64_t mine[2] = {g_messages_sent.load(), g_bytes_sent.load()};
  std::uint64_t from_root[2] = {rank == 0 ? mine[0] : 0, rank == 0 ? mine[1] : 0};
  std::uint64_t all[2] = {0, 0}, root_sent[2] = {0, 0};
  MPI_Reduce(mine, all, 2, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  MPI_Reduce(from_root, root_sent, 2, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank != 0) return 0;
  const std::uint64_t on_root = g_tasks_run_here.load();
  const std::uint64_t on_workers = a.tasks - on_root;
  std::uint64_t wrong = 0;
  const std::size_t nv = a.values;
  for (std::uint64_t id = 0; id < result.done.size(); ++id) {
    if (!result.done[id]) {
      ++wrong;
      continue;
    }
    for (std::size_t i = 0; i < nv; ++i) wrong += result.values[id * nv + i] != task_value(id, i);
  }
  if (wrong != 0) {
    std::fprintf(stderr, "bench_scheduler: %llu wrong values\n", static_cast<unsigned long long>(wrong));
    return 1;
  }
  const double to_root = static_cast<double>(all[0] - root_sent[0]);
  std::printf(
      "scheduler ranks=%d threads=%d tasks=%llu values=%zu task_us=%g root_sleep_us=%g: wall %.3f s, %.0f "
      "tasks/s (%llu run on rank 0, %.0f /s on the other ranks); messages to rank 0 %.0f (%.3f per task run "
      "elsewhere, %.0f /s, %.1f MB), from rank 0 %llu; rank-0 CPU %.3f s (%.2f us per message to rank 0); rank-0 "
      "peak RSS %.1f MB (values array %.1f MB); rank 0 handled %llu requests in %.1f us each; load average "
      "%.1f\n",
      ranks, a.threads, static_cast<unsigned long long>(a.tasks), nv, a.task_us, a.root_sleep_us, wall,
      static_cast<double>(a.tasks) / wall, static_cast<unsigned long long>(on_root),
      static_cast<double>(on_workers) / wall, to_root, on_workers > 0 ? to_root / static_cast<double>(on_workers) : 0.0,
      to_root / wall, static_cast<double>(all[1] - root_sent[1]) / 1e6, static_cast<unsigned long long>(root_sent[0]),
      cpu, to_root > 0 ? 1e6 * cpu / to_root : 0.0, peak_rss_mb(),
      static_cast<double>(a.tasks * nv * sizeof(double)) / 1e6, static_cast<unsigned long long>(g_handled),
      g_handled > 0 ? 1e6 * g_handling_seconds / static_cast<double>(g_handled) : 0.0, load_average());
  print_command(a, ranks);
  return 0;
}

int run_loop(const Args& a) {
  const auto spec = make_spec(a);
  const std::size_t nv = a.values;
  std::vector<double> values(a.tasks * nv);
  nnsim::CancelFlag cancel{false};
  const auto t = Clock::now();
  for (std::uint64_t id = 0; id < a.tasks; ++id) {
    const auto v = spec.run(nnsim::Task{id, id / spec.samples_per_point, id % spec.samples_per_point, {}}, cancel);
    std::copy(v.begin(), v.end(), values.begin() + static_cast<std::ptrdiff_t>(id * nv));
  }
  const double wall = seconds_since(t);
  std::printf("loop tasks=%llu values=%zu task_us=%g: wall %.3f s, %.0f tasks/s (check %g); peak RSS %.1f MB\n",
              static_cast<unsigned long long>(a.tasks), nv, a.task_us, wall, static_cast<double>(a.tasks) / wall,
              values.back(), peak_rss_mb());
  print_command(a, 1);
  return 0;
}

int run_checkpoint(const Args& a) {
  const auto spec = make_spec(a);
  auto result = make_result(spec, a.done);
  nnsim::RunControl control;
  control.parameters_json = "{\"bench\": true}";
  control.git_commit = "unknown";
  const double rss_result = peak_rss_mb();
  const std::string path = a.dir + "/nnsim-bench-checkpoint-" + std::to_string(::getpid()) + ".h5";
  // First the run's own path (save_result_checkpoint: values written from the result, no copy),
  // then, as the baseline in the same process, the copy through make_checkpoint (what the run did
  // before). Peak RSS only grows, so the direct path is measured first.
  auto t = Clock::now();
  nnsim::save_result_checkpoint(path, spec, control, result);
  const double direct_s = seconds_since(t);
  const double rss_direct = peak_rss_mb();
  const double sync_s = fsync_seconds(path);
  const double size = file_mb(path);
  t = Clock::now();
  const auto loaded = nnsim::load_checkpoint(path);
  const double load_s = seconds_since(t);
  if (loaded.task_ids.size() != result.tasks_done) throw std::runtime_error("checkpoint lost tasks");
  std::filesystem::remove(path);
  const double rss_loaded = peak_rss_mb();
  double make_s = 0, save_s = 0;
  t = Clock::now();
  {
    const auto checkpoint = nnsim::make_checkpoint(spec, control, result);
    make_s = seconds_since(t);
    t = Clock::now();
    nnsim::save_checkpoint(path, checkpoint);
    save_s = seconds_since(t);
  }
  const double rss_copy = peak_rss_mb();
  std::filesystem::remove(path);
  const double done_mb = static_cast<double>(result.tasks_done * a.values * sizeof(double)) / 1e6;
  std::printf(
      "checkpoint tasks=%llu values=%zu done=%g: done values %.1f MB; save_result_checkpoint (no copy) %.3f s "
      "(%.0f MB/s into the page cache), fsync %.3f s, file %.1f MB, load_checkpoint %.3f s; RSS with the result "
      "%.1f MB, peak during the checkpoint %.1f MB (+%.1f MB)\n"
      "  baseline, same process: make_checkpoint %.3f s + save_checkpoint %.3f s; peak %.1f MB (+%.1f MB over the "
      "result and the loaded checkpoint)\n",
      static_cast<unsigned long long>(a.tasks), a.values, a.done, done_mb, direct_s, size / direct_s, sync_s, size,
      load_s, rss_result, rss_direct, rss_direct - rss_result, make_s, save_s, rss_copy, rss_copy - rss_loaded);
  print_command(a, 1);
  return 0;
}

int run_output(const Args& a) {
  const auto spec = make_spec(a);
  const auto result = make_result(spec, 1.0);
  const double rss_result = peak_rss_mb();
  const std::string path = a.dir + "/nnsim-bench-output-" + std::to_string(::getpid()) + ".h5";
  std::vector<std::int64_t> point_index(spec.num_points);
  for (std::uint64_t p = 0; p < spec.num_points; ++p) point_index[p] = static_cast<std::int64_t>(p);
  const auto t = Clock::now();
  {
    auto file = nnsim::io::File::create(path, /*truncate=*/true);
    nnsim::write_gridded_results(file, spec, result, {{"index", point_index, "point index"}},
                                 {{"trace", "synthetic values", ""}}, {});
    file.close();
  }
  const double write_s = seconds_since(t);
  const double rss_peak = peak_rss_mb();
  const double sync_s = fsync_seconds(path);
  const double size = file_mb(path);
  std::filesystem::remove(path);
  std::printf(
      "output tasks=%llu values=%zu: write_gridded_results %.3f s, fsync %.3f s, file %.1f MB; RSS with the "
      "result %.1f MB, peak while writing %.1f MB (+%.1f MB)\n",
      static_cast<unsigned long long>(a.tasks), a.values, write_s, sync_s, size, rss_result, rss_peak,
      rss_peak - rss_result);
  print_command(a, 1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  g_rank = rank;
  int status = 0;
  try {
    Args a = parse(argc, argv);
    for (int i = 1; i < argc; ++i) {
      if (i > 1) a.command += ' ';
      a.command += argv[i];
    }
    if (a.mode == "scheduler") {
      status = run_scheduler(a, rank, ranks);
    } else if (rank == 0 && ranks == 1) {
      if (a.mode == "loop")
        status = run_loop(a);
      else if (a.mode == "checkpoint")
        status = run_checkpoint(a);
      else if (a.mode == "output")
        status = run_output(a);
      else
        throw std::invalid_argument("unknown mode " + a.mode);
    } else {
      throw std::invalid_argument("mode " + a.mode + " runs on one rank");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_scheduler: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  std::fflush(stdout);
  MPI_Finalize();
  return status;
}
