#include "anneal/digest_instance.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace nnsim::anneal {

namespace {

std::string join(const std::vector<Length>& values, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += separator;
    out += std::to_string(values[i]);
  }
  return out;
}

std::vector<Length> sorted_decreasing(std::vector<Length> values) {
  std::sort(values.begin(), values.end(), std::greater<>());
  return values;
}

std::string_view trim(std::string_view text) {
  const auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

void Instance::validate() const {
  const std::string who = "instance '" + name + "': ";
  if (L <= 0) throw UsageError(who + "L = " + std::to_string(L) + " must be a positive integer");
  for (const auto& [label, list] : {std::pair{"a", &a}, std::pair{"b", &b}, std::pair{"c", &c}}) {
    if (list->empty()) throw UsageError(who + "list " + label + " is empty");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i] <= 0) {
        throw UsageError(who + "list " + label + " entry " + std::to_string(i + 1) + " is " +
                         std::to_string((*list)[i]) + ", lengths must be positive integers");
      }
    }
    Length sum = 0;
    for (const Length value : *list) {
      if (__builtin_add_overflow(sum, value, &sum)) throw UsageError(who + "list " + label + " overflows 64 bits");
    }
    if (sum != L) {
      throw UsageError(who + "list " + label + " sums to " + std::to_string(sum) + ", not L = " + std::to_string(L));
    }
  }
  const std::size_t lowest = std::max(a.size(), b.size());
  const std::size_t highest = a.size() + b.size() - 1;
  if (c.size() < lowest || c.size() > highest) {
    throw UsageError(who + "list c has " + std::to_string(c.size()) + " fragments, but |a| = " +
                     std::to_string(a.size()) + " and |b| = " + std::to_string(b.size()) +
                     " allow only max(|a|,|b|) = " + std::to_string(lowest) + " to |a|+|b|-1 = " +
                     std::to_string(highest) + " (|a|+|b|-1 minus the coincident cuts)");
  }
}

std::vector<Instance> instances_from_json(const JsonValue& document) {
  std::vector<const JsonValue*> objects;
  if (!document.is_object()) throw UsageError("instances JSON: the document must be an object");
  if (const JsonValue* list = document.find("instances")) {
    if (!list->is_array()) throw UsageError("instances JSON: \"instances\" must be an array");
    for (const JsonValue& item : list->as_array()) objects.push_back(&item);
  } else {
    objects.push_back(&document);
  }
  std::vector<Instance> instances;
  for (std::size_t k = 0; k < objects.size(); ++k) {
    const JsonValue& object = *objects[k];
    Instance instance;
    instance.name = "instance" + std::to_string(k + 1);
    if (!object.is_object()) {
      throw UsageError("instance " + std::to_string(k + 1) + " (line " + std::to_string(object.line()) +
                       "): must be an object, got " + JsonValue::type_name(object.type()));
    }
    if (const JsonValue* name = object.find("name")) {
      if (!name->is_string()) throw UsageError("instance " + std::to_string(k + 1) + ": \"name\" must be a string");
      instance.name = name->as_string();
    }
    const std::string who = "instance '" + instance.name + "': ";
    auto get = [&](const char* key) -> const JsonValue& {
      const JsonValue* value = object.find(key);
      if (!value) throw UsageError(who + "missing \"" + key + "\"");
      return *value;
    };
    try {
      instance.L = get("L").as_int64();
    } catch (const UsageError& error) {
      throw UsageError(who + "L: " + error.what());
    }
    for (const auto& [key, list] : {std::pair{"a", &instance.a}, std::pair{"b", &instance.b}, std::pair{"c", &instance.c}}) {
      const JsonValue& value = get(key);
      if (!value.is_array()) {
        throw UsageError(who + "list " + key + " must be an array of integers, got " +
                         JsonValue::type_name(value.type()));
      }
      for (const JsonValue& item : value.as_array()) {
        try {
          list->push_back(item.as_int64());
        } catch (const UsageError& error) {
          throw UsageError(who + "list " + key + " entry " + std::to_string(list->size() + 1) + ": " + error.what());
        }
      }
    }
    instance.validate();
    instances.push_back(std::move(instance));
  }
  return instances;
}

std::vector<Instance> parse_instances_json(std::string_view text, std::string_view source) {
  return instances_from_json(parse_json(text, source));
}

