#include "ensemble/scheduler.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "ensemble/bytes.hpp"
#include "ensemble/mpi_env.hpp"
#include "ensemble/stop.hpp"

namespace nnsim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kTagToRoot = 7101;
constexpr int kTagToWorker = 7102;

// Message kinds. Worker -> root: results (+ optional request), a signal notice, the final
// report. Root -> worker: task ids, "no more tasks", "stop now", and "run over" after every
// worker's final report. A worker drains its queue up to "run over" before it returns, so no
// message of one run (a stop that crossed a final report) is left for the next run in the same
// process, such as the next round of ensemble/rounds.hpp.
enum Kind : std::uint64_t {
  kResults = 1,
  kSignal = 2,
  kFinal = 3,
  kProgress = 4,  // the work of the worker's running tasks done so far (Task::progress)
  kAssign = 11,
  kNoMore = 12,
  kStop = 13,
  kRunOver = 14
};

struct Outcome {
  std::uint64_t id = 0;
  bool cancelled = false;
  std::vector<double> values;
  std::vector<std::vector<double>> records;  // per record observable
  std::vector<unsigned char> state;          // cancelled: the state of nnsim::Suspended, if any
};

// The second word of a task's outcome in a message.
enum OutcomeKind : std::uint64_t { kDone = 0, kCancelled = 1, kSuspended = 2 };

void send(const ByteBuffer& b, int dest, int tag, MPI_Comm comm) {
  // MPI counts in int; a report of tasks with very long records could pass 2 GiB.
  if (b.bytes().size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("scheduler: a message of " + std::to_string(b.bytes().size()) +
                             " bytes exceeds MPI's 2 GiB count limit (records of a few tasks too long)");
  }
  MPI_Send(b.bytes().data(), static_cast<int>(b.bytes().size()), MPI_BYTE, dest, tag, comm);
}

bool try_receive(int tag, MPI_Comm comm, ByteBuffer& out, int& source) {
  int flag = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, tag, comm, &flag, &status);
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, tag, comm, MPI_STATUS_IGNORE);
  out = ByteBuffer(std::move(bytes));
  source = status.MPI_SOURCE;
  return true;
}

// A task's message: id, outcome kind, then for a done task its values and, per record
// observable, the number of record values and the values; for a suspended task the length and
// bytes of its state. Without records the bytes are those of a fixed-values-only run.
void put_outcomes(ByteBuffer& b, const std::vector<Outcome>& outcomes, std::size_t num_observables,
                  std::size_t num_records) {
  b.put_u64(static_cast<std::uint64_t>(outcomes.size()));
  for (const auto& o : outcomes) {
    b.put_u64(o.id);
    if (!o.cancelled) {
      b.put_u64(kDone);
      for (std::size_t k = 0; k < num_observables; ++k) b.put_double(o.values[k]);
      for (std::size_t k = 0; k < num_records; ++k) b.put_doubles(o.records[k]);
    } else if (o.state.empty()) {
      b.put_u64(kCancelled);
    } else {
      b.put_u64(kSuspended);
      b.put_bytes(o.state);
    }
  }
}

std::vector<Outcome> get_outcomes(ByteBuffer& b, std::size_t num_observables, std::size_t num_records) {
  std::vector<Outcome> outcomes(b.get_u64());
  for (auto& o : outcomes) {
    o.id = b.get_u64();
    const auto kind = b.get_u64();
    o.cancelled = kind != kDone;
    if (kind == kSuspended) o.state = b.get_bytes();
    if (!o.cancelled) {
      o.values.resize(num_observables);
      for (auto& v : o.values) v = b.get_double();
      o.records.resize(num_records);
      for (auto& r : o.records) r = b.get_doubles();
    }
  }
  return outcomes;
}

/// The compute threads of one rank and the queue between them and the coordinator.
class LocalPool {
 public:
  LocalPool(const EnsembleSpec& spec) : spec_(spec) {}

