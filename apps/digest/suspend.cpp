// nnsim-digest: the state of a suspended annealing run (digest.hpp, TaskState) as bytes.
// Layout (ByteBuffer, native byte order; the checkpoint that holds it is tied to one build):
// magic "nnsimdg2", the measured seconds so far and to the first solution, the solutions met,
// then every field of the engine's AnnealSnapshot in declaration order, a DigestState as its
// vectors and its piece-space energy, in declaration order. Read back in the same order; anything left over or missing is an error.

#include <cstring>
#include <stdexcept>
#include <utility>

#include "digest.hpp"
#include "ensemble/bytes.hpp"

namespace nnsim::digest_app {

namespace an = nnsim::anneal;

namespace {

constexpr std::uint64_t kMagic = 0x326764736d696e6eULL;  // "nnsimdg2" (1: before the piece space)

template <class T>
void put_integers(ByteBuffer& b, const std::vector<T>& values) {
  b.put_u64(values.size());
  for (const auto v : values) b.put_i64(static_cast<std::int64_t>(v));
}
template <class T>
std::vector<T> get_integers(ByteBuffer& b) {
  const auto n = b.get_u64();
  if (n > std::as_const(b).bytes().size()) throw std::runtime_error("truncated message");
  std::vector<T> values;
  values.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) values.push_back(static_cast<T>(b.get_i64()));
  return values;
}

void put_state(ByteBuffer& b, const an::DigestState& s) {
  put_integers(b, s.sigma);
  put_integers(b, s.mu);
  put_integers(b, s.a_positions);
  put_integers(b, s.b_positions);
  put_integers(b, s.pieces);
  put_integers(b, s.order);
  put_integers(b, s.cuts);
  b.put_double(s.piece_energy);
  put_integers(b, s.a_fragments);
  put_integers(b, s.b_fragments);
}
an::DigestState get_state(ByteBuffer& b) {
  an::DigestState s;
  s.sigma = get_integers<int>(b);
  s.mu = get_integers<int>(b);
  s.a_positions = get_integers<an::Length>(b);
  s.b_positions = get_integers<an::Length>(b);
  s.pieces = get_integers<an::Length>(b);
  s.order = get_integers<int>(b);
  s.cuts = get_integers<std::uint8_t>(b);
  s.piece_energy = b.get_double();
  s.a_fragments = get_integers<an::Length>(b);
  s.b_fragments = get_integers<an::Length>(b);
  return s;
}

void put_result(ByteBuffer& b, const an::AnnealResult<an::DigestState>& r) {
  put_state(b, r.best_state);
  b.put_double(r.best_energy);
  put_state(b, r.final_state);
  b.put_double(r.final_energy);
  b.put_u64(r.steps);
  b.put_u64(r.accepted);
  b.put_double(r.acceptance_rate);
  b.put_u64(r.levels);
  b.put_u64(r.restarts);
  b.put_u64(r.solved ? 1 : 0);
  b.put_u64(r.steps_to_solution);
  b.put_u64(r.solution_visits);
  b.put_u64(static_cast<std::uint64_t>(r.stop_reason));
  b.put_double(r.initial_temperature);
  b.put_double(r.final_temperature);
  b.put_u64(r.trace.size());
  for (const auto& t : r.trace) {
    b.put_u64(t.step);
    b.put_double(t.energy);
  }
  b.put_doubles(r.ladder);
  b.put_doubles(r.replica_acceptance);
  b.put_doubles(r.swap_acceptance);
  b.put_double(r.swap_acceptance_rate);
}
an::AnnealResult<an::DigestState> get_result(ByteBuffer& b) {
  an::AnnealResult<an::DigestState> r;
  r.best_state = get_state(b);
  r.best_energy = b.get_double();
  r.final_state = get_state(b);
  r.final_energy = b.get_double();
  r.steps = b.get_u64();
  r.accepted = b.get_u64();
  r.acceptance_rate = b.get_double();
  r.levels = b.get_u64();
  r.restarts = b.get_u64();
  r.solved = b.get_u64() != 0;
  r.steps_to_solution = b.get_u64();
  r.solution_visits = b.get_u64();
  r.stop_reason = static_cast<an::StopReason>(b.get_u64());
  r.initial_temperature = b.get_double();
  r.final_temperature = b.get_double();
  const auto n = b.get_u64();
  if (n > std::as_const(b).bytes().size()) throw std::runtime_error("truncated message");
  r.trace.resize(n);
  for (auto& t : r.trace) {
    t.step = b.get_u64();
    t.energy = b.get_double();
  }
  r.ladder = b.get_doubles();
  r.replica_acceptance = b.get_doubles();
  r.swap_acceptance = b.get_doubles();
  r.swap_acceptance_rate = b.get_double();
  return r;
}

}  // namespace

