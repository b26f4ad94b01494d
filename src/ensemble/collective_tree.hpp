#pragma once
// The canonical summation tree of the collective layer (collective.hpp), without MPI, so that
// model libraries and their serial tests can use the very same order.
//
// `leaves` vectors of `width` values are summed over a fixed binary tree: node [lo, hi) with
// hi - lo > 1 is the element-wise sum left + right of its children [lo, mid) and [mid, hi),
// mid = lo + (hi - lo) / 2. The tree depends only on the number of leaves, so a sum computed
// from any set of precomputed nodes (a rank's subtrees, gathered from other ranks) is bitwise
// the same as the sum computed from the leaves in one place.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nnsim {

/// The leaves [first, end) that participant `rank` of `size` computes: contiguous blocks,
/// the first (leaves % size) participants one leaf more.
inline std::pair<std::size_t, std::size_t> owned_leaves(std::size_t leaves, std::size_t rank, std::size_t size) {
  const std::size_t base = leaves / size, extra = leaves % size;
  const std::size_t first = rank * base + std::min(rank, extra);
  return {first, first + base + (rank < extra ? 1 : 0)};
}

/// The largest tree nodes inside [first, end), left to right; their union is [first, end).
inline void maximal_nodes(std::size_t lo, std::size_t hi, std::size_t first, std::size_t end,
                          std::vector<std::pair<std::size_t, std::size_t>>& out) {
  if (hi <= first || lo >= end || lo >= hi) return;
  if (first <= lo && hi <= end) {
    out.emplace_back(lo, hi);
    return;
  }
  const std::size_t mid = lo + (hi - lo) / 2;
  maximal_nodes(lo, mid, first, end, out);
  maximal_nodes(mid, hi, first, end, out);
}

/// Writes the value of node [lo, hi) into `out` (width values): `known(lo, hi)` returns a
/// precomputed node or nullptr, in which case the node is the sum of its children.
template <class T>
void tree_node_sum(std::size_t lo, std::size_t hi, std::size_t width,
                   const std::function<const T*(std::size_t, std::size_t)>& known, T* out) {
  if (const T* value = known(lo, hi)) {
    std::copy(value, value + width, out);
    return;
  }
  if (hi - lo < 2) throw std::logic_error("tree_node_sum: leaf " + std::to_string(lo) + " is missing");
  const std::size_t mid = lo + (hi - lo) / 2;
  std::vector<T> right(width);
  tree_node_sum<T>(lo, mid, width, known, out);
  tree_node_sum<T>(mid, hi, width, known, right.data());
  for (std::size_t i = 0; i < width; ++i) out[i] = out[i] + right[i];
}

/// Node [lo, hi) of leaves held contiguously in `values` (rows of `width`, row k = leaf
/// `first` + k), computed in place: the result overwrites the row of leaf lo, other rows of the
/// node are clobbered. The same additions in the same order as tree_node_sum, without copies.
template <class T>
void tree_node_sum_in_place(std::size_t lo, std::size_t hi, std::size_t first, std::size_t width, T* values) {
  if (hi - lo < 2) return;
  const std::size_t mid = lo + (hi - lo) / 2;
  tree_node_sum_in_place(lo, mid, first, width, values);
  tree_node_sum_in_place(mid, hi, first, width, values);
  T* left = values + (lo - first) * width;
  const T* right = values + (mid - first) * width;
  for (std::size_t i = 0; i < width; ++i) left[i] = left[i] + right[i];
}

/// Sum of all `leaves` leaves held contiguously in `values` (leaves x width), in the tree order.
template <class T>
void tree_sum(std::size_t leaves, std::size_t width, const T* values, T* out) {
  tree_node_sum<T>(
      0, leaves, width,
      [&](std::size_t lo, std::size_t hi) -> const T* { return hi - lo == 1 ? values + lo * width : nullptr; }, out);
}

}  // namespace nnsim