  /// Body of each compute thread: run queued tasks until shut down.
  void work() {
    for (;;) {
      Task task;
      std::list<Running>::iterator slot;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = queue_.front();
        queue_.pop_front();
        ++busy_;
        slot = start_running(task);
      }
      Outcome outcome = run_one(task);
      std::lock_guard lock(mutex_);
      running_.erase(slot);
      finished_.push_back(std::move(outcome));
      --busy_;
    }
  }

  Outcome run_one(const Task& task) {
    Outcome outcome;
    outcome.id = task.id;
    if (cancel_) {
      outcome.cancelled = true;
      return outcome;
    }
    try {
      if (spec_.run_with_records) {
        TaskOutput output = spec_.run_with_records(task, cancel_);
        if (output.records.size() != spec_.records.size()) {
          throw std::logic_error("task returned " + std::to_string(output.records.size()) +
                                 " record observables instead of " + std::to_string(spec_.records.size()));
        }
        for (std::size_t k = 0; k < spec_.records.size(); ++k) {
          if (output.records[k].size() % spec_.records[k].width != 0) {
            throw std::logic_error("task returned " + std::to_string(output.records[k].size()) + " values of record '" +
                                   spec_.records[k].name + "', not a multiple of its width " +
                                   std::to_string(spec_.records[k].width));
          }
        }
        outcome.values = std::move(output.values);
        outcome.records = std::move(output.records);
      } else {
        outcome.values = spec_.run(task, cancel_);
      }
      if (outcome.values.size() != spec_.values_per_task()) {
        throw std::logic_error("task returned " + std::to_string(outcome.values.size()) + " values instead of " +
                               std::to_string(spec_.values_per_task()));
      }
    } catch (const Cancelled&) {
      outcome.cancelled = true;
    } catch (Suspended& suspended) {
      outcome.cancelled = true;
      outcome.state = std::move(suspended.state);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      if (error_.empty()) error_ = "task (point " + std::to_string(task.point) + ", sample " +
                                   std::to_string(task.sample) + ") failed: " + e.what();
      outcome.cancelled = true;
    }
    return outcome;
  }

  void push(const Task& task) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(task);
    }
    wake_.notify_one();
  }
  std::vector<Outcome> take_finished() {
    std::lock_guard lock(mutex_);
    std::vector<Outcome> out;
    out.swap(finished_);
    return out;
  }
  /// Tasks queued plus running.
  std::size_t load() {
    std::lock_guard lock(mutex_);
    return queue_.size() + static_cast<std::size_t>(busy_);
  }
  bool idle() {
    std::lock_guard lock(mutex_);
    return queue_.empty() && busy_ == 0 && finished_.empty();
  }
  /// Cancels running tasks (cooperatively) and turns queued ones into cancelled outcomes.
  void cancel() {
    cancel_ = true;
    std::lock_guard lock(mutex_);
    for (const auto& t : queue_) finished_.push_back(Outcome{t.id, true, {}, {}, {}});
    queue_.clear();
  }
  void shutdown() {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    wake_.notify_all();
  }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }
  /// Runs one queued task on the calling thread (used when no compute thread exists).
  bool run_inline() {
    Task task;
    std::list<Running>::iterator slot;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return false;
      task = queue_.front();
      queue_.pop_front();
      slot = start_running(task);
    }
    Outcome outcome = run_one(task);
    std::lock_guard lock(mutex_);
    running_.erase(slot);
    finished_.push_back(std::move(outcome));
    return true;
  }
  /// The work done so far by running tasks: sum of cost x reported fraction (Task::progress).
  double in_flight_work() {
    std::lock_guard lock(mutex_);
    double work = 0;
    for (const auto& r : running_) work += r.cost * r.fraction.load(std::memory_order_relaxed);
    return work;
  }

 private:
  /// A running task's progress slot and cost (EnsembleSpec::cost of its point).
  struct Running {
    double cost = 1;
    std::atomic<double> fraction{0};
  };
  /// With mutex_ held: a slot for a task about to run, handed to it as Task::progress.
  std::list<Running>::iterator start_running(Task& task) {
    const auto slot = running_.emplace(running_.end());
    slot->cost = spec_.cost ? std::max(spec_.cost(task.point), 0.0) : 1.0;
    task.progress = &slot->fraction;
    return slot;
  }

  const EnsembleSpec& spec_;
  std::list<Running> running_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::vector<Outcome> finished_;
  int busy_ = 0;
  bool shutdown_ = false;
  CancelFlag cancel_{false};
  std::string error_;
};

Task task_of(std::uint64_t id, const EnsembleSpec& spec, std::vector<unsigned char> resume_state = {}) {
  return Task{id, id / spec.samples_per_point, spec.first_sample + id % spec.samples_per_point,
              std::move(resume_state)};
}

