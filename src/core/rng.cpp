#include "core/rng.hpp"

#include <cmath>

#include "core/json.hpp"

namespace nnsim {
namespace {
__extension__ typedef unsigned __int128 uint128;
}

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t point_key, std::uint64_t sample,
                           std::uint64_t stream) {
  counter_ = {{point_key, sample, stream, 0}};
  key_ = {{seed, kRngDomain}};
}

void RandomStream::refill() {
  counter_.v[3] = block_;
  buffer_ = generator_(counter_, key_);
  ++block_;
  index_ = 0;
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  // Lemire, "Fast random integer generation in an interval", ACM TOMACS 29 (2019).
  uint128 m = static_cast<uint128>((*this)()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<uint128>((*this)()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

void RandomStream::seek(std::uint64_t words) {
  block_ = words / 4;
  const auto within = static_cast<unsigned>(words % 4);
  if (within == 0) {
    index_ = 4;
  } else {
    refill();
    index_ = within;
  }
}

PointKey::PointKey(std::string domain) : encoding_(std::move(domain)) {}

PointKey& PointKey::add(std::string_view name, std::int64_t value) { return add(name, std::string_view(std::to_string(value))); }

PointKey& PointKey::add(std::string_view name, std::uint64_t value) { return add(name, std::string_view(std::to_string(value))); }

PointKey& PointKey::add(std::string_view name, double value) {
  return add(name, std::string_view(json_number(value == 0 ? 0.0 : value)));
}

PointKey& PointKey::add(std::string_view name, std::string_view value) {
  encoding_ += '|';
  encoding_ += name;
  encoding_ += '=';
  encoding_ += value;
  return *this;
}

std::uint64_t PointKey::hash_point_key(std::string_view text) {
  Hash64 hash;
  hash.update(text.data(), text.size());
  return hash.digest();
}

}  // namespace nnsim
