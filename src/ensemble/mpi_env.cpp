#include "ensemble/mpi_env.hpp"

#include <stdexcept>
#include <vector>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/log.hpp"

namespace nnsim {

MpiEnvironment::MpiEnvironment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw std::runtime_error("the MPI library does not provide MPI_THREAD_FUNNELED");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  log::set_rank(rank_);
}

MpiEnvironment::~MpiEnvironment() { MPI_Finalize(); }

std::string broadcast_string(MPI_Comm comm, const std::string& text) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  unsigned long long length = rank == 0 ? text.size() : 0;
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  std::string out = rank == 0 ? text : std::string(length, '\0');
  if (length > 0) MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, 0, comm);
  return out;
}

void check_on_root(MPI_Comm comm, const std::function<void()>& check) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string message;
  if (rank == 0) {
    try {
      check();
    } catch (const std::exception& e) {
      message = e.what();
      if (message.empty()) message = "check failed";
    }
  }
  message = broadcast_string(comm, message);
  if (!message.empty()) throw UsageError(message);
}

namespace {

std::string g_isa_summary;

/// "0-2,5" for ranks {0, 1, 2, 5}.
std::string rank_ranges(const std::vector<int>& ranks) {
  std::string out;
  for (std::size_t k = 0; k < ranks.size();) {
    std::size_t last = k;
    while (last + 1 < ranks.size() && ranks[last + 1] == ranks[last] + 1) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(ranks[k]);
    if (last > k) {
      out += '-';
      out += std::to_string(ranks[last]);
    }
    k = last + 1;
  }
  return out;
}

}  // namespace

std::string select_isa_on_all_ranks(MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::string message;
  int chosen = -1;
  try {
    const Isa isa = isa_from_environment();
    set_active_isa(isa);
    chosen = static_cast<int>(isa);
  } catch (const std::exception& e) {
    message = e.what();
  }
  int failing = message.empty() ? size : rank;
  int lowest_failing = size;
  MPI_Allreduce(&failing, &lowest_failing, 1, MPI_INT, MPI_MIN, comm);
  if (lowest_failing < size) {
    unsigned long long length = rank == lowest_failing ? message.size() : 0;
    MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, lowest_failing, comm);
    std::string text = rank == lowest_failing ? message : std::string(length, '\0');
    if (length > 0) MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, lowest_failing, comm);
    if (size > 1) text += " (on rank " + std::to_string(lowest_failing) + ")";
    throw UsageError(text);
  }
  std::vector<int> all(static_cast<std::size_t>(size));
  MPI_Allgather(&chosen, 1, MPI_INT, all.data(), 1, MPI_INT, comm);
  std::string summary;
  std::vector<int> seen;
  for (int r = 0; r < size; ++r) {
    const int isa = all[static_cast<std::size_t>(r)];
    bool listed = false;
    for (const int s : seen) listed = listed || s == isa;
    if (listed) continue;
    seen.push_back(isa);
    std::vector<int> ranks;
    for (int q = r; q < size; ++q) {
      if (all[static_cast<std::size_t>(q)] == isa) ranks.push_back(q);
    }
    if (!summary.empty()) summary += ", ";
    summary += to_string(static_cast<Isa>(isa));
    if (static_cast<int>(ranks.size()) < size) {
      summary += std::string(ranks.size() > 1 ? " (ranks " : " (rank ") + rank_ranges(ranks) + ")";
    }
  }
  g_isa_summary = summary;
  return summary;
}

std::string isa_summary() { return g_isa_summary.empty() ? std::string(to_string(active_isa())) : g_isa_summary; }

ParsedOptions parse_options(int argc, char** argv, const po::options_description& options, MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const ConfigReader collective = [comm, rank](const std::string& path) {
    std::string text;
    std::string error;
    if (rank == 0) {
      try {
        text = read_config_file(path);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    error = broadcast_string(comm, error);
    if (!error.empty()) throw UsageError(error);
    return broadcast_string(comm, text);
  };
  return parse_options(argc, argv, options, collective);
}

}  // namespace nnsim
