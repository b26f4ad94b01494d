#include "core/rng.hpp"

namespace nnsim {
namespace {
__extension__ typedef unsigned __int128 uint128;
}

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t point, std::uint64_t sample,
                           std::uint64_t stream) {
  counter_ = {{point, sample, stream, 0}};
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

}  // namespace nnsim
