#pragma once
// nnsim-digest: options, the instances of a run, and the per-instance output.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "anneal/annealer.hpp"
#include "anneal/digest.hpp"
#include "anneal/digest_exact.hpp"
#include "core/options.hpp"
#include "ensemble/scheduler.hpp"
#include "io/hdf5.hpp"

namespace nnsim::digest_app {

inline constexpr const char* kProgram = "nnsim-digest";

struct DigestOptions {
  std::string instances;        ///< JSON file
  std::string instance_names;   ///< comma-separated subset, in this order; empty = all
  std::string instance_text;    ///< one instance on the command line (parse_instance_text)
  std::string planted;          ///< "NA:NB:L[,NA:NB:L...]": planted random instances
  std::string energy = "unmatched";
  std::string space = "pieces";
  std::string schedule = "geometric";
  std::string move_mix = "0.5,0.25,0.25";
  std::uint64_t steps = 2'000'000;
  std::uint64_t steps_per_temperature = 1000;
  double initial_temperature = 0;
  double final_temperature = 0;
  std::uint64_t restart_after = 0;
  std::string replicas = "auto";  ///< "auto": 2 in the piece space, 12 in the orderings space
  std::uint64_t steps_per_exchange = 100;
  bool continue_after_solution = false;
  std::uint64_t trace_every = 10000;
  bool exact = false;
  std::uint64_t exact_node_limit = 0;  ///< --exact stops after this many search nodes; 0 = none
};

po::options_description digest_options(DigestOptions& options);

/// One combination of the list-valued options --energy, --space, --replicas, --schedule and --move-mix
/// (a "configuration"): the runs of every instance are repeated for each, so that one run of the
/// driver compares energies, schedules and move sets on the same instances.
struct Configuration {
  std::string energy;    ///< "unmatched" or "book"
  std::string space = "orderings";  ///< "orderings" or "pieces"
  std::string schedule;  ///< "geometric", ...
  std::string move_mix;  ///< "R,S,T" as given
  std::uint64_t replicas = 1;
  anneal::DigestEnergy energy_form = anneal::DigestEnergy::unmatched;
  anneal::DigestSpace space_form = anneal::DigestSpace::orderings;
  anneal::DigestMoveMix mix;
  anneal::AnnealOptions options;
  /// "energy=..., replicas=..., schedule=..., move-mix=..." (", space=pieces" after the energy in the piece space)
  std::string label() const;
};

/// The configurations of the run: the product of the lists, energy outermost, then space,
/// replicas, schedule, move-mix. Throws UsageError naming the option.
std::vector<Configuration> configurations(const DigestOptions& options);

/// The instances of the run, in order (file order or --instance order, then --instance-text,
/// then --planted), each validated; the planted ones are drawn from streams keyed by (seed,
/// their parameters). Throws UsageError naming the problem.
std::vector<anneal::Instance> load_instances(const DigestOptions& options, std::uint64_t seed);

/// The engine options of one configuration; throws UsageError naming the option.
anneal::AnnealOptions anneal_options(const DigestOptions& options, const std::string& schedule,
                                     std::uint64_t replicas);
/// One move mix "R,S,T"; throws UsageError naming --move-mix.
anneal::DigestMoveMix move_mix(const std::string& text);

/// Widths of the record rows: a solution row is the A cuts then the B cuts (NaN-padded to the
/// largest instance), a state row sigma then mu (orderings) or the piece order then the cut
/// labels (pieces), NaN-padded.
std::size_t solution_width(const std::vector<anneal::Instance>& instances);
std::size_t state_width(const std::vector<anneal::Instance>& instances, bool piece_space);

/// Rank 0 after the ensemble: /instances/<name>/ (counts, maps, exact results, timing summary).
struct InstanceSummary {
  std::uint64_t runs = 0, solved = 0;
  double success_rate = 0;
  double mean_seconds = 0;           ///< mean wall time of a run (measured, not reproducible)
  double seconds_per_solution = 0;   ///< total run time / runs that found a solution
  double mean_steps_to_solution = 0; ///< over solved runs
};
/// Points are instance-major: point i * C + c is instance i under configuration c.
void write_instances(io::File& file, const std::vector<anneal::Instance>& instances,
                     const std::vector<Configuration>& configurations, const EnsembleSpec& spec,
                     const EnsembleResult& result, const std::vector<anneal::ExactResult>& exact);

/// The exact enumeration as write_instances wrote it to /instances/<name>/exact_* (maps, counts,
/// nodes, measured seconds; complete and listing_complete both from exact_complete).
anneal::ExactResult read_exact(const io::Group& instance_group, const anneal::Instance& instance);

/// What a suspended run hands to the ensemble layer (nnsim::Suspended, scheduler.hpp) to
/// continue later: the engine's snapshot plus what the driver gathered so far.
struct TaskState {
  anneal::AnnealSnapshot<anneal::DigestState> snapshot;
  std::set<anneal::RestrictionMap> found;  ///< distinct solutions met so far
  double seconds = 0;                      ///< measured wall time of the run so far
  double seconds_to_solution = 0;          ///< measured; NaN while none
};
/// The bytes of a TaskState (suspend.cpp) and back; decode throws std::runtime_error if they are
/// not such bytes (truncated, trailing, wrong magic).
std::vector<unsigned char> encode_task_state(const TaskState& state);
TaskState decode_task_state(const std::vector<unsigned char>& bytes);

/// Values of a task, in this order (EnsembleSpec observables).
enum TaskValue : std::size_t {
  kBestEnergy = 0,
  kSolved,
  kStepsToSolution,
  kSteps,
  kRestarts,
  kAcceptance,
  kFinalEnergy,
  kDistinctSolutions,
  kSeconds,
  kSecondsToSolution,
  kTaskValues
};
/// Record observables, in this order.
enum TaskRecord : std::size_t { kSolutions = 0, kTrace, kFinalState, kTaskRecords };

}  // namespace nnsim::digest_app
