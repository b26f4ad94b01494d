#pragma once
// nnsim-hopfield's experiments: each builds a GriddedExperiment (tasks + output description)
// from the options; main.cpp parses, validates and hands it to the ensemble layer.

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "ensemble/driver.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/network.hpp"
#include "hopfield/one_step.hpp"

namespace nnsim::hopfield_app {

enum class Experiment { kOneStep, kSteadyState, kOrderParameter, kPhaseDiagram, kTheory };
enum class Weights { kAuto, kPatterns, kMatrix };

/// The options as bound by boost (text for the named choices)...
struct HopfieldOptions {
  std::string experiment = "one-step";
  std::string neurons = "1000";
  std::string alpha = "0.05:0.5:0.05";
  std::uint64_t patterns_per_sample = 0;
  std::string diagonal = "zero";
  // dynamics
  std::string update = "random";
  std::string noise = "0.5";
  double flip_fraction = 0;
  std::uint64_t max_sweeps = 1000;
  std::uint64_t sweeps = 2000;
  std::uint64_t transient = 200;
  double retrieved_threshold = 0.9;
  std::uint64_t trace_every = 0;
  std::string weights = "auto";
  double memory_budget_mb = 4096;
};

/// ...and the named choices parsed once into enums (parse_choices).
struct Choices {
  Experiment experiment = Experiment::kOneStep;
  hopfield::Diagonal diagonal = hopfield::Diagonal::kZero;
  hopfield::UpdateRule update = hopfield::UpdateRule::kRandomSequential;
  Weights weights = Weights::kAuto;
  bool stochastic() const {
    return experiment == Experiment::kOrderParameter || experiment == Experiment::kPhaseDiagram;
  }
};

po::options_description hopfield_options(HopfieldOptions& options);

/// Parses the named choices; throws UsageError naming the option and the allowed values.
Choices parse_choices(const HopfieldOptions& options);

/// Refuses options the experiment does not use when they were given (command line or config
/// file), naming the experiment; removes the defaulted ones from `values`, so that neither the
/// output file nor the checkpoint fingerprint records them.
void drop_inapplicable_options(Experiment experiment, po::variables_map& values);

/// Options that change no number of the output (how the work is done): they may differ between
/// a run and its resume, and between merged runs.
std::vector<std::string> run_control_options();
/// Options that change no random draw nor the dynamics (only how samples are evaluated); they
/// are left out of the point key, so runs that differ in them share their samples.
std::vector<std::string> evaluation_options();

/// Range checks of the model options that apply to every experiment.
void validate(const HopfieldOptions& options, const Choices& choices, const CommonOptions& common);

/// One (N, alpha[, noise]) point of a grid; p = round(alpha N).
struct Point {
  std::int64_t neurons = 0;
  double alpha = 0;
  std::int64_t patterns = 0;
  double noise = 0;      ///< 1/beta; 0 = deterministic
  std::uint64_t key = 0; ///< the point's random-stream key (core/rng.hpp)
  double load() const { return static_cast<double>(patterns) / static_cast<double>(neurons); }
};

/// N x alpha (x noise, when `noise` is non-empty), sorted by (N, alpha, noise) whatever the
/// order written, with each point's stream key; validates ranges and refuses duplicates.
std::vector<Point> make_points(const HopfieldOptions& options, const std::vector<double>& noise,
                               const PointKey& key_base);

/// The point-key prefix of the run: domain "nnsim-hopfield/<experiment>" and every option that
/// changes the random draws or the dynamics, in declaration order (README, "Random streams").
PointKey key_base(const std::string& experiment, const po::options_description& all, const po::variables_map& values);

GriddedExperiment one_step_experiment(const HopfieldOptions& options, const Choices& choices,
                                      const CommonOptions& common, const PointKey& key_base);
/// steady-state, order-parameter and phase-diagram.
GriddedExperiment dynamics_experiment(const HopfieldOptions& options, const Choices& choices,
                                      const CommonOptions& common, const PointKey& key_base);
/// --experiment theory: mean-field curves only, written without simulation.
int run_theory(const HopfieldOptions& options, const CommonOptions& common, const ParsedOptions& parsed,
               const po::options_description& all, const MpiEnvironment& mpi);

}  // namespace nnsim::hopfield_app
