#pragma once
// The three Table 4.1 instances, read from the shared reference file when present, else from
// the values below (the same numbers, book-values.md).

#include <vector>

#include "anneal/digest_instance.hpp"

namespace nnsim::anneal::testing {

inline std::vector<Instance> book_instances() {
  return {
      {"L10000", 10000, {5976, 1543, 1319, 1120, 42}, {4513, 2823, 2057, 607}, {4513, 1543, 1319, 1120, 607, 514, 342, 42}},
      {"L20000",
       20000,
       {8479, 4868, 3696, 2646, 169, 142},
       {11968, 5026, 1081, 1050, 691, 184},
       {8479, 4167, 2646, 1081, 881, 859, 701, 691, 184, 169, 142}},
      {"L40000",
       40000,
       {9979, 9348, 8022, 4020, 2693, 1892, 1714, 1371, 510, 451},
       {9492, 8453, 7749, 7365, 2292, 2180, 1023, 959, 278, 124, 85},
       {7042, 5608, 5464, 4371, 3884, 3121, 1901, 1768, 1590, 959, 899, 707, 702, 510, 451, 412, 278, 124, 124, 85}},
  };
}

}  // namespace nnsim::anneal::testing
