#pragma once
// Options: every component declares its own boost::program_options description and the driver
// composes them. Command line and INI config file (--config) share the same names; the command
// line wins. Unknown options, missing values and out-of-range values are UsageErrors raised
// before any work starts, identically on every rank.

#include <boost/program_options.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace nnsim {

namespace po = boost::program_options;

/// Options shared by every driver.
struct CommonOptions {
  std::uint64_t seed = 1;
  std::uint64_t samples = 100;       ///< independent samples per point
  std::uint64_t first_sample = 0;    ///< this run computes samples first_sample .. first_sample + samples - 1
  std::string output;
  bool force = false;
  bool resume = false;
  bool quiet = false;
  double time_limit = 0;             ///< seconds of wall time for this run; 0 = unlimited
  double checkpoint_interval = 600;  ///< seconds between periodic checkpoints
  int threads = 1;                   ///< compute threads per rank
  std::string config;
};

/// Declares --seed --samples --first-sample --output --force --resume --time-limit
/// --checkpoint-interval --threads --quiet --config, --help and --version, bound to `options`.
/// `samples_meaning` says what one sample is for this driver ("independent samples (fresh
/// random patterns and dynamics)").
po::options_description common_options(CommonOptions& options, const std::string& default_output,
                                       std::uint64_t default_samples, const std::string& samples_meaning);

/// Range checks of the common options; throws UsageError naming the option.
void validate_common_options(const CommonOptions& options);

/// Options that steer a run but not its results; they may differ between a run and its resume.
bool is_run_control_option(const std::string& name);

struct ParsedOptions {
  po::variables_map values;
  bool help = false;
  bool version = false;  ///< --version: print version, commit and instruction set, then exit
  std::string command_line;  ///< argv joined with shell quoting, for provenance
};

/// Returns the text of a config file or throws UsageError naming it (a missing file, a
/// directory, an unreadable file). MPI drivers pass one that reads on rank 0 and broadcasts.
using ConfigReader = std::function<std::string(const std::string& path)>;

/// Reads a regular file; throws UsageError("--config: ...") otherwise.
std::string read_config_file(const std::string& path);

/// Parses argv and, if given, the --config file. Throws UsageError with boost's message naming
/// the option (unknown option, missing or malformed value). Abbreviated options are not
/// accepted: "--alp" is an error, not "--alpha"; nor are stray words ("foo", or the second half
/// of "--alpha 0.05, 0.1"). A config file may name another with a `config = FILE` line (relative
/// to its own folder); values already set (command line, then the including file) win.
ParsedOptions parse_options(int argc, char** argv, const po::options_description& options,
                            const ConfigReader& read_config = read_config_file);

/// The value of one option, by type.
using OptionValue = std::variant<std::string, double, std::int64_t, std::uint64_t, bool>;

/// Every option of `options` that has a value (defaults included), in declaration order;
/// --help and --config are left out.
std::vector<std::pair<std::string, OptionValue>> option_values(const po::options_description& options,
                                                               const po::variables_map& values);

/// Every option of `options` that has a value, in declaration order, as one JSON object.
/// With `results_only`, run-control options are left out (the checkpoint fingerprint), and so
/// are the options named in `exclude`.
std::string options_json(const po::options_description& options, const po::variables_map& values,
                         bool results_only, const std::vector<std::string>& exclude = {});

/// Help text: usage line, description, then every option with default and meaning.
std::string help_text(const std::string& program, const std::string& summary,
                      const po::options_description& options);

/// Throws UsageError("--<option> must be <allowed>, got <value>") unless `ok`.
template <class T>
void require(bool ok, const std::string& option, const std::string& allowed, const T& value) {
  if (ok) return;
  std::ostringstream message;
  message.precision(10);
  message << "--" << option << " must be " << allowed << ", got " << value;
  throw UsageError(message.str());
}

/// Default thread count: $OMP_NUM_THREADS if it is a positive integer, else 1.
int default_thread_count();

}  // namespace nnsim