/// Polling with a short back-off: responsive (well under a millisecond when busy) without
/// spinning a core that the compute threads need.
class Backoff {
 public:
  void reset() { sleep_us_ = 50; }
  void wait() {
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    sleep_us_ = std::min(sleep_us_ * 2, 2000);
  }

 private:
  int sleep_us_ = 50;
};

[[noreturn]] void abort_run(MPI_Comm comm, const std::string& message) {
  log::error(message);
  MPI_Abort(comm, kExitFailure);
  std::abort();
}

/// Rank 0: owns the task list, hands out tasks, records results, decides when to stop.
class RootCoordinator {
 public:
  RootCoordinator(const EnsembleSpec& spec, const RunControl& control, MPI_Comm comm, LocalPool& pool,
                  int workers_here)
      : spec_(spec), control_(control), comm_(comm), pool_(pool), workers_here_(workers_here) {
    MPI_Comm_size(comm, &ranks_);
    const std::uint64_t total = spec.num_points * spec.samples_per_point;
    nobs_ = spec.values_per_task();
    result_.values.assign(total * nobs_, std::nan(""));
    result_.done.assign(total, 0);
    for (const auto& r : spec.records) result_.records.push_back(RecordColumn{r.width, {}});
    for (auto& column : result_.records) column.by_task.resize(total);
    if (control.resume_from) {
      auto& c = *control.resume_from;
      if (c.records.size() != spec.records.size()) {
        throw std::logic_error("run_ensemble: the checkpoint to resume has " + std::to_string(c.records.size()) +
                               " record observables, the experiment " + std::to_string(spec.records.size()));
      }
      if (c.suspended_ids.size() != c.suspended_states.size()) {
        throw std::logic_error("run_ensemble: the checkpoint's suspended states do not match their task ids");
      }
      for (std::size_t i = 0; i < c.suspended_ids.size(); ++i) {
        result_.suspended[c.suspended_ids[i]] = std::move(c.suspended_states[i]);
      }
      std::vector<std::uint64_t>().swap(c.suspended_ids);
      std::vector<std::vector<unsigned char>>().swap(c.suspended_states);
      std::vector<std::vector<double>> records(spec.records.size());
      for (std::size_t i = 0; i < c.task_ids.size(); ++i) {
        for (std::size_t k = 0; k < records.size(); ++k) {
          const auto entry = c.records[k].entry(i);
          records[k].assign(entry.begin(), entry.end());
        }
        record(c.task_ids[i],
               std::vector<double>(c.values.begin() + static_cast<std::ptrdiff_t>(i * nobs_),
                                   c.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * nobs_)),
               std::move(records));
        records.assign(spec.records.size(), {});
      }
      result_.tasks_resumed = result_.tasks_done;
      std::vector<double>().swap(c.values);  // consumed: rank 0 keeps one copy of the values
      std::vector<std::uint64_t>().swap(c.task_ids);
      std::vector<FlatRecords>().swap(c.records);
      for (auto it = result_.suspended.begin(); it != result_.suspended.end();) {
        it = it->first >= total || result_.done[it->first] ? result_.suspended.erase(it) : std::next(it);
      }
      if (!result_.suspended.empty()) {
        log::info("resuming " + std::to_string(result_.suspended.size()) +
                  " suspended task(s) from their mid-run state");
      }
    }
    // Most expensive points first (longest-processing-time heuristic); ties in id order.
    std::vector<std::uint64_t> order;
    for (std::uint64_t id = 0; id < total; ++id) {
      if (!result_.done[id]) order.push_back(id);
    }
    cost_.assign(spec.num_points, 1.0);
    if (spec.cost) {
      for (std::uint64_t p = 0; p < spec.num_points; ++p) cost_[p] = std::max(spec.cost(p), 0.0);
      std::stable_sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
        return cost_[a / spec.samples_per_point] > cost_[b / spec.samples_per_point];
      });
    }
    for (std::uint64_t id = 0; id < total; ++id) {
      const double c = cost_[id / spec.samples_per_point];
      total_work_ += c;
      if (result_.done[id]) work_done_ += c;
    }
    pending_.assign(order.begin(), order.end());
    worker_final_.assign(static_cast<std::size_t>(ranks_), false);
    remote_in_flight_.assign(static_cast<std::size_t>(ranks_), 0.0);
    stop_after_ = control.stop_after_tasks > 0 ? control.stop_after_tasks : stop_after_tasks_from_environment();
  }

  EnsembleResult run() {
    const auto start = Clock::now();
    auto last_checkpoint = start;
    std::uint64_t checkpointed = result_.tasks_done;
    Progress progress(result_.done.size(), result_.tasks_done, total_work_, work_done_, control_.progress);
    int finals = 0;
    Backoff backoff;
    for (;;) {
      bool events = false;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (!stopping_) {
        if (const int s = stop_signal()) {
          begin_stop(std::string("received ") + signal_name(s));
        } else if (control_.time_limit > 0 && elapsed >= control_.time_limit) {
          begin_stop("reached --time-limit " + log::format_duration(control_.time_limit));
        } else if (stop_after_ > 0 && result_.tasks_done - result_.tasks_resumed >= stop_after_) {
          begin_stop(std::string(control_.stop_after_tasks > 0 ? "stop_after_tasks=" : "NNSIM_STOP_AFTER_TASKS=") +
                     std::to_string(stop_after_) + " tasks done in this run (test trigger)");
        }
      }
      if (const auto error = pool_.error(); !error.empty()) abort_run(comm_, error);
      for (auto& o : pool_.take_finished()) {
        absorb(o);
        events = true;
      }
      if (!stopping_) {
        const std::size_t target = 2 * static_cast<std::size_t>(std::max(workers_here_, 1));
        for (std::size_t load = pool_.load(); load < target && !pending_.empty(); ++load) {
          pool_.push(task_of(pending_.front(), spec_, saved_state(pending_.front())));
          pending_.pop_front();
          events = true;
        }
      }
      if (workers_here_ == 0 && pool_.run_inline()) events = true;
      ByteBuffer message;
      int source = 0;
      while (try_receive(kTagToRoot, comm_, message, source)) {
        events = true;
        handle(message, source, finals);
      }
      if (control_.checkpoint_interval > 0 && !control_.checkpoint_path.empty() &&
          result_.tasks_done > checkpointed &&
          std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= control_.checkpoint_interval) {
        save_result_checkpoint(control_.checkpoint_path, spec_, control_, result_);
        checkpointed = result_.tasks_done;
        last_checkpoint = Clock::now();
      }
      if (progress.due()) {
        // Finished tasks count fully, running ones by their reported fractions (display only).
        double in_flight = pool_.in_flight_work();
        for (const double w : remote_in_flight_) in_flight += w;
        const double work = std::min(total_work_, work_done_ + in_flight);
        if (control_.on_progress) control_.on_progress(result_.tasks_done, work, total_work_);
        if (control_.progress) {
          progress.update(result_.tasks_done, work);
        } else {
          progress.advance();
        }
      }
      if (finals == ranks_ - 1 && pool_.idle() && (pending_.empty() || stopping_)) break;
      if (events) {
        backoff.reset();
      } else {
        backoff.wait();
      }
    }
    ByteBuffer over;
    over.put_u64(static_cast<std::uint64_t>(kRunOver));
    for (int r = 1; r < ranks_; ++r) send(over, r, kTagToWorker, comm_);
    result_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result_.complete = result_.tasks_done == result_.done.size();
    progress.finish(result_.tasks_done, work_done_);
    if (!result_.complete) {
      if (result_.stop_reason.empty()) result_.stop_reason = stop_reason_;
      if (!control_.checkpoint_path.empty()) {
        save_result_checkpoint(control_.checkpoint_path, spec_, control_, result_);
        result_.checkpoint_written = control_.checkpoint_path;
      }
    }
    return std::move(result_);
  }

 private:
  void record(std::uint64_t id, const std::vector<double>& values, std::vector<std::vector<double>>&& records) {
    if (result_.done[id]) return;
    std::copy(values.begin(), values.end(), result_.values.begin() + static_cast<std::ptrdiff_t>(id * nobs_));
    for (std::size_t k = 0; k < records.size(); ++k) result_.records[k].by_task[id] = std::move(records[k]);
    result_.done[id] = 1;
    ++result_.tasks_done;
    if (!cost_.empty()) work_done_ += cost_[id / spec_.samples_per_point];
  }
  void absorb(Outcome& o) {
    if (!o.cancelled) {
      if (result_.done[o.id]) return;
      record(o.id, o.values, std::move(o.records));
      if (result_.suspended.erase(o.id) > 0) ++result_.tasks_continued;
    } else if (!o.state.empty() && !result_.done[o.id]) {
      result_.suspended[o.id] = std::move(o.state);
    }
  }
  /// A copy of the suspended state of task `id` (empty if none): rank 0 keeps its own until the
  /// task completes or hands back a newer one, so a task cancelled before it suspends again
  /// loses nothing.
  std::vector<unsigned char> saved_state(std::uint64_t id) const {
    const auto it = result_.suspended.find(id);
    return it == result_.suspended.end() ? std::vector<unsigned char>{} : it->second;
  }

  void begin_stop(const std::string& reason) {
    if (stopping_) return;
    stopping_ = true;
    stop_reason_ = reason;
    log::warn("stopping: " + reason + "; finishing tasks in flight and writing a checkpoint");
    pool_.cancel();
    ByteBuffer stop;
    stop.put_u64(static_cast<std::uint64_t>(kStop));
    for (int r = 1; r < ranks_; ++r) {
      if (!worker_final_[static_cast<std::size_t>(r)]) send(stop, r, kTagToWorker, comm_);
    }
  }

  void handle(ByteBuffer& message, int source, int& finals) {
    const auto kind = message.get_u64();
    if (kind == kProgress) {
      remote_in_flight_[static_cast<std::size_t>(source)] = message.get_double();
      return;
    }
    if (kind == kSignal) {
      begin_stop("rank " + std::to_string(source) + " received " +
                 signal_name(static_cast<int>(message.get_u64())));
      return;
    }
    const auto want = message.get_u64();
    for (auto& o : get_outcomes(message, nobs_, spec_.records.size())) absorb(o);
    if (kind == kFinal) {
      worker_final_[static_cast<std::size_t>(source)] = true;
      remote_in_flight_[static_cast<std::size_t>(source)] = 0;
      ++finals;
      return;
    }
    if (want == 0 || stopping_) return;  // a stopping worker already has its kStop
    ByteBuffer reply;
    if (pending_.empty()) {
      reply.put_u64(static_cast<std::uint64_t>(kNoMore));
    } else {
      reply.put_u64(static_cast<std::uint64_t>(kAssign));
      const auto n = std::min<std::uint64_t>(want, pending_.size());
      reply.put_u64(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        reply.put_u64(pending_.front());
        reply.put_bytes(saved_state(pending_.front()));
        pending_.pop_front();
      }
    }
    send(reply, source, kTagToWorker, comm_);
  }

  const EnsembleSpec& spec_;
  const RunControl& control_;
  MPI_Comm comm_;
  LocalPool& pool_;
  int workers_here_;
  int ranks_ = 1;
  std::size_t nobs_ = 0;
  std::deque<std::uint64_t> pending_;
  std::vector<double> cost_;  // per point
  double total_work_ = 0;
  double work_done_ = 0;
  std::vector<bool> worker_final_;
  std::vector<double> remote_in_flight_;  // per rank: the last kProgress (work of its running tasks)
  bool stopping_ = false;
  std::string stop_reason_;
  std::uint64_t stop_after_ = 0;  // NNSIM_STOP_AFTER_TASKS; 0 = off
  EnsembleResult result_;
};

