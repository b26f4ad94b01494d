#include "core/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace nnsim {

std::string json_quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  return std::string(buffer, result.ptr);
}

void JsonObject::add(const std::string& key, const std::string& value) {
  members_.emplace_back(key, json_quote(value));
}
void JsonObject::add(const std::string& key, double value) { members_.emplace_back(key, json_number(value)); }
void JsonObject::add(const std::string& key, std::int64_t value) {
  members_.emplace_back(key, std::to_string(value));
}
void JsonObject::add(const std::string& key, std::uint64_t value) {
  members_.emplace_back(key, std::to_string(value));
}
void JsonObject::add(const std::string& key, bool value) { members_.emplace_back(key, value ? "true" : "false"); }

namespace {
template <class T, class Encode>
std::string encode_array(const std::vector<T>& values, Encode encode) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += encode(values[i]);
  }
  return out + "]";
}
}  // namespace

void JsonObject::add(const std::string& key, const std::vector<std::string>& values) {
  members_.emplace_back(key, encode_array(values, json_quote));
}
void JsonObject::add(const std::string& key, const std::vector<double>& values) {
  members_.emplace_back(key, encode_array(values, json_number));
}
void JsonObject::add(const std::string& key, const std::vector<std::int64_t>& values) {
  members_.emplace_back(key, encode_array(values, [](std::int64_t v) { return std::to_string(v); }));
}

std::string JsonObject::str() const {
  std::string out = "{";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (i) out += ",";
    out += json_quote(members_[i].first) + ":" + members_[i].second;
  }
  return out + "}";
}

}  // namespace nnsim
