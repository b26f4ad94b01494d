#pragma once
// 64-byte aligned storage for the data and workspaces of nnsim-sgd.

#include <cstddef>
#include <new>
#include <vector>

namespace nnsim::sgd {

/// Storage aligned to 64 bytes. Eigen's vectorised loops peel scalar iterations off the front
/// of data that is not aligned to the packet size, which changes the order of additions: inputs
/// must sit at the same alignment on every rank (malloc guarantees only 16 bytes, fewer than an
/// AVX packet), or the bits would depend on where the allocator put them.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlignment = 64;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kAlignment})); }
  void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{kAlignment}); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};
}  // namespace nnsim::sgd
