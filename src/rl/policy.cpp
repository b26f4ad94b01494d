#include "rl/policy.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace nnsim::rl {

double epsilon_at(const EpsilonSchedule& schedule, std::uint64_t round) {
  return std::visit([round](const auto& s) { return s(round); }, schedule);
}

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, separator)) out.push_back(item);
  if (!text.empty() && text.back() == separator) out.emplace_back();
  return out;
}

double to_real(const std::string& text, const std::string& what) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, value);
  if (r.ec != std::errc() || r.ptr != end || !std::isfinite(value)) {
    throw std::invalid_argument(what + " must be a number, got '" + text + "'");
  }
  return value;
}

std::uint64_t to_count(const std::string& text, const std::string& what) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, value);
  if (r.ec != std::errc() || r.ptr != end)
    throw std::invalid_argument(what + " must be a non-negative integer, got '" + text + "'");
  return value;
}

std::string real_text(double x) {
  std::array<char, 32> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return std::string(buffer.data(), r.ptr);
}

}  // namespace

EpsilonSchedule parse_epsilon_schedule(const std::string& text, double initial) {
  const std::string allowed =
      "one of constant, book, step:K,F,M (epsilon for K rounds, then times F every M rounds), "
      "exponential:TAU[,MIN]";
  if (!(initial >= 0 && initial <= 1)) {
    throw std::invalid_argument("the initial epsilon must be in [0, 1], got " + real_text(initial));
  }
  if (text == "constant") return ConstantEpsilon{initial};
  if (text == "book") return StepDecayEpsilon{initial, 10000, 0.9, 100};
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const auto args = colon == std::string::npos ? std::vector<std::string>{} : split(text.substr(colon + 1), ',');
  if (kind == "step" && args.size() == 3) {
    StepDecayEpsilon s{initial, to_count(args[0], "K"), to_real(args[1], "F"), to_count(args[2], "M")};
    if (!(s.factor > 0 && s.factor <= 1)) throw std::invalid_argument("F must be in (0, 1], got " + args[1]);
    if (s.every == 0) throw std::invalid_argument("M must be at least 1, got 0");
    return s;
  }
  if (kind == "exponential" && (args.size() == 1 || args.size() == 2)) {
    ExponentialEpsilon s{initial, to_real(args[0], "TAU"), args.size() == 2 ? to_real(args[1], "MIN") : 0.0};
    if (!(s.decay_rounds > 0)) throw std::invalid_argument("TAU must be > 0, got " + args[0]);
    if (!(s.minimum >= 0 && s.minimum <= 1)) throw std::invalid_argument("MIN must be in [0, 1], got " + args[1]);
    return s;
  }
  throw std::invalid_argument(allowed + ", got '" + text + "'");
}

std::string format_epsilon_schedule(const EpsilonSchedule& schedule) {
  struct Format {
    std::string operator()(const ConstantEpsilon&) const { return "constant"; }
    std::string operator()(const StepDecayEpsilon& s) const {
      return "step:" + std::to_string(s.hold) + "," + real_text(s.factor) + "," + std::to_string(s.every);
    }
    std::string operator()(const ExponentialEpsilon& s) const {
      return "exponential:" + real_text(s.decay_rounds) + "," + real_text(s.minimum);
    }
  };
  return std::visit(Format{}, schedule);
}

std::size_t softmax_action(const double* q, ActionMask legal, double beta, RandomStream& rng) {
  // Subtract the maximum so that exp cannot overflow for large beta Q.
  const double top = max_q(q, legal);
  std::array<double, 64> weight{};
  double total = 0;
  for (ActionMask m = legal; m != 0; m &= m - 1) {
    const auto a = static_cast<unsigned>(std::countr_zero(m));
    weight[a] = std::exp(beta * (q[a] - top));
    total += weight[a];
  }
  double u = rng.uniform() * total;
  std::size_t last = 0;
  for (ActionMask m = legal; m != 0; m &= m - 1) {
    const auto a = static_cast<unsigned>(std::countr_zero(m));
    if (u < weight[a]) return a;
    u -= weight[a];
    last = a;
  }
  return last;  // rounding left u >= the last weight
}

}  // namespace nnsim::rl
