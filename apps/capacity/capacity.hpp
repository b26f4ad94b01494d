#pragma once
// nnsim-capacity: options, the study's results on rank 0, and the output file.

#include <cstdint>
#include <string>
#include <vector>

#include "capacity/study.hpp"
#include "core/options.hpp"
#include "ensemble/rounds.hpp"
#include "io/hdf5.hpp"

namespace nnsim::capacity_app {

inline constexpr const char* kProgram = "nnsim-capacity";

// Literature values of the N -> infinity storage capacity (B. Mehlig, "Machine learning with
// neural networks", (3.42): replica-symmetric mean-field theory; (3.48): with replica-symmetry
// breaking; (3.49): Monte Carlo simulations at finite N extrapolated to N -> infinity).
inline constexpr double kAlphaRs = 0.137906;
inline constexpr double kAlphaRsb = 0.138187;
inline constexpr double kAlphaMonteCarlo = 0.143;
inline constexpr double kAlphaMonteCarloStderr = 0.002;

struct CapacityOptions {
  std::string sizes = "512,1024,2048,4096";
  double m_cut = 0.9;
  double level = 0.5;
  double overlap_level = 0.5;
  std::string update = "random";
  std::uint64_t max_sweeps = 1000;
  std::string bracket = "auto";
  int bracket_points = 7;
  bool fixed_bracket = false;
  std::uint64_t round_samples = 0;
  std::uint64_t budget = 0;
  double target_error = 5e-4;
  int bootstrap = 200;
  std::string size_block = "all";  ///< "I:B": only sizes I*B .. I*B+B-1 of --N (job arrays)
};

po::options_description capacity_options(CapacityOptions& options);

/// Range checks; fills `settings` (sizes, bracket, caps, key prefix). Throws UsageError naming
/// the option. With --size-block I:B, settings.sizes holds only block I of --N (the other checks,
/// e.g. the fixed bracket at the smallest N, are done on the whole list, so a block is refused
/// exactly when the whole run would be).
capacity::StudySettings validate(const CapacityOptions& options, const CommonOptions& common);

/// The sizes of --size-block `block` ("all", or "I:B": the sizes at positions I*B .. I*B+B-1 of
/// `sizes`, fewer in the last block). Throws UsageError naming --size-block.
std::vector<std::int64_t> size_block(const std::vector<std::int64_t>& sizes, const std::string& block);

/// Everything the output and the final printout need, computed on rank 0 from the history.
struct StudyResults {
  std::map<std::pair<std::int64_t, std::int64_t>, capacity::LoadSamples> loads;
  std::vector<capacity::SizeEstimate> sizes;  ///< in the order of --N
  capacity::ExtrapolationChoice extrapolation;
  std::vector<std::string> fit_names;  ///< of extrapolation.candidates
  std::string recommended;             ///< name of the recommended fit ("" if none)
  capacity::CollapseFit collapse;
  std::vector<std::string> round_labels;
  std::vector<std::uint64_t> round_tasks;
};

StudyResults analyse(const CapacityOptions& options, const capacity::StudySettings& settings,
                     const RoundsHistory& history, std::uint64_t seed);

/// The estimates from the loads alone, for `sizes` in this order (every decision of a size
/// depends on its own loads only): what analyse() does after aggregating the history; nnsim-merge
/// calls it on the pooled loads of size blocks.
StudyResults analyse_loads(const CapacityOptions& options, const std::vector<std::int64_t>& sizes,
                           std::map<std::pair<std::int64_t, std::int64_t>, capacity::LoadSamples> loads,
                           std::vector<std::string> round_labels, std::vector<std::uint64_t> round_tasks,
                           std::uint64_t seed);

/// The result groups of the file (points, results, capacity, extrapolation, scaling, rounds).
void write_results(io::File& file, const StudyResults& results, const CapacityOptions& options);

/// The closing summary: alpha_c(N) with the alternatives, the extrapolations, and the
/// consistency of the recommended alpha_c(inf) with the literature values.
std::string summary_text(const StudyResults& results, const CapacityOptions& options);

}  // namespace nnsim::capacity_app
