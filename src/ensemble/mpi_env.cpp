#include "ensemble/mpi_env.hpp"

#include <stdexcept>

#include "core/error.hpp"
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