/// Ranks other than 0: ask for tasks, run them, send results back, obey stop.
void run_worker_coordinator(const EnsembleSpec& spec, MPI_Comm comm, LocalPool& pool, int workers_here) {
  const std::size_t nobs = spec.values_per_task();
  const std::size_t nrecords = spec.records.size();
  const std::size_t target = 2 * static_cast<std::size_t>(std::max(workers_here, 1));
  bool request_outstanding = false;
  bool no_more = false;
  bool signal_sent = false;
  auto last_progress = Clock::now();
  double progress_sent = 0;
  Backoff backoff;
  for (;;) {
    bool events = false;
    if (const auto error = pool.error(); !error.empty()) abort_run(comm, error);
    if (!signal_sent && stop_signal()) {
      ByteBuffer notice;
      notice.put_u64(static_cast<std::uint64_t>(kSignal));
      notice.put_u64(static_cast<std::uint64_t>(stop_signal()));
      send(notice, 0, kTagToRoot, comm);
      signal_sent = true;
    }
    if (workers_here == 0 && pool.run_inline()) events = true;
    auto outcomes = pool.take_finished();
    const bool idle = pool.idle();
    // Not while a request is unanswered: its reply (tasks) must be taken in this run.
    if (no_more && outcomes.empty() && idle && !request_outstanding) {
      ByteBuffer final_report;
      final_report.put_u64(static_cast<std::uint64_t>(kFinal));
      final_report.put_u64(0);
      put_outcomes(final_report, {}, nobs, nrecords);
      send(final_report, 0, kTagToRoot, comm);
      // Anything before "run over" is a stop that crossed the final report: nothing to do.
      for (;;) {
        MPI_Status status;
        MPI_Probe(0, kTagToWorker, comm, &status);
        int count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        std::vector<unsigned char> bytes(static_cast<std::size_t>(count));
        MPI_Recv(bytes.data(), count, MPI_BYTE, 0, kTagToWorker, comm, MPI_STATUS_IGNORE);
        ByteBuffer late(std::move(bytes));
        if (late.get_u64() == kRunOver) return;
      }
    }
    // The work of the running tasks, at most once a second and before any results (so that rank
    // 0 never counts a finished task both as done and as running).
    if (const auto now = Clock::now(); !outcomes.empty() || now - last_progress >= std::chrono::seconds(1)) {
      last_progress = now;
      if (const double in_flight = pool.in_flight_work(); in_flight != progress_sent) {
        ByteBuffer note;
        note.put_u64(static_cast<std::uint64_t>(kProgress));
        note.put_double(in_flight);
        send(note, 0, kTagToRoot, comm);
        progress_sent = in_flight;
      }
    }
    const std::size_t load = pool.load();
    std::uint64_t want = 0;
    if (!no_more && !request_outstanding && load < target) want = target - load;
    if (want > 0 || !outcomes.empty()) {
      ByteBuffer report;
      report.put_u64(static_cast<std::uint64_t>(kResults));
      report.put_u64(want);
      put_outcomes(report, outcomes, nobs, nrecords);
      send(report, 0, kTagToRoot, comm);
      if (want > 0) request_outstanding = true;
      events = true;
    }
    ByteBuffer message;
    int source = 0;
    while (try_receive(kTagToWorker, comm, message, source)) {
      events = true;
      const auto kind = message.get_u64();
      if (kind == kAssign) {
        request_outstanding = false;
        const auto n = message.get_u64();
        for (std::uint64_t i = 0; i < n; ++i) {
          const auto id = message.get_u64();
          pool.push(task_of(id, spec, message.get_bytes()));
        }
        if (no_more) pool.cancel();  // a stop crossed this assignment: hand the tasks back
      } else if (kind == kNoMore) {
        request_outstanding = false;
        no_more = true;
      } else if (kind == kStop) {
        // A reply sent before the stop arrived before it; a stopping root answers no request.
        request_outstanding = false;
        no_more = true;
        pool.cancel();
      }
    }
    if (events) {
      backoff.reset();
    } else {
      backoff.wait();
    }
  }
}

}  // namespace

