#pragma once
// nnsim-digest files pooled by nnsim-merge (apps/merge/records.cpp): /instances/<name>/...
// recomputed for the merged runs with the driver's own write_instances (output.cpp).

#include <functional>
#include <string>
#include <vector>

#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

namespace nnsim::digest_app {

/// Checks the inputs and returns what writes /points/{name,energy,schedule,move_mix} and
/// /instances/<name>/... of the merged file from the merged runs (`spec`, `result`: points in the driver's order, samples from
/// first-sample). The instances (root attribute instances) and configurations (/points) must be
/// the same in every input, and so must the exact enumeration (--exact: it does not depend on
/// the runs; its measured seconds are the first input's). Throws UsageError naming the inputs
/// otherwise (before anything is written). `spec` and `result` must outlive the returned writer.
std::function<void(io::File&)> merged_instances(const std::vector<std::string>& inputs, const EnsembleSpec& spec,
                                                const EnsembleResult& result);

}  // namespace nnsim::digest_app
