#include "ensemble/collective.hpp"

#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>
#include <stdexcept>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/rng.hpp"
#include "ensemble/bytes.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/stop.hpp"
#include "io/hdf5.hpp"

namespace nnsim {

namespace {

constexpr const char* kFormat = "nnsim-collective";
constexpr std::int64_t kFormatVersion = 1;

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}

template <class T>
void tree_allreduce_impl(MPI_Comm comm, std::size_t leaves, std::size_t width, T* local, T* total) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const auto [first, end] = owned_leaves(leaves, static_cast<std::size_t>(rank), static_cast<std::size_t>(size));
  if (size == 1) {
    tree_node_sum_in_place<T>(0, leaves, 0, width, local);
    std::copy(local, local + width, total);
    return;
  }
  // Every rank knows every rank's subtrees: no counts need exchanging.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> nodes(static_cast<std::size_t>(size));
  std::vector<int> counts(static_cast<std::size_t>(size)), displacements(static_cast<std::size_t>(size));
  std::size_t offset = 0;
  for (int r = 0; r < size; ++r) {
    const auto [a, b] = owned_leaves(leaves, static_cast<std::size_t>(r), static_cast<std::size_t>(size));
    auto& list = nodes[static_cast<std::size_t>(r)];
    maximal_nodes(0, leaves, a, b, list);
    const std::size_t values = list.size() * width;
    if (offset + values > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw std::runtime_error("tree_allreduce: more than 2^31 values");
    }
    counts[static_cast<std::size_t>(r)] = static_cast<int>(values);
    displacements[static_cast<std::size_t>(r)] = static_cast<int>(offset);
    offset += values;
  }
  const auto& mine = nodes[static_cast<std::size_t>(rank)];
  std::vector<T> gathered(offset);
  T* own = gathered.data() + displacements[static_cast<std::size_t>(rank)];
  for (std::size_t k = 0; k < mine.size(); ++k) {
    tree_node_sum_in_place<T>(mine[k].first, mine[k].second, first, width, local);
    const T* node = local + (mine[k].first - first) * width;
    std::copy(node, node + width, own + k * width);
  }
  MPI_Allgatherv(MPI_IN_PLACE, 0, mpi_type<T>(), gathered.data(), counts.data(), displacements.data(), mpi_type<T>(),
                 comm);
  std::map<std::pair<std::size_t, std::size_t>, const T*> known;
  for (int r = 0; r < size; ++r) {
    const auto& list = nodes[static_cast<std::size_t>(r)];
    for (std::size_t k = 0; k < list.size(); ++k) {
      known[list[k]] = gathered.data() + displacements[static_cast<std::size_t>(r)] + k * width;
    }
  }
  tree_node_sum<T>(
      0, leaves, width,
      [&known](std::size_t lo, std::size_t hi) -> const T* {
        const auto it = known.find({lo, hi});
        return it == known.end() ? nullptr : it->second;
      },
      total);
}

std::uint64_t content_checksum(const CollectiveState& state, const std::string& parameters_json) {
  Hash64 hash;
  hash.update(parameters_json.data(), parameters_json.size());
  const std::uint64_t inner = state.checksum(true);
  hash.update(&inner, sizeof inner);
  return hash.digest();
}

ByteBuffer serialise(const CollectiveState& state) {
  ByteBuffer b;
  b.put_u64(state.reals.size());
  for (const auto& [name, values] : state.reals) {
    b.put_string(name);
    b.put_doubles(values);
  }
  b.put_u64(state.integers.size());
  for (const auto& [name, values] : state.integers) {
    b.put_string(name);
    b.put_u64(values.size());
    for (const auto v : values) b.put_u64(v);
  }
  b.put_u64(state.measured.size());
  for (const auto& [name, values] : state.measured) {
    b.put_string(name);
    b.put_doubles(values);
  }
  return b;
}

CollectiveState deserialise(ByteBuffer& b) {
  CollectiveState state;
  const auto reals = b.get_u64();
  for (std::uint64_t i = 0; i < reals; ++i) {
    auto name = b.get_string();
    state.put(name, b.get_doubles());
  }
  const auto integers = b.get_u64();
  for (std::uint64_t i = 0; i < integers; ++i) {
    auto name = b.get_string();
    std::vector<std::uint64_t> values(b.get_u64());
    for (auto& v : values) v = b.get_u64();
    state.put(name, std::move(values));
  }
  const auto measured = b.get_u64();
  for (std::uint64_t i = 0; i < measured; ++i) {
    auto name = b.get_string();
    state.put_measured(name, b.get_doubles());
  }
  return state;
}

}  // namespace

const std::vector<double>& CollectiveState::real(const std::string& name) const {
  for (const auto& [n, v] : reals) {
    if (n == name) return v;
  }
  throw UsageError("checkpoint has no array '" + name + "'");
}