/// NNSIM_STOP_AFTER_TASKS=K (testing aid): rank 0 stops the run as if signalled once K tasks
/// finished in this run, so interrupt-and-resume tests do not depend on timing. 0 or unset: off.
std::uint64_t stop_after_tasks_from_environment() {
  const char* text = std::getenv("NNSIM_STOP_AFTER_TASKS");
  if (!text || !*text) return 0;
  char* end = nullptr;
  const unsigned long long k = std::strtoull(text, &end, 10);
  if (*end != '\0' || text[0] == '-') {
    // Only rank 0 reads it, inside the run: a refusal here could not end the other ranks cleanly.
    log::warn(std::string("ignoring NNSIM_STOP_AFTER_TASKS='") + text + "': not a non-negative integer");
    return 0;
  }
  return k;
}

namespace {
Checkpoint checkpoint_header(const EnsembleSpec& spec, const RunControl& control) {
  Checkpoint c;
  c.parameters_json = control.parameters_json;
  c.git_commit = control.git_commit;
  c.num_points = spec.num_points;
  c.samples_per_point = spec.samples_per_point;
  c.observables = spec.observables;
  for (std::size_t k = 0; k < spec.observables.size(); ++k) c.widths.push_back(spec.width(k));
  for (const auto& r : spec.records) c.record_observables.push_back(r.name);
  return c;
}
}  // namespace

