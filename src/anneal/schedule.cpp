#include "anneal/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace nnsim::anneal {

double ConstantSchedule::start(const ScheduleStart& start) {
  temperature_ = start.initial_temperature;
  return temperature_;
}

double ConstantSchedule::next(const LevelStats&) { return temperature_; }

double GeometricSchedule::start(const ScheduleStart& start) {
  temperature_ = start.initial_temperature;
  floor_ = std::min(start.final_temperature, start.initial_temperature);
  if (factor_ > 0) {
    used_factor_ = factor_;
  } else if (start.levels > 1 && floor_ > 0 && floor_ < temperature_) {
    used_factor_ = std::pow(floor_ / temperature_, 1.0 / static_cast<double>(start.levels - 1));
  } else {
    used_factor_ = 1;
  }
  return temperature_;
}

double GeometricSchedule::next(const LevelStats& stats) {
  // T0 q^(k+1) rather than repeated products, so level k has exactly the documented value.
  return std::max(temperature_ * std::pow(used_factor_, static_cast<double>(stats.level + 1)), floor_);
}

double LinearSchedule::start(const ScheduleStart& start) {
  initial_ = start.initial_temperature;
  final_ = std::min(start.final_temperature, start.initial_temperature);
  used_levels_ = levels_ > 0 ? levels_ : start.levels;
  return initial_;
}

double LinearSchedule::next(const LevelStats& stats) {
  const std::uint64_t k = stats.level + 1;
  if (used_levels_ <= 1 || k + 1 >= used_levels_) return final_;
  return initial_ - (initial_ - final_) * static_cast<double>(k) / static_cast<double>(used_levels_ - 1);
}

double AdaptiveSchedule::start(const ScheduleStart& start) {
  start_ = start;
  temperature_ = start.initial_temperature;
  if (calibration_levels_ == 0) {
    cooling_ = GeometricSchedule(factor_);
    temperature_ = cooling_.start(start);
  }
  return temperature_;
}

double AdaptiveSchedule::next(const LevelStats& stats) {
  if (stats.level + 1 <= calibration_levels_) {
    temperature_ *= std::exp(gain_ * (target_ - stats.acceptance()));
    if (stats.level + 1 == calibration_levels_) {
      cooling_ = GeometricSchedule(factor_);
      const std::uint64_t left = start_.levels > calibration_levels_ ? start_.levels - calibration_levels_ : 1;
      temperature_ = cooling_.start({temperature_, std::min(start_.final_temperature, temperature_), left});
    }
    return temperature_;
  }
  LevelStats cooling_stats = stats;
  cooling_stats.level = stats.level - calibration_levels_;
  return cooling_.next(cooling_stats);
}

double Schedule::start(const ScheduleStart& start) {
  return std::visit([&](auto& s) { return s.start(start); }, variant_);
}

double Schedule::next(const LevelStats& stats) {
  return std::visit([&](auto& s) { return s.next(stats); }, variant_);
}

namespace {
struct ScheduleNamer {
  std::string operator()(const GeometricSchedule&) const { return "geometric"; }
  std::string operator()(const LinearSchedule&) const { return "linear"; }
  std::string operator()(const AdaptiveSchedule&) const { return "adaptive"; }
  std::string operator()(const ConstantSchedule&) const { return "constant"; }
};

void require(bool ok, const std::string& what, double got) {
  if (ok) return;
  std::ostringstream message;
  message << "anneal: " << what << ", got " << got;
  throw UsageError(message.str());
}
}  // namespace

std::string Schedule::name() const { return std::visit(ScheduleNamer{}, variant_); }

void Schedule::validate() const {
  if (const auto* g = std::get_if<GeometricSchedule>(&variant_)) {
    require(g->factor() == 0 || (g->factor() > 0 && g->factor() < 1),
            "geometric cooling factor must be in (0, 1) (or 0 = reach T_end at the end of the budget)", g->factor());
  } else if (const auto* a = std::get_if<AdaptiveSchedule>(&variant_)) {
    require(a->target_acceptance() > 0 && a->target_acceptance() < 1, "adaptive target acceptance must be in (0, 1)",
            a->target_acceptance());
    require(a->gain() > 0 && std::isfinite(a->gain()), "adaptive gain must be positive and finite", a->gain());
    require(a->factor() == 0 || (a->factor() > 0 && a->factor() < 1),
            "adaptive cooling factor must be in (0, 1) (or 0 = reach T_end at the end of the budget)", a->factor());
  }
}

Schedule schedule_from_name(const std::string& name) {
  if (name == "geometric") return GeometricSchedule{};
  if (name == "linear") return LinearSchedule{};
  if (name == "adaptive") return AdaptiveSchedule{};
  if (name == "constant") return ConstantSchedule{};
  throw UsageError("anneal: schedule must be one of geometric, linear, adaptive, constant, got '" + name + "'");
}

}  // namespace nnsim::anneal
