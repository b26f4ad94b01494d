#pragma once
// Small text helpers shared by nnsim-merge's sources (main.cpp, records.cpp, capacity.cpp).

#include <sstream>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace nnsim::merging {

/// The non-empty items of a comma-separated attribute ("a,b,,c" -> a, b, c).
inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

/// Replaces the value of member `name` of a flat JSON object written by JsonObject by `encoded`
/// (already JSON: a number or a json_quote'd string); returns `json` unchanged without it.
inline std::string replace_json_member(const std::string& json, const std::string& name, const std::string& encoded) {
  const std::string needle = json_quote(name) + ":";
  const auto at = json.find(needle);
  if (at == std::string::npos) return json;
  std::size_t begin = at + needle.size(), end = begin;
  if (end < json.size() && json[end] == '"') {
    for (++end; end < json.size() && json[end] != '"'; ++end) {
      if (json[end] == '\\') ++end;
    }
    ++end;
  } else {
    while (end < json.size() && json[end] != ',' && json[end] != '}') ++end;
  }
  return json.substr(0, begin) + encoded + json.substr(end);
}

}  // namespace nnsim::merging