Checkpoint make_checkpoint(const EnsembleSpec& spec, const RunControl& control, const EnsembleResult& result) {
  Checkpoint c = checkpoint_header(spec, control);
  const std::size_t nobs = spec.values_per_task();
  // Sized once from the done flags: growing by insert() reallocates ~log2(done) times, copies the
  // values again at each step and, at the last step, holds the old and the new buffer at once
  // (on top of result.values). Measured (docs/design.md): peak +2x instead of +1x the checkpoint
  // when the done count is just above a power of two, and a slower copy.
  const auto done_tasks = static_cast<std::size_t>(std::count(result.done.begin(), result.done.end(), 1));
  c.task_ids.reserve(done_tasks);
  c.values.reserve(done_tasks * nobs);
  for (std::uint64_t id = 0; id < result.done.size(); ++id) {
    if (!result.done[id]) continue;
    c.task_ids.push_back(id);
    c.values.insert(c.values.end(), result.values.begin() + static_cast<std::ptrdiff_t>(id * nobs),
                    result.values.begin() + static_cast<std::ptrdiff_t>((id + 1) * nobs));
  }
  for (const auto& column : result.records) c.records.push_back(flatten(column, result.done));
  for (const auto& [id, state] : result.suspended) {
    c.suspended_ids.push_back(id);
    c.suspended_states.push_back(state);
  }
  return c;
}

