#pragma once
// Small helpers on ascending lists of lengths, shared by the double-digest energies of both
// configuration spaces (digest.cpp, digest_pieces.cpp).

#include <algorithm>
#include <cstddef>
#include <vector>

#include "anneal/digest_instance.hpp"

namespace nnsim::anneal {

/// Sorts a short list (a move's window pieces, rarely more than a few dozen) by insertion:
/// several times cheaper than std::sort at these sizes, and the same result.
inline void sort_short(std::vector<Length>& values) {
  if (values.size() > 48) {
    std::sort(values.begin(), values.end());
    return;
  }
  for (std::size_t i = 1; i < values.size(); ++i) {
    const Length value = values[i];
    std::size_t j = i;
    for (; j > 0 && values[j - 1] > value; --j) values[j] = values[j - 1];
    values[j] = value;
  }
}

/// Size of the multiset intersection of two ascending lists (a merge).
inline std::size_t common_count(const std::vector<Length>& x, const std::vector<Length>& y) {
  std::size_t matched = 0;
  for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) {
      ++matched;
      ++i;
      ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return matched;
}

/// Removes from both ascending lists the values they share (as multisets).
inline void cancel_common(std::vector<Length>& removed, std::vector<Length>& added) {
  std::size_t i = 0, j = 0, keep_removed = 0, keep_added = 0;
  while (i < removed.size() && j < added.size()) {
    if (removed[i] == added[j]) {
      ++i;
      ++j;
    } else if (removed[i] < added[j]) {
      removed[keep_removed++] = removed[i++];
    } else {
      added[keep_added++] = added[j++];
    }
  }
  while (i < removed.size()) removed[keep_removed++] = removed[i++];
  while (j < added.size()) added[keep_added++] = added[j++];
  removed.resize(keep_removed);
  added.resize(keep_added);
}

/// The change of an energy over a model list `current` (ascending) matched against `target`
/// (ascending, the same length) when the model loses `removed` and gains `added` (both ascending,
/// common values cancelled; removed is a sub-multiset of current):
///  - unmatched: the change of |target| - |target ∩ current| (multisets);
///  - otherwise: the change of sum_r term(r, current[r]), lists paired by rank.
template <class Term>
double sorted_list_change(const std::vector<Length>& current, const std::vector<Length>& target, bool unmatched,
                          const std::vector<Length>& removed, const std::vector<Length>& added, Term term) {
  if (removed.empty()) return 0.0;
  if (unmatched) {
    // After cancel_common no value is both removed and added, so each value's count of matched
    // entries, min(count in target, count in the model), changes on its own: by
    // min(n_t, n_m - k) - min(n_t, n_m) for k copies removed, min(n_t, n_m + k) - min(n_t, n_m)
    // for k added.
    auto count = [](const std::vector<Length>& sorted, Length value) {
      const auto range = std::equal_range(sorted.begin(), sorted.end(), value);
      return static_cast<std::ptrdiff_t>(range.second - range.first);
    };
    std::ptrdiff_t matched_change = 0;
    for (const auto* list : {&removed, &added}) {
      const std::ptrdiff_t sign = list == &removed ? -1 : 1;
      for (std::size_t i = 0; i < list->size();) {
        const Length value = (*list)[i];
        std::size_t k = i;
        while (k < list->size() && (*list)[k] == value) ++k;
        const std::ptrdiff_t in_target = count(target, value);
        if (in_target > 0) {
          const std::ptrdiff_t in_model = count(current, value);
          matched_change += std::min(in_target, in_model + sign * static_cast<std::ptrdiff_t>(k - i)) -
                            std::min(in_target, in_model);
        }
        i = k;
      }
    }
    return static_cast<double>(-matched_change);
  }
  // Ranks below the smallest and above the largest changed value keep their entries, so only
  // the ranks [lo, hi) of values within [smallest, largest] change.
  const Length smallest = std::min(removed.front(), added.front());
  const Length largest = std::max(removed.back(), added.back());
  const auto lo = static_cast<std::size_t>(std::lower_bound(current.begin(), current.end(), smallest) - current.begin());
  const auto hi = static_cast<std::size_t>(std::upper_bound(current.begin(), current.end(), largest) - current.begin());
  double change = 0;
  std::size_t old_index = lo, removed_index = 0, added_index = 0;
  for (std::size_t rank = lo; rank < hi; ++rank) {
    // Next value of the new list: old entries minus removed, merged with added.
    while (old_index < hi && removed_index < removed.size() && current[old_index] == removed[removed_index]) {
      ++old_index;
      ++removed_index;
    }
    Length next;
    if (added_index < added.size() && (old_index >= hi || added[added_index] <= current[old_index])) {
      next = added[added_index++];
    } else {
      next = current[old_index++];
    }
    change += term(rank, next) - term(rank, current[rank]);
  }
  return change;
}

/// Replaces, in the ascending list `values`, the entries `removed` by `added` (both ascending,
/// removed a sub-multiset of values); `scratch` is a buffer.
inline void replace_sorted(std::vector<Length>& values, const std::vector<Length>& removed,
                           const std::vector<Length>& added, std::vector<Length>& scratch) {
  if (removed.empty() && added.empty()) return;
  scratch.clear();
  std::size_t removed_index = 0, added_index = 0;
  for (const Length value : values) {
    if (removed_index < removed.size() && value == removed[removed_index]) {
      ++removed_index;
      continue;
    }
    while (added_index < added.size() && added[added_index] <= value) scratch.push_back(added[added_index++]);
    scratch.push_back(value);
  }
  while (added_index < added.size()) scratch.push_back(added[added_index++]);
  values.swap(scratch);
}

}  // namespace nnsim::anneal
