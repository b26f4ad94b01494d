#include "core/grid.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.hpp"

namespace nnsim {
namespace {

constexpr std::size_t kMaxGridSize = 10'000'000;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

[[noreturn]] void fail(const std::string& option, const std::string& text, const std::string& why) {
  throw UsageError("--" + option + ": cannot read '" + text + "': " + why +
                   " (expected a list like 1,2,5 or a range start:stop:step)");
}

double to_real(const std::string& token, const std::string& option, const std::string& text) {
  const std::string t = trim(token);
  if (t.empty()) fail(option, text, "empty value");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE || !std::isfinite(value)) {
    fail(option, text, "'" + t + "' is not a finite number");
  }
  return value;
}

int decimals(const std::string& token) {
  const std::string t = trim(token);
  if (t.find_first_of("eE") != std::string::npos) return -1;  // exponent: no rounding
  const auto dot = t.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(t.size() - dot - 1);
}

void expand_range(const std::string& segment, const std::string& option, const std::string& text,
                  std::vector<double>& out) {
  const auto fields = split(segment, ':');
  if (fields.size() != 3) fail(option, text, "a range needs three fields start:stop:step");
  const double start = to_real(fields[0], option, text);
  const double stop = to_real(fields[1], option, text);
  const double step = to_real(fields[2], option, text);
  if (!(step > 0)) fail(option, text, "the step must be positive");
  if (stop < start) fail(option, text, "stop must not be below start");
  const double steps = (stop - start) / step;
  if (steps > static_cast<double>(kMaxGridSize)) fail(option, text, "too many grid values");
  const auto count = static_cast<std::size_t>(std::floor(steps + 1e-9)) + 1;
  const int d0 = decimals(fields[0]);
  const int d2 = decimals(fields[2]);
  const bool round = d0 >= 0 && d2 >= 0 && std::max(d0, d2) <= 15;
  const double scale = round ? std::pow(10.0, std::max(d0, d2)) : 1.0;
  for (std::size_t k = 0; k < count; ++k) {
    double value = start + static_cast<double>(k) * step;
    if (round) value = std::round(value * scale) / scale;
    out.push_back(value);
  }
}

}  // namespace

std::vector<double> parse_real_grid(const std::string& text, const std::string& option) {
  if (trim(text).empty()) fail(option, text, "no values given");
  std::vector<double> values;
  for (const auto& segment : split(text, ',')) {
    if (segment.find(':') != std::string::npos) {
      expand_range(segment, option, text, values);
    } else {
      values.push_back(to_real(segment, option, text));
    }
    if (values.size() > kMaxGridSize) fail(option, text, "too many grid values");
  }
  return values;
}

std::vector<std::int64_t> parse_integer_grid(const std::string& text, const std::string& option) {
  std::vector<std::int64_t> values;
  for (const double v : parse_real_grid(text, option)) {
    if (v != std::floor(v) || std::fabs(v) > 9.0e15) {
      fail(option, text, "values must be integers");
    }
    values.push_back(static_cast<std::int64_t>(v));
  }
  return values;
}

}  // namespace nnsim