void save_result_checkpoint(const std::string& path, const EnsembleSpec& spec, const RunControl& control,
                            const EnsembleResult& result) {
  Checkpoint header = checkpoint_header(spec, control);
  // Records are many small arrays by task id; the file wants them concatenated: one copy of the
  // records (not of the fixed values), released after the write.
  for (const auto& column : result.records) header.records.push_back(flatten(column, result.done));
  for (const auto& [id, state] : result.suspended) {  // small: one state per task in flight
    header.suspended_ids.push_back(id);
    header.suspended_states.push_back(state);
  }
  save_checkpoint(path, header, result.values, result.done);
}

void check_record_observables(const EnsembleSpec& spec) {
  if (!spec.records.empty() && !spec.run_with_records) {
    throw std::logic_error("run_ensemble: the experiment has record observables but no run_with_records");
  }
  std::vector<std::string> names = spec.observables;
  for (const auto& r : spec.records) {
    if (r.name.empty() || r.name.find('/') != std::string::npos || r.name == "." || r.name == "..") {
      throw std::logic_error("record observable '" + r.name + "': a name must be non-empty and hold no '/'");
    }
    if (r.width == 0) throw std::logic_error("record observable '" + r.name + "' must have width >= 1");
    if (std::find(names.begin(), names.end(), r.name) != names.end()) {
      throw std::logic_error("record observable '" + r.name + "' has the name of another observable");
    }
    names.push_back(r.name);
  }
}

EnsembleResult run_ensemble(const EnsembleSpec& spec, const RunControl& control, MPI_Comm comm) {
  if (spec.samples_per_point == 0 || spec.num_points == 0) throw UsageError("an experiment needs at least one task");
  if (!spec.run && !spec.run_with_records) throw std::logic_error("run_ensemble: the experiment has no task function");
  check_record_observables(spec);
  install_stop_handlers();
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  LocalPool pool(spec);
  EnsembleResult result;
  const int requested = std::max(control.threads, 1);
  std::exception_ptr coordinator_error;
  omp_set_dynamic(0);
#pragma omp parallel num_threads(requested + 1)
  {
    const int thread = omp_get_thread_num();
    const int workers_here = omp_get_num_threads() - 1;
    if (thread == 0) {
      // An exception must not escape the parallel region (std::terminate); it is rethrown
      // below, after the compute threads have been released.
      try {
        if (rank == 0) {
          RootCoordinator root(spec, control, comm, pool, workers_here);
          result = root.run();
        } else {
          run_worker_coordinator(spec, comm, pool, workers_here);
        }
      } catch (...) {
        coordinator_error = std::current_exception();
        pool.cancel();
      }
      pool.shutdown();
    } else {
      pool.work();
    }
  }
  if (coordinator_error) std::rethrow_exception(coordinator_error);
  // Every rank learns whether the run completed (rank 0 decides).
  int complete = result.complete ? 1 : 0;
  MPI_Bcast(&complete, 1, MPI_INT, 0, comm);
  result.complete = complete != 0;
  result.stop_reason = broadcast_string(comm, result.stop_reason);
  return result;
}

}  // namespace nnsim
