#include "core/log.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace nnsim::log {
namespace {
int g_rank = 0;
bool g_quiet = false;
std::mutex g_mutex;

void emit(const char* level, const std::string& message) {
  std::lock_guard lock(g_mutex);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::fprintf(stderr, "[%s] %s%s\n", stamp, level, message.c_str());
  std::fflush(stderr);
}
}  // namespace

void set_rank(int rank) { g_rank = rank; }
void set_quiet(bool quiet) { g_quiet = quiet; }
bool is_root() { return g_rank == 0; }
void info(const std::string& message) {
  if (g_rank == 0 && !g_quiet) emit("", message);
}
void warn(const std::string& message) {
  if (g_rank == 0) emit("warning: ", message);
}
void error(const std::string& message) { emit("error: ", message); }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buffer[64];
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", seconds);
  } else if (seconds < 3600) {
    const auto s = static_cast<long>(seconds);
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  } else {
    const auto m = static_cast<long>(seconds / 60);
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", m / 60, m % 60);
  }
  return buffer;
}

}  // namespace nnsim::log

namespace nnsim {

Progress::Progress(std::uint64_t total, std::uint64_t already_done, double total_work, double work_already_done,
                   bool enabled)
    : total_(total),
      already_done_(already_done),
      total_work_(total_work),
      work_already_done_(work_already_done),
      enabled_(enabled) {}

std::string Progress::line(std::uint64_t done, double work_done) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double new_done = static_cast<double>(done - std::min(done, already_done_));
  const double rate = elapsed > 0 ? new_done / elapsed : 0.0;
  const double new_work = work_done - work_already_done_;
  const double work_rate = elapsed > 0 ? new_work / elapsed : 0.0;
  const double eta = work_rate > 0 ? std::max(total_work_ - work_done, 0.0) / work_rate : -1.0;
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "progress: %llu/%llu tasks, %.1f%% of the work, %.3g tasks/s, elapsed %s, ETA %s",
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                total_work_ > 0 ? 100.0 * work_done / total_work_ : 100.0, rate, log::format_duration(elapsed).c_str(),
                done >= total_ ? "0s" : log::format_duration(eta).c_str());
  return buffer;
}

void Progress::update(std::uint64_t done, double work_done) {
  if (!enabled_) return;
  if (!due()) return;
  log::info(line(done, work_done));
  printed_ = true;
  advance();
}

void Progress::advance() {
  interval_ = std::min(2 * interval_, 60.0);
  next_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_));
}

void Progress::finish(std::uint64_t done, double work_done) {
  if (!enabled_) return;
  if (printed_ || Clock::now() >= start_ + std::chrono::seconds(2)) log::info(line(done, work_done));
}

}  // namespace nnsim