const std::vector<std::uint64_t>& CollectiveState::integer(const std::string& name) const {
  for (const auto& [n, v] : integers) {
    if (n == name) return v;
  }
  throw UsageError("checkpoint has no array '" + name + "'");
}

const std::vector<double>& CollectiveState::measurement(const std::string& name) const {
  for (const auto& [n, v] : measured) {
    if (n == name) return v;
  }
  throw UsageError("checkpoint has no array '" + name + "'");
}

std::uint64_t CollectiveState::checksum(bool with_measured) const {
  Hash64 hash;
  for (const auto& [name, values] : reals) {
    hash.update(name.data(), name.size() + 1);
    hash.update(values.data(), values.size() * sizeof(double));
  }
  for (const auto& [name, values] : integers) {
    hash.update(name.data(), name.size() + 1);
    hash.update(values.data(), values.size() * sizeof(std::uint64_t));
  }
  if (with_measured) {
    for (const auto& [name, values] : measured) {
      hash.update(name.data(), name.size() + 1);
      hash.update(values.data(), values.size() * sizeof(double));
    }
  }
  return hash.digest();
}

void save_collective_checkpoint(const std::string& path, const CollectiveState& state,
                                const std::string& parameters_json, const std::string& git_commit) {
  io::AtomicOutput output(path, /*overwrite=*/true);
  {
    auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    root.set_attribute("format", kFormat);
    root.set_attribute("format_version", kFormatVersion);
    root.set_attribute("parameters_json", parameters_json);
    root.set_attribute("git_commit", git_commit);
    root.set_attribute("content_checksum", content_checksum(state, parameters_json));
    std::vector<std::string> real_names, integer_names;
    auto reals = root.create_group("reals");
    for (const auto& [name, values] : state.reals) {
      real_names.push_back(name);
      reals.write(name, values, {values.size()});
    }
    auto integers = root.create_group("integers");
    for (const auto& [name, values] : state.integers) {
      integer_names.push_back(name);
      integers.write(name, values, {values.size()});
    }
    std::vector<std::string> measured_names;
    auto measured = root.create_group("measured");
    for (const auto& [name, values] : state.measured) {
      measured_names.push_back(name);
      measured.write(name, values, {values.size()});
    }
    root.write_strings("real_names", real_names);
    root.write_strings("integer_names", integer_names);
    root.write_strings("measured_names", measured_names);
    file.close();
  }
  output.commit();
}

CollectiveState load_collective_checkpoint(const std::string& path, const std::string& parameters_json,
                                           const std::string& git_commit) {
  CollectiveState state;
  try {
    auto file = io::File::open_read_only(path);
    const auto& root = file.root();
    if (!root.has_attribute("format") || root.string_attribute("format") != kFormat) {
      throw UsageError("'" + path + "' is not a checkpoint of a collective nnsim run");
    }
    const auto version = root.attribute<std::int64_t>("format_version");
    if (version != kFormatVersion) {
      throw UsageError("checkpoint '" + path + "' has format version " + std::to_string(version) +
                       ", this build reads version " + std::to_string(kFormatVersion));
    }
    const auto stored_parameters = root.string_attribute("parameters_json");
    if (stored_parameters != parameters_json) {
      throw UsageError(parameters_mismatch_message("checkpoint '" + path + "'", stored_parameters, parameters_json));
    }
    const auto stored_commit = root.string_attribute("git_commit");
    if (stored_commit != git_commit && stored_commit != "unknown" && git_commit != "unknown") {
      throw UsageError("checkpoint '" + path + "' was written by code version " + stored_commit + ", this is " +
                       git_commit + "; resume with that build, or pass --force to start afresh");
    }
    const auto reals = root.open_group("reals");
    for (const auto& name : root.read_strings("real_names")) state.put(name, reals.read<double>(name));
    const auto integers = root.open_group("integers");
    for (const auto& name : root.read_strings("integer_names")) state.put(name, integers.read<std::uint64_t>(name));
    const auto measured = root.open_group("measured");
    for (const auto& name : root.read_strings("measured_names")) state.put_measured(name, measured.read<double>(name));
    if (!root.has_attribute("content_checksum") ||
        root.attribute<std::uint64_t>("content_checksum") != content_checksum(state, parameters_json)) {
      throw UsageError("checkpoint '" + path +
                       "' is corrupt: its contents do not match their checksum; pass --force "
                       "to start afresh");
    }
  } catch (const io::IoError& e) {
    throw UsageError("cannot read checkpoint '" + path + "' (corrupt or truncated?): " + e.what());
  }
  return state;
}

void tree_allreduce(MPI_Comm comm, std::size_t leaves, std::size_t width, float* local, float* total) {
  tree_allreduce_impl<float>(comm, leaves, width, local, total);
}
void tree_allreduce(MPI_Comm comm, std::size_t leaves, std::size_t width, double* local, double* total) {
  tree_allreduce_impl<double>(comm, leaves, width, local, total);
}