std::vector<Instance> read_instances_json(const std::string& path) {
  try {
    return instances_from_json(read_json_file(path));
  } catch (const UsageError& error) {
    const std::string what = error.what();
    if (what.rfind(path, 0) == 0) throw;
    throw UsageError(path + ": " + what);
  }
}

Instance parse_instance_text(std::string_view text) {
  Instance instance;
  instance.name = "cmdline";
  std::set<std::string> seen;
  const std::string whole(text);
  auto parse_integer = [&](std::string_view token, const std::string& where) {
    token = trim(token);
    Length value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (token.empty() || ec != std::errc() || ptr != token.data() + token.size()) {
      throw UsageError("instance text '" + whole + "': " + where + ": '" + std::string(token) +
                       "' is not an integer");
    }
    return value;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view field = trim(text.substr(start, end - start));
    start = end + 1;
    if (field.empty()) {
      if (end == text.size()) break;
      continue;
    }
    const std::size_t equals = field.find('=');
    if (equals == std::string_view::npos) {
      throw UsageError("instance text '" + whole + "': field '" + std::string(field) + "' is not key=value");
    }
    const std::string key(trim(field.substr(0, equals)));
    const std::string_view value = trim(field.substr(equals + 1));
    if (!seen.insert(key).second) throw UsageError("instance text '" + whole + "': key '" + key + "' repeated");
    if (key == "name") {
      instance.name = std::string(value);
    } else if (key == "L") {
      instance.L = parse_integer(value, "L");
    } else if (key == "a" || key == "b" || key == "c") {
      std::vector<Length>& list = key == "a" ? instance.a : key == "b" ? instance.b : instance.c;
      std::size_t item_start = 0;
      while (item_start <= value.size()) {
        std::size_t item_end = value.find(',', item_start);
        if (item_end == std::string_view::npos) item_end = value.size();
        list.push_back(parse_integer(value.substr(item_start, item_end - item_start),
                                     "list " + key + " entry " + std::to_string(list.size() + 1)));
        item_start = item_end + 1;
      }
    } else {
      throw UsageError("instance text '" + whole + "': unknown key '" + key + "' (expected name, L, a, b, c)");
    }
  }
  for (const char* key : {"L", "a", "b", "c"}) {
    if (!seen.count(key)) throw UsageError("instance text '" + whole + "': missing key '" + key + "'");
  }
  instance.validate();
  return instance;
}

std::string format_instance_text(const Instance& instance) {
  return "name=" + instance.name + ";L=" + std::to_string(instance.L) + ";a=" + join(instance.a, ",") +
         ";b=" + join(instance.b, ",") + ";c=" + join(instance.c, ",");
}

std::vector<Length> fragments_from_cuts(const std::vector<Length>& cuts, Length L) {
  std::vector<Length> fragments;
  fragments.reserve(cuts.size() + 1);
  Length previous = 0;
  for (const Length cut : cuts) {
    fragments.push_back(cut - previous);
    previous = cut;
  }
  fragments.push_back(L - previous);
  return fragments;
}

RestrictionMap map_from_sequences(const std::vector<Length>& a_sequence, const std::vector<Length>& b_sequence) {
  RestrictionMap map;
  for (const auto& [sequence, cuts] : {std::pair{&a_sequence, &map.a_cuts}, std::pair{&b_sequence, &map.b_cuts}}) {
    Length position = 0;
    for (std::size_t k = 0; k + 1 < sequence->size(); ++k) {
      position += (*sequence)[k];
      cuts->push_back(position);
    }
  }
  return map;
}

RestrictionMap map_from_orders(const Instance& instance, const std::vector<int>& sigma, const std::vector<int>& mu) {
  std::vector<Length> a_sequence, b_sequence;
  for (const int index : sigma) a_sequence.push_back(instance.a.at(static_cast<std::size_t>(index)));
  for (const int index : mu) b_sequence.push_back(instance.b.at(static_cast<std::size_t>(index)));
  return map_from_sequences(a_sequence, b_sequence);
}

std::vector<Length> double_digest(const RestrictionMap& map, Length L) {
  std::vector<Length> cuts;
  std::set_union(map.a_cuts.begin(), map.a_cuts.end(), map.b_cuts.begin(), map.b_cuts.end(),
                 std::back_inserter(cuts));
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return fragments_from_cuts(cuts, L);
}

