#pragma once
// MPI start-up and shut-down, and the collective checks that keep ranks from hanging.

#include <mpi.h>

#include <functional>
#include <string>

#include "core/options.hpp"

namespace nnsim {

/// Initialises MPI (thread level FUNNELED: only the main thread calls MPI) and finalises it.
class MpiEnvironment {
 public:
  MpiEnvironment(int& argc, char**& argv);
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  ~MpiEnvironment();
  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

/// Runs `check` on rank 0 only; if it throws, every rank throws a UsageError with its message
/// (so a failure found by rank 0, such as an existing output file, ends all ranks together).
void check_on_root(MPI_Comm comm, const std::function<void()>& check);

/// Broadcasts a string from rank 0.
std::string broadcast_string(MPI_Comm comm, const std::string& text);

/// parse_options with config files read on rank 0 only and broadcast, so a file that one node
/// cannot read ends every rank with the same UsageError instead of leaving some blocked in a
/// collective. Collective.
ParsedOptions parse_options(int argc, char** argv, const po::options_description& options, MPI_Comm comm);

/// Every rank chooses its own kernel instruction set (NNSIM_ISA, else the best its CPU
/// supports; core/isa.hpp), since ranks may run on different CPUs; results are bitwise identical
/// either way. Collective: if the choice fails on any rank, every rank throws the UsageError of
/// the lowest failing rank. Returns (and keeps for isa_summary) a description of the choice on
/// all ranks: "avx512", or "avx512 (ranks 0-2), avx2 (rank 3)" if they differ.
std::string select_isa_on_all_ranks(MPI_Comm comm);

/// The description from the last select_isa_on_all_ranks; before it, this process's choice.
std::string isa_summary();

}  // namespace nnsim
