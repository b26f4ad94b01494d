// The strict JSON reader: values, and errors with line and column.
#include "core/json_read.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace nnsim {
namespace {

std::string parse_error(const std::string& text) {
  try {
    parse_json(text, "in.json");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(JsonRead, Values) {
  const JsonValue v = parse_json(R"( {"a": [1, -2, 3.5e2, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {}} )");
  const auto& a = v.find("a")->as_array();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].as_int64(), 1);
  EXPECT_EQ(a[1].as_int64(), -2);
  EXPECT_EQ(a[2].as_double(), 350.0);
  EXPECT_THROW(a[2].as_int64(), UsageError);
  EXPECT_TRUE(a[3].as_bool());
  EXPECT_FALSE(a[4].as_bool());
  EXPECT_TRUE(a[5].is_null());
  EXPECT_EQ(v.find("s")->as_string(), "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_TRUE(v.find("o")->as_object().empty());
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(parse_json("9223372036854775807").as_int64(), 9223372036854775807LL);
  EXPECT_THROW(parse_json("9223372036854775808").as_int64(), UsageError);
  EXPECT_EQ(a[1].line(), 1);
  EXPECT_EQ(a[1].column(), 12);
}

TEST(JsonRead, ErrorsGiveLineAndColumn) {
  EXPECT_EQ(parse_error("{\"a\": [1, 2,]}"), "in.json:1:13: trailing comma in an array");
  EXPECT_EQ(parse_error("{\n  \"a\": 1,\n  \"a\": 2\n}"), "in.json:3:3: duplicate key \"a\"");
  EXPECT_EQ(parse_error("[01]"), "in.json:1:3: leading zeros are not allowed in JSON numbers");
  EXPECT_EQ(parse_error("[1] x"), "in.json:1:5: unexpected text after the JSON value");
  EXPECT_EQ(parse_error("{\"a\" 1}"), "in.json:1:6: expected ':', got '1'");
  EXPECT_EQ(parse_error("[1, 2"), "in.json:1:6: expected ',' or ']' in an array, got end of input");
  EXPECT_EQ(parse_error("\"abc"), "in.json:1:5: unterminated string");
  EXPECT_EQ(parse_error("\"a\tb\""), "in.json:1:3: control character in a string (escape it)");
  EXPECT_EQ(parse_error("[1.]"), "in.json:1:4: expected a digit, got ']'");
  EXPECT_EQ(parse_error("// c\n1"), "in.json:1:1: expected a JSON value, got '/'");
  EXPECT_EQ(parse_error("[tru]"), "in.json:1:2: expected true, false or null");
  EXPECT_EQ(parse_error("\"\\x\""), "in.json:1:4: invalid escape \\x");
  EXPECT_EQ(parse_error("\"\\ud800\""), "in.json:1:8: high surrogate not followed by a low surrogate");
  EXPECT_EQ(parse_error("[1e999]"), "in.json:1:7: number 1e999 is out of the range of a double");
  EXPECT_EQ(parse_error(""), "in.json:1:1: expected a JSON value, got end of input");
  EXPECT_THROW(read_json_file("/nonexistent/file.json"), UsageError);
  EXPECT_THROW(parse_json("\"s\"").as_array(), UsageError);
}

}  // namespace
}  // namespace nnsim