bool verify_map(const Instance& instance, const RestrictionMap& map) {
  const auto inside = [&](const std::vector<Length>& cuts) {
    return std::is_sorted(cuts.begin(), cuts.end()) &&
           std::adjacent_find(cuts.begin(), cuts.end()) == cuts.end() &&
           std::all_of(cuts.begin(), cuts.end(), [&](Length x) { return x > 0 && x < instance.L; });
  };
  if (!inside(map.a_cuts) || !inside(map.b_cuts)) return false;
  return sorted_decreasing(fragments_from_cuts(map.a_cuts, instance.L)) == sorted_decreasing(instance.a) &&
         sorted_decreasing(fragments_from_cuts(map.b_cuts, instance.L)) == sorted_decreasing(instance.b) &&
         sorted_decreasing(double_digest(map, instance.L)) == sorted_decreasing(instance.c);
}

RestrictionMap mirror(const RestrictionMap& map, Length L) {
  RestrictionMap reflected;
  for (auto it = map.a_cuts.rbegin(); it != map.a_cuts.rend(); ++it) reflected.a_cuts.push_back(L - *it);
  for (auto it = map.b_cuts.rbegin(); it != map.b_cuts.rend(); ++it) reflected.b_cuts.push_back(L - *it);
  return reflected;
}

RestrictionMap canonical_mirror(const RestrictionMap& map, Length L) {
  RestrictionMap reflected = mirror(map, L);
  return reflected < map ? reflected : map;
}

std::uint64_t orderings_per_map(const Instance& instance) {
  std::uint64_t product = 1;
  for (const auto* list : {&instance.a, &instance.b}) {
    std::map<Length, std::uint64_t> multiplicity;
    for (const Length value : *list) ++multiplicity[value];
    for (const auto& [value, count] : multiplicity) {
      for (std::uint64_t k = 2; k <= count; ++k) {
        if (__builtin_mul_overflow(product, k, &product)) {
          throw std::overflow_error("instance '" + instance.name + "': orderings per map exceed 2^64");
        }
      }
    }
  }
  return product;
}

std::string format_map(const RestrictionMap& map, Length L) {
  return "A: " + join(fragments_from_cuts(map.a_cuts, L), " ") + " | B: " + join(fragments_from_cuts(map.b_cuts, L), " ");
}

PlantedInstance planted_instance(std::string name, Length L, int n_a, int n_b, RandomStream& rng,
                                 bool allow_coincident) {
  if (n_a < 1 || n_b < 1) throw UsageError("planted instance '" + name + "': n_a and n_b must be >= 1");
  const Length sites = L - 1;
  const Length needed_a = n_a - 1;
  const Length needed_b = n_b - 1;
  if (L < 1 || needed_a > sites || needed_b > sites || (!allow_coincident && needed_a + needed_b > sites)) {
    throw UsageError("planted instance '" + name + "': L = " + std::to_string(L) + " has too few cut sites for " +
                     std::to_string(n_a) + " + " + std::to_string(n_b) + " fragments");
  }
  // Rejection sampling of distinct sites, in draw order: deterministic given the stream.
  std::set<Length> a_sites, b_sites;
  while (static_cast<Length>(a_sites.size()) < needed_a) {
    a_sites.insert(1 + static_cast<Length>(rng.below(static_cast<std::uint64_t>(sites))));
  }
  while (static_cast<Length>(b_sites.size()) < needed_b) {
    const Length site = 1 + static_cast<Length>(rng.below(static_cast<std::uint64_t>(sites)));
    if (!allow_coincident && a_sites.count(site)) continue;
    b_sites.insert(site);
  }
  PlantedInstance result;
  result.planted.a_cuts.assign(a_sites.begin(), a_sites.end());
  result.planted.b_cuts.assign(b_sites.begin(), b_sites.end());
  Instance& instance = result.instance;
  instance.name = std::move(name);
  instance.L = L;
  instance.a = sorted_decreasing(fragments_from_cuts(result.planted.a_cuts, L));
  instance.b = sorted_decreasing(fragments_from_cuts(result.planted.b_cuts, L));
  instance.c = sorted_decreasing(double_digest(result.planted, L));
  instance.validate();
  return result;
}

}  // namespace nnsim::anneal
