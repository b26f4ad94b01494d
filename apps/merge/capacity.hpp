#pragma once
// nnsim-merge for nnsim-capacity files: the blocks of sizes of a job array (--size-block I:B), or
// runs over disjoint --N lists, with otherwise identical options, seed and code version.
//
// Every decision of the adaptive study for a size N depends on the samples of N alone
// (src/capacity/study.hpp): its loads, the round in which each load was first probed, and the
// number of rounds it takes (the cap max_rounds counts the rounds of the run, and a size takes
// part in every round from the first until it is finished, so it counts that size's own rounds).
// So the loads of a size are the same in a block run as in one run over every size, and the
// merged file is built as that run would have written it:
//   /points, /results   the loads of all inputs, sorted by N then p, as the driver sorts them;
//   /capacity           recomputed per N from the pooled loads with the driver's own code (the
//                       bootstrap streams are keyed by N, so the values are the same bit for bit),
//                       in the order of --N (all inputs share --N: that order; inputs with
//                       different --N lists: the order in which the inputs list their sizes);
//   /extrapolation, /scaling   recomputed from all sizes with the driver's code;
//   /rounds             round r of the merged run is round r of every input that had one: its
//                       label is the union of their labels (bracket+refine+widen), its samples
//                       the sum; the number of rounds is the largest of the inputs'.
// Refused (exit 2, nothing written): other programs, code versions, result-relevant options or
// seeds (--N and --size-block excepted); a size in two inputs; with a shared --N, sizes of it that
// are in no input (a missing array task) unless --allow-gaps.

#include <string>
#include <vector>

namespace nnsim::merge_capacity {

/// True if any of the files is an nnsim-capacity output (then merge() below handles them all).
bool handles(const std::vector<std::string>& paths);

/// Writes the merged file; throws UsageError for refused inputs. Returns the exit code.
int merge(const std::vector<std::string>& paths, const std::string& output, bool force, bool allow_gaps,
          const std::string& command_line);

}  // namespace nnsim::merge_capacity
