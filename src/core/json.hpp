#pragma once
// A minimal JSON writer for provenance records (parameters as one JSON string). Keys keep
// insertion order, so equal parameters give byte-identical text (used to match checkpoints).

#include <cstdint>
#include <string>
#include <vector>

namespace nnsim {

class JsonObject {
 public:
  void add(const std::string& key, const std::string& value);
  void add(const std::string& key, const char* value) { add(key, std::string(value)); }
  void add(const std::string& key, double value);
  void add(const std::string& key, std::int64_t value);
  void add(const std::string& key, std::uint64_t value);
  void add(const std::string& key, int value) { add(key, static_cast<std::int64_t>(value)); }
  void add(const std::string& key, unsigned value) { add(key, static_cast<std::uint64_t>(value)); }
  void add(const std::string& key, bool value);
  void add(const std::string& key, const std::vector<std::string>& values);
  void add(const std::string& key, const std::vector<double>& values);
  void add(const std::string& key, const std::vector<std::int64_t>& values);
  std::string str() const;
  bool empty() const { return members_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> members_;  // key, encoded value
};

/// JSON string literal with escapes, including the quotes.
std::string json_quote(const std::string& text);
/// Shortest text that reads back as the same double ("%.17g" trimmed); non-finite as null.
std::string json_number(double value);

}  // namespace nnsim
