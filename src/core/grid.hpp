#pragma once
// The grid syntax shared by every driver option that takes several values:
//   "1000,4000"           a list
//   "0.05:0.5:0.05"       start:stop:step, both ends included (stop is reached if it lies on the
//                         grid within 1e-9 steps)
//   "100,200:1000:200"    lists and ranges mixed
// Range values are rounded to the decimals written in start and step, so "0.05:0.5:0.05" yields
// exactly the doubles of 0.05, 0.1, ..., 0.5 (as if typed), not 0.15000000000000002.

#include <cstdint>
#include <string>
#include <vector>

namespace nnsim {

/// Parses a real-valued grid; throws UsageError naming `option` on malformed input.
std::vector<double> parse_real_grid(const std::string& text, const std::string& option);
/// Parses an integer grid (values and steps must be integers); throws UsageError naming `option`.
std::vector<std::int64_t> parse_integer_grid(const std::string& text, const std::string& option);

}  // namespace nnsim