std::vector<unsigned char> encode_task_state(const TaskState& t) {
  ByteBuffer b;
  b.put_u64(kMagic);
  b.put_double(t.seconds);
  b.put_double(t.seconds_to_solution);
  b.put_u64(t.found.size());
  for (const auto& map : t.found) {
    put_integers(b, map.a_cuts);
    put_integers(b, map.b_cuts);
  }
  const auto& s = t.snapshot;
  put_result(b, s.result);
  b.put_u64(s.have_best ? 1 : 0);
  b.put_u64(s.rng_position);
  b.put_u64(s.replica_exchange ? 1 : 0);
  b.put_u64(s.states.size());
  for (const auto& state : s.states) put_state(b, state);
  b.put_doubles(s.energies);
  b.put_double(s.run_best);
  b.put_u64(s.levels_without_improvement);
  b.put_double(s.temperature);
  b.put_u64(s.level);
  b.put_u64(s.level_steps);
  b.put_u64(s.level_step);
  b.put_u64(s.level_accepted);
  b.put_u64(s.improved ? 1 : 0);
  b.put_bytes(s.schedule);
  b.put_u64(s.replica);
  b.put_u64(s.cold_proposed);
  b.put_u64(s.cold_accepted);
  put_integers(b, s.proposed);
  put_integers(b, s.accepted);
  put_integers(b, s.swaps_tried);
  put_integers(b, s.swaps_done);
  return b.bytes();
}

TaskState decode_task_state(const std::vector<unsigned char>& bytes) {
  ByteBuffer b(bytes);
  TaskState t;
  try {
    if (b.get_u64() != kMagic) throw std::runtime_error("not a suspended nnsim-digest run");
    t.seconds = b.get_double();
    t.seconds_to_solution = b.get_double();
    const auto maps = b.get_u64();
    if (maps > bytes.size()) throw std::runtime_error("truncated message");
    for (std::uint64_t i = 0; i < maps; ++i) {
      an::RestrictionMap map;
      map.a_cuts = get_integers<an::Length>(b);
      map.b_cuts = get_integers<an::Length>(b);
      t.found.insert(std::move(map));
    }
    auto& s = t.snapshot;
    s.result = get_result(b);
    s.have_best = b.get_u64() != 0;
    s.rng_position = b.get_u64();
    s.replica_exchange = b.get_u64() != 0;
    const auto states = b.get_u64();
    if (states > bytes.size()) throw std::runtime_error("truncated message");
    for (std::uint64_t i = 0; i < states; ++i) s.states.push_back(get_state(b));
    s.energies = b.get_doubles();
    s.run_best = b.get_double();
    s.levels_without_improvement = b.get_u64();
    s.temperature = b.get_double();
    s.level = b.get_u64();
    s.level_steps = b.get_u64();
    s.level_step = b.get_u64();
    s.level_accepted = b.get_u64();
    s.improved = b.get_u64() != 0;
    s.schedule = b.get_bytes();
    s.replica = b.get_u64();
    s.cold_proposed = b.get_u64();
    s.cold_accepted = b.get_u64();
    s.proposed = get_integers<std::uint64_t>(b);
    s.accepted = get_integers<std::uint64_t>(b);
    s.swaps_tried = get_integers<std::uint64_t>(b);
    s.swaps_done = get_integers<std::uint64_t>(b);
    if (!b.at_end()) throw std::runtime_error("trailing bytes");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("the suspended state of an nnsim-digest run is unreadable: ") + e.what());
  }
  return t;
}

}  // namespace nnsim::digest_app
