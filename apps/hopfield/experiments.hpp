#pragma once
// nnsim-hopfield's experiments: each builds a GriddedExperiment (tasks + output description)
// from the options; main.cpp parses, validates and hands it to the ensemble layer.

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "ensemble/driver.hpp"
#include "hopfield/network.hpp"
#include "hopfield/one_step.hpp"

namespace nnsim::hopfield_app {

struct HopfieldOptions {
  std::string experiment = "one-step";
  std::string neurons = "1000";
  std::string alpha = "0.05:0.5:0.05";
  std::uint64_t samples = 100;
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

po::options_description hopfield_options(HopfieldOptions& options);

/// One (N, alpha[, noise]) point of a grid; p = round(alpha N).
struct Point {
  std::int64_t neurons = 0;
  double alpha = 0;
  std::int64_t patterns = 0;
  double noise = 0;  ///< 1/beta; 0 = deterministic
  double load() const { return static_cast<double>(patterns) / static_cast<double>(neurons); }
};

/// N x alpha (x noise, when `noise` is non-empty) in that nesting order; validates ranges.
std::vector<Point> make_points(const HopfieldOptions& options, const std::vector<double>& noise);

hopfield::Diagonal diagonal_of(const HopfieldOptions& options);

GriddedExperiment one_step_experiment(const HopfieldOptions& options, const CommonOptions& common);
/// steady-state, order-parameter and phase-diagram.
GriddedExperiment dynamics_experiment(const HopfieldOptions& options, const CommonOptions& common);
/// --experiment theory: mean-field curves only, written without simulation.
int run_theory(const HopfieldOptions& options, const CommonOptions& common, const ParsedOptions& parsed,
               const po::options_description& all, const MpiEnvironment& mpi);

}  // namespace nnsim::hopfield_app
