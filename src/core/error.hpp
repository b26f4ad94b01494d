#pragma once
// Error types and exit codes: the one place that defines them.

#include <stdexcept>
#include <string>

namespace nnsim {

/// Bad input: an option out of range, an unknown option, an output that may not be written.
/// Raised identically on every rank (or broadcast from rank 0), so all ranks exit together.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by a model kernel that noticed its cancellation flag; the task counts as not done.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "task cancelled"; }
};

/// Process exit codes of every nnsim driver (documented in the README).
enum ExitCode : int {
  kExitOk = 0,           ///< finished; the output file is complete
  kExitFailure = 1,      ///< runtime failure (I/O error, internal error)
  kExitUsage = 2,        ///< bad options or input; nothing was computed or written
  kExitInterrupted = 3,  ///< stopped by a signal or --time-limit; a checkpoint was written
};

}  // namespace nnsim
