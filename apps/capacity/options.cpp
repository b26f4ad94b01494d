// nnsim-capacity's options and their checks.

#include <algorithm>
#include <cmath>
#include <set>

#include "capacity.hpp"
#include "core/error.hpp"
#include "core/grid.hpp"

namespace nnsim::capacity_app {

po::options_description capacity_options(CapacityOptions& o) {
  po::options_description d("Capacity study");
  d.add_options()
    ("N", po::value(&o.sizes)->default_value(o.sizes)->value_name("LIST"),
     "network sizes N >= 16, comma separated; /capacity lists them in this order")
    ("m-cut", po::value(&o.m_cut)->default_value(o.m_cut, "0.9"),
     "a sample counts as retrieved when its final overlap m_1 exceeds this, in (0, 1]")
    ("crossing-level", po::value(&o.level)->default_value(o.level, "0.5"),
     "alpha_c(N) is where P_ret(alpha; N) crosses this level, in (0, 1)")
    ("overlap-level", po::value(&o.overlap_level)->default_value(o.overlap_level, "0.5"),
     "alternative estimator: where the mean final overlap falls through this level, in (0, 1)")
    ("update", po::value(&o.update)->default_value(o.update),
     "zero-noise update rule: random (random sequential), sequential (fixed order 1..N) or synchronous")
    ("max-sweeps", po::value(&o.max_sweeps)->default_value(o.max_sweeps),
     "a sample stops at a fixed point or after this many sweeps of N updates")
    ("bracket", po::value(&o.bracket)->default_value(o.bracket)->value_name("LOW:HIGH|auto"),
     "loads alpha of the first round; auto: 0.138 + (0.9 +- 2.4) / sqrt(N) for each N; widened (unless "
     "--fixed-bracket) while the crossing lies outside")
    ("bracket-points", po::value(&o.bracket_points)->default_value(o.bracket_points),
     "loads of the first round per N, evenly spread over the bracket (3 to 50)")
    ("fixed-bracket", po::bool_switch(&o.fixed_bracket),
     "never widen the bracket: stop with an error when a crossing lies outside it")
    ("round-samples", po::value(&o.round_samples)->default_value(o.round_samples),
     "samples added to a load per round; 0 = ceil(samples / 4)")
    ("budget", po::value(&o.budget)->default_value(o.budget),
     "largest number of samples per N over all its loads; 0 = 8 x samples")
    ("target-error", po::value(&o.target_error)->default_value(o.target_error, "0.0005"),
     "an N is finished when the standard error of alpha_c(N) is at most this (> 0)")
    ("bootstrap", po::value(&o.bootstrap)->default_value(o.bootstrap),
     "bootstrap resamples over disorder samples for the errors of the estimators (10 to 100000)")
    ("size-block", po::value(&o.size_block)->default_value(o.size_block)->value_name("I:B|all"),
     "run only block I (0-based) of B sizes of --N: the sizes at positions I*B .. I*B+B-1 (job arrays: "
     "one array task per block); every size is planned from its own samples, so nnsim-merge pools the "
     "blocks into the file of one run over all of --N");
  return d;
}

capacity::StudySettings validate(const CapacityOptions& o, const CommonOptions& common) {
  validate_common_options(common);
  capacity::StudySettings s;
  if (o.sizes.find_first_not_of(" ,") == std::string::npos) {
    throw UsageError("--N must list at least one network size (e.g. --N 512,1024), got '" + o.sizes + "'");
  }
  s.sizes = parse_integer_grid(o.sizes, "N");
  std::set<std::int64_t> seen;
  for (const std::int64_t n : s.sizes) {
    require(n >= 16 && n <= (std::int64_t{1} << 24), "N", "sizes from 16 to 16777216", n);
    if (!seen.insert(n).second) throw UsageError("--N lists " + std::to_string(n) + " twice: give each size once");
  }
  require(o.m_cut > 0 && o.m_cut <= 1, "m-cut", "in (0, 1]", o.m_cut);
  require(o.level > 0 && o.level < 1, "crossing-level", "in (0, 1)", o.level);
  require(o.overlap_level > 0 && o.overlap_level < 1, "overlap-level", "in (0, 1)", o.overlap_level);
  require(o.update == "random" || o.update == "sequential" || o.update == "synchronous", "update",
          "one of random, sequential, synchronous", o.update);
  require(o.max_sweeps >= 1 && o.max_sweeps <= 1000000, "max-sweeps", "from 1 to 1000000", o.max_sweeps);
  s.auto_bracket = o.bracket == "auto";  // >= 3 loads for every N >= 16 (StudySettings::bracket)
  if (!s.auto_bracket) {
    const auto colon = o.bracket.find(':');
    const bool two = colon != std::string::npos && o.bracket.find(':', colon + 1) == std::string::npos;
    const auto low = two ? parse_real_grid(o.bracket.substr(0, colon), "bracket") : std::vector<double>{};
    const auto high = two ? parse_real_grid(o.bracket.substr(colon + 1), "bracket") : std::vector<double>{};
    if (low.size() != 1 || high.size() != 1) {
      throw UsageError("--bracket must be LOW:HIGH (two loads, e.g. 0.1:0.25) or auto, got '" + o.bracket + "'");
    }
    s.bracket_low = low[0];
    s.bracket_high = high[0];
    require(s.bracket_low > 0 && s.bracket_low < s.bracket_high && s.bracket_high <= 1, "bracket",
            "LOW:HIGH with 0 < LOW < HIGH <= 1", o.bracket);
    const std::int64_t smallest = *std::min_element(s.sizes.begin(), s.sizes.end());
    const auto p_low = std::llround(s.bracket_low * static_cast<double>(smallest));
    const auto p_high = std::llround(s.bracket_high * static_cast<double>(smallest));
    if (p_high - p_low < 2 || p_low < 1) {
      throw UsageError("--bracket " + o.bracket + " holds fewer than three loads p = round(alpha N) at N = " +
                       std::to_string(smallest) + " (p from " + std::to_string(p_low) + " to " +
                       std::to_string(p_high) + "): it cannot bracket a crossing there; widen it");
    }
  }
  require(o.bracket_points >= 3 && o.bracket_points <= 50, "bracket-points", "from 3 to 50", o.bracket_points);
  s.bracket_points = o.bracket_points;
  s.widen = !o.fixed_bracket;
  require(common.samples >= 2, "samples", "at least 2 (samples per load)", common.samples);
  s.samples_per_load = common.samples;
  s.round_samples = o.round_samples == 0 ? std::max<std::uint64_t>(1, (common.samples + 3) / 4) : o.round_samples;
  require(s.round_samples <= common.samples, "round-samples",
          "at most --samples (" + std::to_string(common.samples) + ")", s.round_samples);
  s.budget = o.budget == 0 ? 8 * common.samples : o.budget;
  const std::uint64_t first_round = static_cast<std::uint64_t>(o.bracket_points) * s.round_samples;
  require(s.budget >= first_round, "budget",
          "at least bracket-points x round-samples = " + std::to_string(first_round) + " (the first round)", s.budget);
  require(o.target_error > 0 && o.target_error < 1, "target-error", "in (0, 1)", o.target_error);
  s.target_error = o.target_error;
  require(o.bootstrap >= 10 && o.bootstrap <= 100000, "bootstrap", "from 10 to 100000", o.bootstrap);
  s.first_sample = common.first_sample;
  s.m_cut = o.m_cut;
  s.level = o.level;
  // The point key: every option that changes a sample's draws or dynamics, then (N, p).
  s.key_base = PointKey("nnsim-capacity/steady-state");
  s.key_base.add("update", o.update).add("max-sweeps", o.max_sweeps);
  s.sizes = size_block(s.sizes, o.size_block);
  return s;
}

std::vector<std::int64_t> size_block(const std::vector<std::int64_t>& sizes, const std::string& block) {
  if (block == "all") return sizes;
  const auto colon = block.find(':');
  auto number = [&](const std::string& text) -> std::int64_t {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoll(text);
  };
  const std::int64_t index = colon == std::string::npos ? -1 : number(block.substr(0, colon));
  const std::int64_t width = colon == std::string::npos ? -1 : number(block.substr(colon + 1));
  if (index < 0 || width < 1) {
    throw UsageError("--size-block must be I:B (block I, from 0, of B sizes of --N, e.g. 1:2) or all, got '" + block +
                     "'");
  }
  const auto count = static_cast<std::int64_t>(sizes.size());
  if (index * width >= count) {
    throw UsageError("--size-block " + block + " starts at size " + std::to_string(index * width + 1) + " but --N lists " +
                     std::to_string(count) + " size(s): blocks of " + std::to_string(width) + " go from 0 to " +
                     std::to_string((count - 1) / width));
  }
  const auto first = sizes.begin() + static_cast<std::ptrdiff_t>(index * width);
  return {first, first + static_cast<std::ptrdiff_t>(std::min(width, count - index * width))};
}

}  // namespace nnsim::capacity_app