Collective::Collective(MPI_Comm parent) {
  MPI_Comm_dup(parent, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Collective::~Collective() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void Collective::check_replicas(const CollectiveState& state) const {
  const std::uint64_t mine = state.checksum();
  std::vector<std::uint64_t> all(static_cast<std::size_t>(size_));
  MPI_Allgather(&mine, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, comm_);
  for (int r = 1; r < size_; ++r) {
    if (all[static_cast<std::size_t>(r)] != all[0]) {
      throw std::runtime_error("collective run: the state of rank " + std::to_string(r) +
                               " differs from rank 0's (replicas diverged)");
    }
  }
}

void Collective::write_checkpoint(const CollectiveModel& model, const CollectiveControl& control,
                                  CollectiveResult& result) {
  const double start = MPI_Wtime();
  const CollectiveState state = model.save();
  check_replicas(state);
  std::string failure;
  if (rank_ == 0) {
    try {
      save_collective_checkpoint(control.checkpoint_path, state, control.parameters_json, control.git_commit);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  ByteBuffer message;
  message.put_string(failure);
  auto& bytes = message.bytes();
  std::uint64_t n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm_);
  bytes.resize(n);
  MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, comm_);
  failure = message.get_string();
  if (!failure.empty()) throw std::runtime_error("writing checkpoint '" + control.checkpoint_path + "': " + failure);
  result.checkpoint_written = control.checkpoint_path;
  ++result.checkpoints;
  result.seconds_checkpointing += MPI_Wtime() - start;
}

CollectiveResult Collective::run(const CollectiveModel& model, const CollectiveControl& control) {
  install_stop_handlers();
  CollectiveResult result;
  const double start = MPI_Wtime();
  std::uint64_t stop_after = control.stop_after_steps;
  if (stop_after == 0 && rank_ == 0) {
    if (const char* text = std::getenv("NNSIM_STOP_AFTER_STEPS")) {
      char* end = nullptr;
      const unsigned long long value = std::strtoull(text, &end, 10);
      if (end && *end == '\0') stop_after = value;
    }
  }
  if (control.resume) {
    // Rank 0 reads and checks the file; every rank receives the state or the same error.
    ByteBuffer message;
    if (rank_ == 0) {
      try {
        const CollectiveState state =
            load_collective_checkpoint(control.checkpoint_path, control.parameters_json, control.git_commit);
        message.put_string("");
        const ByteBuffer body = serialise(state);
        auto& out = message.bytes();
        out.insert(out.end(), body.bytes().begin(), body.bytes().end());
      } catch (const std::exception& e) {
        message = ByteBuffer();
        message.put_string(e.what());
      }
    }
    auto& bytes = message.bytes();
    std::uint64_t n = bytes.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm_);
    bytes.resize(n);
    if (n > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      throw std::runtime_error("checkpoint larger than 2 GiB cannot be broadcast");
    }
    MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, comm_);
    const std::string error = message.get_string();
    if (!error.empty()) throw UsageError(error);
    model.load(deserialise(message));
    check_replicas(model.save());
  }
  double last_checkpoint = start;
  while (!model.finished()) {
    // The step boundary: rank 0's decisions and every rank's signal in one reduction.
    int flags[3] = {stop_signal(), 0, 0};  // signal, stop (rank 0), periodic checkpoint (rank 0)
    if (rank_ == 0) {
      const double now = MPI_Wtime();
      if (control.time_limit > 0 && now - start >= control.time_limit) flags[1] = 1;
      if (stop_after > 0 && result.steps >= stop_after) flags[1] = 2;
      if (!control.checkpoint_path.empty() && control.checkpoint_interval > 0 &&
          now - last_checkpoint >= control.checkpoint_interval) {
        flags[2] = 1;
      }
    }
    MPI_Allreduce(MPI_IN_PLACE, flags, 3, MPI_INT, MPI_MAX, comm_);
    if (flags[0] != 0 || flags[1] != 0) {
      result.stop_reason = flags[0] != 0   ? std::string("received ") + signal_name(flags[0])
                           : flags[1] == 1 ? "reached --time-limit " + log::format_duration(control.time_limit)
                                           : "stop after " + std::to_string(stop_after) + " steps (test trigger)";
      if (!control.checkpoint_path.empty()) write_checkpoint(model, control, result);
      return result;
    }
    if (flags[2] != 0) {
      write_checkpoint(model, control, result);
      last_checkpoint = MPI_Wtime();
    }
    const bool boundary = model.step();
    ++result.steps;
    if (boundary && !control.checkpoint_path.empty() && !model.finished()) {
      write_checkpoint(model, control, result);
      last_checkpoint = MPI_Wtime();
    }
  }
  check_replicas(model.save());
  result.complete = true;
  return result;
}

}  // namespace nnsim
