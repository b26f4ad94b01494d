#include "core/json_read.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <cstdlib>
#include <tuple>

#include "core/error.hpp"

namespace nnsim {

const char* JsonValue::type_name(Type type) {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::number: return "number";
    case Type::string: return "string";
    case Type::array: return "array";
    case Type::object: return "object";
  }
  return "?";
}

void JsonValue::expect(Type wanted) const {
  if (type_ != wanted) {
    throw UsageError("line " + std::to_string(line_) + ", column " + std::to_string(column_) + ": expected " +
                     type_name(wanted) + ", got " + type_name(type_));
  }
}

bool JsonValue::as_bool() const {
  expect(Type::boolean);
  return boolean_;
}
double JsonValue::as_double() const {
  expect(Type::number);
  return number_;
}
std::int64_t JsonValue::as_int64() const {
  expect(Type::number);
  std::int64_t value = 0;
  const char* begin = text_.data();
  const char* end = text_.data() + text_.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) {
    throw UsageError("line " + std::to_string(line_) + ", column " + std::to_string(column_) +
                     ": expected an integer, got " + text_);
  }
  return value;
}
const std::string& JsonValue::as_string() const {
  expect(Type::string);
  return text_;
}
const std::vector<JsonValue>& JsonValue::as_array() const {
  expect(Type::array);
  return array_;
}
const std::vector<std::pair<std::string, JsonValue>>& JsonValue::as_object() const {
  expect(Type::object);
  return object_;
}
const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [name, value] : as_object()) {
    if (name == key) return &value;
  }
  return nullptr;
}

class JsonParser {
 public:
  JsonParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  JsonValue parse_document() {
    skip_space();
    JsonValue value = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 256;

  [[noreturn]] void fail(const std::string& what) const {
    throw UsageError(std::string(source_) + ":" + std::to_string(line_) + ":" + std::to_string(column_) + ": " +
                     what);
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) advance();
  }
  static std::string describe(char c) {
    if (c == '\0') return "end of input";
    if (static_cast<unsigned char>(c) < 0x20) return "control character";
    return std::string("'") + c + "'";
  }
  void expect_char(char c) {
    if (peek() != c || at_end()) fail(std::string("expected '") + c + "', got " + describe(peek()));
    advance();
  }

  JsonValue parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
    JsonValue value;
    value.line_ = line_;
    value.column_ = column_;
    const char c = at_end() ? '\0' : peek();
    if (c == '{') {
      parse_object(value, depth);
    } else if (c == '[') {
      parse_array(value, depth);
    } else if (c == '"') {
      value.type_ = JsonValue::Type::string;
      value.text_ = parse_string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      parse_number(value);
    } else if (c == 't' || c == 'f' || c == 'n') {
      parse_literal(value);
    } else {
      fail("expected a JSON value, got " + describe(c));
    }
    return value;
  }

  void parse_literal(JsonValue& value) {
    for (const auto& [word, type, flag] : {std::tuple{std::string_view("true"), JsonValue::Type::boolean, true},
                                           std::tuple{std::string_view("false"), JsonValue::Type::boolean, false},
                                           std::tuple{std::string_view("null"), JsonValue::Type::null, false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        for (std::size_t i = 0; i < word.size(); ++i) advance();
        value.type_ = type;
        value.boolean_ = flag;
        return;
      }
    }
    fail("expected true, false or null");
  }

  void parse_number(JsonValue& value) {
    const std::size_t start = pos_;
    auto digits = [&] {
      if (at_end() || peek() < '0' || peek() > '9') fail("expected a digit, got " + describe(peek()));
      while (!at_end() && peek() >= '0' && peek() <= '9') advance();
    };
    if (peek() == '-') advance();
    if (peek() == '0') {
      advance();
      if (!at_end() && peek() >= '0' && peek() <= '9') fail("leading zeros are not allowed in JSON numbers");
    } else {
      digits();
    }
    if (!at_end() && peek() == '.') {
      advance();
      digits();
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      advance();
      if (!at_end() && (peek() == '+' || peek() == '-')) advance();
      digits();
    }
    value.type_ = JsonValue::Type::number;
    value.text_ = std::string(text_.substr(start, pos_ - start));
    // strtod, not from_chars(double): GCC 12's libstdc++ has it, but strtod is exact too and
    // saturates to +-inf, which we refuse.
    value.number_ = std::strtod(value.text_.c_str(), nullptr);
    if (!std::isfinite(value.number_)) fail("number " + value.text_ + " is out of the range of a double");
  }

  unsigned parse_hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("expected 4 hexadecimal digits after \\u, got " + describe(c));
      }
      advance();
      code = code * 16 + digit;
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string parse_string() {
    expect_char('"');
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const char c = peek();
      if (c == '"') {
        advance();
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string (escape it)");
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      const char e = peek();
      if (at_end()) fail("unterminated string");
      advance();
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = parse_hex4();
          if (code >= 0xD800 && code < 0xDC00) {
            if (peek() != '\\') fail("high surrogate not followed by a low surrogate");
            advance();
            if (peek() != 'u') fail("high surrogate not followed by a low surrogate");
            advance();
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("high surrogate not followed by a low surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("unpaired low surrogate");
          }
          append_utf8(out, code);
          break;
        }
        default: fail("invalid escape \\" + std::string(1, e));
      }
    }
  }

  void parse_array(JsonValue& value, int depth) {
    value.type_ = JsonValue::Type::array;
    expect_char('[');
    skip_space();
    if (peek() == ']') {
      advance();
      return;
    }
    while (true) {
      skip_space();
      value.array_.push_back(parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        advance();
        skip_space();
        if (peek() == ']') fail("trailing comma in an array");
        continue;
      }
      if (peek() == ']') {
        advance();
        return;
      }
      fail("expected ',' or ']' in an array, got " + describe(peek()));
    }
  }

  void parse_object(JsonValue& value, int depth) {
    value.type_ = JsonValue::Type::object;
    expect_char('{');
    skip_space();
    if (peek() == '}') {
      advance();
      return;
    }
    while (true) {
      skip_space();
      if (peek() != '"' || at_end()) fail("expected a string key, got " + describe(peek()));
      const int key_line = line_;
      const int key_column = column_;
      std::string key = parse_string();
      for (const auto& member : value.object_) {
        if (member.first == key) {
          line_ = key_line;
          column_ = key_column;
          fail("duplicate key \"" + key + "\"");
        }
      }
      skip_space();
      expect_char(':');
      skip_space();
      JsonValue member = parse_value(depth + 1);
      value.object_.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (peek() == ',') {
        advance();
        skip_space();
        if (peek() == '}') fail("trailing comma in an object");
        continue;
      }
      if (peek() == '}') {
        advance();
        return;
      }
      fail("expected ',' or '}' in an object, got " + describe(peek()));
    }
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

JsonValue parse_json(std::string_view text, std::string_view source) {
  return JsonParser(text, source).parse_document();
}

JsonValue read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot open JSON file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_json(buffer.str(), path);
}

std::string scalar_text(const JsonValue& value) {
  switch (value.type()) {
    case JsonValue::Type::string: return value.as_string();
    case JsonValue::Type::number: return value.number_text();
    case JsonValue::Type::boolean: return value.as_bool() ? "true" : "false";
    case JsonValue::Type::null: return "null";
    default: return JsonValue::type_name(value.type());
  }
}

}  // namespace nnsim
