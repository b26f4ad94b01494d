#pragma once
// A small, strict JSON reader (RFC 8259) for input files such as double-digest instances; the
// writer is core/json.hpp. Strict means: no comments, no trailing commas, no leading zeros, no
// NaN/Infinity, no control characters inside strings, no duplicate keys in an object, nothing
// but white space after the value. Errors are nnsim::UsageError with "<source>:<line>:<column>: "
// first (both 1-based; the column counts bytes), so a user finds the offending character.
//
// Numbers keep their source text: as_int64() accepts only a number written as an integer (no
// fraction, no exponent) that fits in 64 bits, so "12.0" or "1e3" is refused where an integer
// is expected instead of being silently converted.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nnsim {

class JsonValue {
 public:
  enum class Type { null, boolean, number, string, array, object };

  JsonValue() = default;
  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  /// "null", "boolean", "number", "string", "array" or "object", for error messages.
  static const char* type_name(Type type);

  /// Each accessor throws UsageError naming the expected and the actual type.
  bool as_bool() const;
  double as_double() const;
  /// An integer token within [INT64_MIN, INT64_MAX]; throws for "1.5", "1e3", "12.0" or overflow.
  std::int64_t as_int64() const;
  const std::string& as_string() const;
  const std::vector<JsonValue>& as_array() const;
  /// Members in the order of the file.
  const std::vector<std::pair<std::string, JsonValue>>& as_object() const;
  /// The member `key` of an object, or nullptr.
  const JsonValue* find(std::string_view key) const;
  /// Source text of a number (as written), else the empty string.
  const std::string& number_text() const { return text_; }
  /// Where the value starts in its source (1-based).
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  friend class JsonParser;
  void expect(Type wanted) const;
  Type type_ = Type::null;
  bool boolean_ = false;
  double number_ = 0;
  std::string text_;  // string contents (decoded) or number token
  std::vector<JsonValue> array_;
  std::vector<std::pair<std::string, JsonValue>> object_;
  int line_ = 1;
  int column_ = 1;
};

/// Parses one JSON text; `source` names it in error messages (a file name, "<command line>").
JsonValue parse_json(std::string_view text, std::string_view source = "<json>");
/// Reads and parses a file; UsageError if it cannot be opened.
JsonValue read_json_file(const std::string& path);

/// A scalar as the user wrote it: a string's text, a number as written, true, false, null;
/// an array or object by its type name. For comparing and quoting option values.
std::string scalar_text(const JsonValue& value);

}  // namespace nnsim
