#pragma once
// nnsim-sgd: options, presets and output of the data-parallel SGD driver.

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "sgd/trainer.hpp"

namespace nnsim::sgd_app {

inline constexpr const char* kProgram = "nnsim-sgd";

struct SgdOptions {
  std::string preset = "none";
  std::string layers = "784,256,128,10";
  std::string activation = "relu";
  std::string loss = "cross-entropy";
  std::string optimizer = "momentum";
  double learning_rate = 0.05;
  double momentum = 0.9;
  double weight_decay = 0;
  std::string schedule = "constant";
  double lr_decay = 0.5;
  std::uint64_t lr_step_epochs = 10;
  std::uint64_t batch = 128;
  std::uint64_t shards = 8;
  std::uint64_t epochs = 30;
  std::uint64_t patience = 5;
  std::string stop_on = "error";
  std::uint64_t validation = 10000;
  std::uint64_t train_limit = 0;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  bool no_standardize = false;
  bool ensemble = false;
};

po::options_description sgd_options(SgdOptions& o);

/// Applies --preset to every option not given explicitly (command line or config file), in the
/// struct and in `values` (so provenance and fingerprint record what ran). Throws UsageError
/// for an unknown preset.
void apply_preset(SgdOptions& o, po::variables_map& values);

/// Parses "784,256,128,10"; throws UsageError naming --layers.
std::vector<std::size_t> parse_layers(const std::string& text);

}  // namespace nnsim::sgd_app
