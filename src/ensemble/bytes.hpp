#pragma once
// The byte buffer of the ensemble layer's MPI messages (scheduler.cpp) and broadcasts
// (rounds.cpp): 64-bit words, doubles and strings appended in order and read back in the same
// order. Values are copied bit for bit in the native byte order, so every rank of a run must
// share one architecture (as an MPI job on one cluster does); a double crosses unchanged, NaN
// payloads included.

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnsim {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {}

  void put_u64(std::uint64_t v) { append(&v, sizeof v); }
  void put_i64(std::int64_t v) { append(&v, sizeof v); }
  void put_double(double v) { append(&v, sizeof v); }
  /// The length, then the bytes.
  void put_string(const std::string& s) {
    put_u64(s.size());
    append(s.data(), s.size());
  }
  /// The count, then the values: one copy, not one append per value.
  void put_doubles(std::span<const double> values) {
    put_u64(values.size());
    append(values.data(), values.size() * sizeof(double));
  }

  /// The length, then the raw bytes (a suspended task's state, scheduler.hpp).
  void put_bytes(std::span<const unsigned char> data) {
    put_u64(data.size());
    append(data.data(), data.size());
  }

  std::uint64_t get_u64() { return take<std::uint64_t>(); }
  std::int64_t get_i64() { return take<std::int64_t>(); }
  double get_double() { return take<double>(); }
  std::string get_string() {
    const auto n = get_u64();
    require(n);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + offset_), n);
    offset_ += n;
    return s;
  }
  std::vector<double> get_doubles() {
    const auto n = get_u64();
    if (n > (bytes_.size() - offset_) / sizeof(double)) throw std::runtime_error("truncated message");
    std::vector<double> values(n);
    if (n) std::memcpy(values.data(), bytes_.data() + offset_, n * sizeof(double));
    offset_ += n * sizeof(double);
    return values;
  }

  std::vector<unsigned char> get_bytes() {
    const auto n = get_u64();
    require(n);
    std::vector<unsigned char> data(bytes_.begin() + static_cast<std::ptrdiff_t>(offset_),
                                    bytes_.begin() + static_cast<std::ptrdiff_t>(offset_ + n));
    offset_ += n;
    return data;
  }

  bool at_end() const { return offset_ >= bytes_.size(); }
  const std::vector<unsigned char>& bytes() const { return bytes_; }
  /// For receiving in place (a broadcast resizes it); reading starts again at the beginning.
  std::vector<unsigned char>& bytes() {
    offset_ = 0;
    return bytes_;
  }

 private:
  void append(const void* p, std::size_t n) {
    const std::size_t old = bytes_.size();
    bytes_.resize(old + n);
    if (n) std::memcpy(bytes_.data() + old, p, n);
  }
  void require(std::uint64_t n) const {
    if (n > bytes_.size() - offset_) throw std::runtime_error("truncated message");
  }
  template <class T>
  T take() {
    require(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + offset_, sizeof v);
    offset_ += sizeof v;
    return v;
  }
  std::vector<unsigned char> bytes_;
  std::size_t offset_ = 0;
};

}  // namespace nnsim
