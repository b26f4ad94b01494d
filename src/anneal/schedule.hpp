#pragma once
// Cooling schedules: policies that give the temperature of each level (a block of
// `steps_per_temperature` Metropolis steps). A schedule is (re)started at the beginning of every
// annealing run (and of every restart) and is told the acceptance rate of each finished level.
// Every schedule satisfies CoolingSchedule; `Schedule` holds any of the built-in ones, chosen at
// run time (a driver's --schedule option).

#include <concepts>
#include <cstdint>
#include <string>
#include <variant>

namespace nnsim::anneal {

/// What a schedule learns when a run (or a restart) begins.
struct ScheduleStart {
  double initial_temperature = 1;  ///< T0 (given, or estimated from sampled |Delta H|)
  double final_temperature = 0;    ///< T_end; schedules never go below it
  std::uint64_t levels = 1;        ///< levels left in the step budget (>= 1)
};

/// What a schedule learns at the end of each level.
struct LevelStats {
  std::uint64_t level = 0;  ///< 0-based level within the current run
  double temperature = 0;   ///< temperature the level ran at
  std::uint64_t proposed = 0;
  std::uint64_t accepted = 0;
  double acceptance() const {
    return proposed == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(proposed);
  }
};

/// A cooling schedule: `start` returns the temperature of level 0, `next` the temperature of
/// the level after the one described. Schedules are deterministic and draw no random numbers.
template <class S>
concept CoolingSchedule = std::copyable<S> &&
    requires(S schedule, const ScheduleStart& start, const LevelStats& stats) {
  { schedule.start(start) } -> std::convertible_to<double>;
  { schedule.next(stats) } -> std::convertible_to<double>;
};

/// T_k = T0 for every k: Metropolis sampling at one temperature (detailed-balance tests,
/// restarts from a fixed low temperature).
class ConstantSchedule {
 public:
  double start(const ScheduleStart& start);
  double next(const LevelStats& stats);

 private:
  double temperature_ = 1;
};

/// T_k = max(T0 q^k, T_end). With factor q = 0 (default) q is chosen so that T reaches T_end
/// at the last level of the remaining budget: q = (T_end / T0)^(1 / (levels - 1)).
class GeometricSchedule {
 public:
  explicit GeometricSchedule(double factor = 0) : factor_(factor) {}
  double factor() const { return factor_; }
  double start(const ScheduleStart& start);
  double next(const LevelStats& stats);

 private:
  double factor_;
  double used_factor_ = 1;
  double temperature_ = 1;
  double floor_ = 0;
};

/// T_k = T0 - (T0 - T_end) k / (L - 1), then T_end. With levels L = 0 (default) L is the
/// number of levels left in the budget.
class LinearSchedule {
 public:
  explicit LinearSchedule(std::uint64_t levels = 0) : levels_(levels) {}
  std::uint64_t levels() const { return levels_; }
  double start(const ScheduleStart& start);
  double next(const LevelStats& stats);

 private:
  std::uint64_t levels_;
  std::uint64_t used_levels_ = 1;
  double initial_ = 1;
  double final_ = 0;
};

/// Adaptive: for the first `calibration_levels` levels T is adjusted so that the acceptance
/// rate holds `target_acceptance`, T <- T exp(gain (target - acceptance)) (a Robbins-Monro step
/// in log T), which corrects a badly guessed T0; then T cools geometrically from the calibrated
/// temperature to T_end over the rest of the budget (or by `factor` if it is not 0).
class AdaptiveSchedule {
 public:
  explicit AdaptiveSchedule(double target_acceptance = 0.5, std::uint64_t calibration_levels = 20, double gain = 2.0,
                            double factor = 0)
      : target_(target_acceptance), calibration_levels_(calibration_levels), gain_(gain), factor_(factor) {}
  double target_acceptance() const { return target_; }
  std::uint64_t calibration_levels() const { return calibration_levels_; }
  double gain() const { return gain_; }
  double factor() const { return factor_; }
  double start(const ScheduleStart& start);
  double next(const LevelStats& stats);

 private:
  double target_;
  std::uint64_t calibration_levels_;
  double gain_;
  double factor_;
  ScheduleStart start_;
  GeometricSchedule cooling_;
  double temperature_ = 1;
};

/// Any built-in schedule, chosen at run time; itself a CoolingSchedule.
class Schedule {
 public:
  using Variant = std::variant<GeometricSchedule, LinearSchedule, AdaptiveSchedule, ConstantSchedule>;
  Schedule() = default;
  Schedule(GeometricSchedule s) : variant_(s) {}  // NOLINT(google-explicit-constructor): a policy by value
  Schedule(LinearSchedule s) : variant_(s) {}     // NOLINT(google-explicit-constructor)
  Schedule(AdaptiveSchedule s) : variant_(s) {}   // NOLINT(google-explicit-constructor)
  Schedule(ConstantSchedule s) : variant_(s) {}   // NOLINT(google-explicit-constructor)
  double start(const ScheduleStart& start);
  double next(const LevelStats& stats);
  const Variant& variant() const { return variant_; }
  /// "geometric", "linear", "adaptive" or "constant".
  std::string name() const;
  /// Throws UsageError naming the bad parameter (factor in (0, 1) or 0, target in (0, 1), ...).
  void validate() const;

 private:
  Variant variant_;
};

/// Builds a schedule from its name (the driver's --schedule): "geometric", "linear",
/// "adaptive", "constant"; other names throw UsageError listing the allowed ones.
Schedule schedule_from_name(const std::string& name);

static_assert(CoolingSchedule<ConstantSchedule> && CoolingSchedule<GeometricSchedule> &&
              CoolingSchedule<LinearSchedule> && CoolingSchedule<AdaptiveSchedule> && CoolingSchedule<Schedule>);

}  // namespace nnsim::anneal
