#pragma once
// Diagnostics: one logger, printing on rank 0 only, to stderr, with timestamps; and the
// progress line of long runs (fraction done, rate, elapsed, ETA) on an adaptive schedule.

#include <chrono>
#include <cstdint>
#include <string>

namespace nnsim::log {

void set_rank(int rank);
void set_quiet(bool quiet);
bool is_root();
/// Informational message (rank 0, silenced by --quiet).
void info(const std::string& message);
/// Warning (rank 0, never silenced).
void warn(const std::string& message);
/// Error (printed by the calling rank, never silenced).
void error(const std::string& message);
/// "3h02m", "4m05s", "12.3s".
std::string format_duration(double seconds);

}  // namespace nnsim::log

namespace nnsim {

/// Progress of a run of `total` tasks, `already_done` of them before this run started (resume).
/// Tasks may differ in cost: `total_work` and the `work` passed to update() are in the same
/// (arbitrary) cost units, and the ETA is extrapolated from work, not from task counts.
/// update() prints at most on an adaptive schedule: after 2 s, then at intervals doubling up
/// to 60 s, so short runs stay quiet and long runs report regularly.
class Progress {
 public:
  Progress(std::uint64_t total, std::uint64_t already_done, double total_work, double work_already_done,
           bool enabled);
  void update(std::uint64_t done, double work_done);
  /// True when update() would print now (whether or not printing is enabled).
  bool due() const { return Clock::now() >= next_; }
  /// Moves the schedule on as update() does, without printing.
  void advance();
  /// Prints the final line (if anything was printed before or the run took over 2 s).
  void finish(std::uint64_t done, double work_done);
  std::string line(std::uint64_t done, double work_done) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::uint64_t total_;
  std::uint64_t already_done_;
  double total_work_;
  double work_already_done_;
  bool enabled_;
  bool printed_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point next_ = start_ + std::chrono::seconds(2);
  double interval_ = 2.0;
};

}  // namespace nnsim
