#include "ensemble/rounds.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/rng.hpp"
#include "ensemble/bytes.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/mpi_env.hpp"
#include "ensemble/stop.hpp"
#include "io/hdf5.hpp"

namespace nnsim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kFormat = "nnsim-rounds";
constexpr std::int64_t kFormatVersion = 1;

void put_round(ByteBuffer& b, const Round& round) {
  b.put_string(round.label);
  b.put_u64(round.blocks.size());
  for (const auto& block : round.blocks) {
    b.put_u64(block.point.key);
    b.put_u64(block.first_sample);
    b.put_u64(block.count);
    b.put_double(block.cost);
    b.put_u64(block.point.reals.size());
    for (const double x : block.point.reals) b.put_double(x);
    b.put_u64(block.point.integers.size());
    for (const std::int64_t n : block.point.integers) b.put_i64(n);
  }
}

Round get_round(ByteBuffer& b) {
  Round round;
  round.label = b.get_string();
  round.blocks.resize(b.get_u64());
  for (auto& block : round.blocks) {
    block.point.key = b.get_u64();
    block.first_sample = b.get_u64();
    block.count = b.get_u64();
    block.cost = b.get_double();
    block.point.reals.resize(b.get_u64());
    for (auto& x : block.point.reals) x = b.get_double();
    block.point.integers.resize(b.get_u64());
    for (auto& n : block.point.integers) n = b.get_i64();
  }
  return round;
}

/// The digest of a history after `prefix` (fingerprint, or nothing).
std::uint64_t digest_of(const std::string& prefix, const RoundsHistory& history) {
  Hash64 hash;
  hash.update(prefix.data(), prefix.size());
  for (const auto& done : history) {
    ByteBuffer b;
    put_round(b, done.round);
    hash.update(b.bytes().data(), b.bytes().size());
    hash.update(done.values.data(), done.values.size() * sizeof(double));
  }
  return hash.digest();
}

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 15];
  return s;
}

/// parameters_json of the checkpoint of round r: ties it to the run and to this very round.
std::string round_tag(const std::string& fingerprint, std::uint64_t r, const Round& round) {
  ByteBuffer b;
  put_round(b, round);
  Hash64 hash;
  hash.update(b.bytes().data(), b.bytes().size());
  return "{\"rounds\":" + (fingerprint.empty() ? std::string("\"\"") : fingerprint) +
         ",\"round\":" + std::to_string(r) + ",\"round_definition\":\"" + hex(hash.digest()) + "\"}";
}

void broadcast_bytes(MPI_Comm comm, std::vector<unsigned char>& bytes) {
  std::uint64_t n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm);
  bytes.resize(n);
  if (n) MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, comm);
}

/// Rank 0: throws UsageError unless `round` is runnable and adds no sample that the history (or
/// the round itself) already has: a repeated (point, sample) would be a copy, not a new sample.
void check_round(const Round& round, const RoundsHistory& history, std::uint64_t r) {
  const std::string where = "round " + std::to_string(r) + (round.label.empty() ? "" : " (" + round.label + ")");
  if (round.blocks.empty()) throw UsageError(where + " has no task blocks");
  std::map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> ranges;  // key -> [first, end)
  auto add = [&](const TaskBlock& block, bool in_new_round) {
    if (in_new_round) {
      if (block.count == 0) throw UsageError(where + ": a block has no samples");
      if (block.first_sample > UINT64_MAX - block.count) throw UsageError(where + ": sample range overflows");
      if (!(block.cost >= 0) || !std::isfinite(block.cost))
        throw UsageError(where + ": a block's cost is not finite and >= 0");
    }
    ranges[block.point.key].emplace_back(block.first_sample, block.first_sample + block.count);
  };
  for (const auto& done : history) {
    for (const auto& block : done.round.blocks) add(block, false);
  }
  for (const auto& block : round.blocks) add(block, true);
  for (auto& [key, list] : ranges) {
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].first < list[i - 1].second) {
        throw UsageError(where + " repeats sample " + std::to_string(list[i].first) + " of point key " +
                         std::to_string(key) + " (each sample of a point may run once)");
      }
    }
  }
}

std::vector<std::uint64_t> widths_of(const RoundsSpec& spec) {
  std::vector<std::uint64_t> widths;
  for (std::size_t k = 0; k < spec.observables.size(); ++k) widths.push_back(spec.widths.empty() ? 1 : spec.widths[k]);
  return widths;
}

std::uint64_t tasks_of(const RoundsHistory& history) {
  std::uint64_t n = 0;
  for (const auto& done : history) n += done.round.num_tasks();
  return n;
}

enum Decision : std::uint64_t { kRound = 1, kDone = 2, kStop = 3, kUsageError = 4, kFailure = 5 };

}  // namespace

std::uint64_t Round::num_tasks() const {
  std::uint64_t n = 0;
  for (const auto& block : blocks) n += block.count;
  return n;
}

std::size_t RoundsSpec::values_per_task() const {
  std::size_t total = 0;
  for (std::size_t k = 0; k < observables.size(); ++k) total += widths.empty() ? 1 : widths[k];
  return total;
}

std::string round_checkpoint_path(const std::string& history_path) { return history_path + ".round.h5"; }

std::uint64_t history_digest(const RoundsHistory& history) { return digest_of("", history); }

void save_rounds_checkpoint(const std::string& path, const RoundsCheckpoint& c) {
  std::uint64_t width = 0;
  for (const auto w : c.widths) width += w;
  if (c.widths.size() != c.observables.size()) throw std::logic_error("save_rounds_checkpoint: widths do not match");
  std::vector<std::string> labels;
  std::vector<std::uint64_t> round_offsets{0}, keys, firsts, counts, real_offsets{0}, integer_offsets{0};
  std::vector<double> costs, reals, values;
  std::vector<std::int64_t> integers;
  for (const auto& done : c.history) {
    if (done.values.size() != done.round.num_tasks() * width) {
      throw std::logic_error("save_rounds_checkpoint: a round's values do not match its tasks");
    }
    labels.push_back(done.round.label);
    for (const auto& block : done.round.blocks) {
      keys.push_back(block.point.key);
      firsts.push_back(block.first_sample);
      counts.push_back(block.count);
      costs.push_back(block.cost);
      reals.insert(reals.end(), block.point.reals.begin(), block.point.reals.end());
      real_offsets.push_back(reals.size());
      integers.insert(integers.end(), block.point.integers.begin(), block.point.integers.end());
      integer_offsets.push_back(integers.size());
    }
    round_offsets.push_back(keys.size());
    values.insert(values.end(), done.values.begin(), done.values.end());
  }
  io::AtomicOutput output(path, /*overwrite=*/true);
  {
    auto file = io::File::create(output.temporary_path(), /*truncate=*/true);
    auto& root = file.root();
    root.set_attribute("format", kFormat);
    root.set_attribute("format_version", kFormatVersion);
    root.set_attribute("parameters_json", c.parameters_json);
    root.set_attribute("git_commit", c.git_commit);
    root.set_attribute("num_rounds", static_cast<std::uint64_t>(c.history.size()));
    root.set_attribute("content_checksum", digest_of(c.parameters_json, c.history));
    root.write_strings("observables", c.observables);
    root.write("widths", c.widths);
    root.write_strings("round_labels", labels);
    root.write("round_block_offsets", round_offsets);
    root.write("block_point_key", keys);
    root.write("block_first_sample", firsts);
    root.write("block_count", counts);
    root.write("block_cost", costs);
    root.write("block_real_offsets", real_offsets);
    root.write("block_reals", reals);
    root.write("block_integer_offsets", integer_offsets);
    root.write("block_integers", integers);
    root.write("values", values, {values.size() / std::max<std::uint64_t>(width, 1), width});
    file.close();
  }
  output.commit();
}

RoundsCheckpoint load_rounds_checkpoint(const std::string& path) {
  RoundsCheckpoint c;
  const auto corrupt = [&](const std::string& what) {
    return UsageError("rounds checkpoint '" + path + "' is corrupt: " + what);
  };
  try {
    auto file = io::File::open_read_only(path);
    const auto& root = file.root();
    if (!root.has_attribute("format") || root.string_attribute("format") != kFormat) {
      throw UsageError("'" + path + "' is not an nnsim rounds checkpoint");
    }
    if (root.attribute<std::int64_t>("format_version") != kFormatVersion) {
      throw UsageError("rounds checkpoint '" + path + "' has an unsupported format version");
    }
    c.parameters_json = root.string_attribute("parameters_json");
    c.git_commit = root.string_attribute("git_commit");
    c.observables = root.read_strings("observables");
    c.widths = root.read<std::uint64_t>("widths");
    if (c.widths.size() != c.observables.size()) throw corrupt("/widths does not match /observables");
    std::uint64_t width = 0;
    for (const auto w : c.widths) width += w;
    const auto labels = root.read_strings("round_labels");
    const auto round_offsets = root.read<std::uint64_t>("round_block_offsets");
    const auto keys = root.read<std::uint64_t>("block_point_key");
    const auto firsts = root.read<std::uint64_t>("block_first_sample");
    const auto counts = root.read<std::uint64_t>("block_count");
    const auto costs = root.read<double>("block_cost");
    const auto real_offsets = root.read<std::uint64_t>("block_real_offsets");
    const auto reals = root.read<double>("block_reals");
    const auto integer_offsets = root.read<std::uint64_t>("block_integer_offsets");
    const auto integers = root.read<std::int64_t>("block_integers");
    const auto values = root.read<double>("values");
    const std::size_t blocks = keys.size();
    const auto ascending_from_zero = [](const std::vector<std::uint64_t>& offsets, std::uint64_t end) {
      if (offsets.empty() || offsets.front() != 0 || offsets.back() != end) return false;
      return std::is_sorted(offsets.begin(), offsets.end());
    };
    if (root.attribute<std::uint64_t>("num_rounds") != labels.size() || round_offsets.size() != labels.size() + 1 ||
        !ascending_from_zero(round_offsets, blocks) || firsts.size() != blocks || counts.size() != blocks ||
        costs.size() != blocks || real_offsets.size() != blocks + 1 ||
        !ascending_from_zero(real_offsets, reals.size()) || integer_offsets.size() != blocks + 1 ||
        !ascending_from_zero(integer_offsets, integers.size())) {
      throw corrupt("the round and block datasets do not fit together");
    }
    std::size_t value_offset = 0;
    for (std::size_t r = 0; r < labels.size(); ++r) {
      CompletedRound done;
      done.round.label = labels[r];
      for (std::uint64_t b = round_offsets[r]; b < round_offsets[r + 1]; ++b) {
        TaskBlock block;
        block.point.key = keys[b];
        block.first_sample = firsts[b];
        block.count = counts[b];
        block.cost = costs[b];
        block.point.reals.assign(reals.begin() + static_cast<std::ptrdiff_t>(real_offsets[b]),
                                 reals.begin() + static_cast<std::ptrdiff_t>(real_offsets[b + 1]));
        block.point.integers.assign(integers.begin() + static_cast<std::ptrdiff_t>(integer_offsets[b]),
                                    integers.begin() + static_cast<std::ptrdiff_t>(integer_offsets[b + 1]));
        done.round.blocks.push_back(std::move(block));
      }
      const std::size_t n = done.round.num_tasks() * width;
      if (value_offset + n > values.size()) throw corrupt("/values is shorter than the rounds' tasks");
      done.values.assign(values.begin() + static_cast<std::ptrdiff_t>(value_offset),
                         values.begin() + static_cast<std::ptrdiff_t>(value_offset + n));
      value_offset += n;
      c.history.push_back(std::move(done));
    }
    if (value_offset != values.size()) throw corrupt("/values is longer than the rounds' tasks");
    if (!root.has_attribute("content_checksum") ||
        root.attribute<std::uint64_t>("content_checksum") != digest_of(c.parameters_json, c.history)) {
      throw corrupt("its rounds do not match their checksum (edited or damaged)");
    }
  } catch (const io::IoError& e) {
    throw UsageError("cannot read rounds checkpoint '" + path + "' (corrupt or truncated?): " + e.what());
  }
  return c;
}

RoundsResult run_rounds(const RoundsSpec& spec, const RoundsControl& control, MPI_Comm comm) {
  if (!spec.run) throw std::logic_error("run_rounds: the experiment has no task function");
  if (spec.observables.empty()) throw std::logic_error("run_rounds: the experiment has no observables");
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0 && !spec.plan) throw std::logic_error("run_rounds: no round planner on rank 0");
  install_stop_handlers();
  const auto start = Clock::now();
  const std::string& history_path = control.run.checkpoint_path;
  const bool checkpointing = !history_path.empty();
  const auto widths = widths_of(spec);
  const std::size_t width = spec.values_per_task();
  RoundsResult result;
  auto& history = result.history;

  const auto save_history = [&] {
    save_rounds_checkpoint(history_path, RoundsCheckpoint{control.run.parameters_json, control.run.git_commit,
                                                          spec.observables, widths, history});
  };
  if (control.resume) {
    if (!checkpointing) throw UsageError("resuming adaptive rounds needs a checkpoint path");
    check_on_root(comm, [&] {
      if (!std::filesystem::exists(history_path)) {
        throw UsageError("--resume: no rounds checkpoint '" + history_path + "' to resume from");
      }
      auto loaded = load_rounds_checkpoint(history_path);
      if (loaded.parameters_json != control.run.parameters_json) {
        throw UsageError(parameters_mismatch_message("rounds checkpoint '" + history_path + "'",
                                                     loaded.parameters_json, control.run.parameters_json));
      }
      if (loaded.observables != spec.observables || loaded.widths != widths) {
        throw UsageError("rounds checkpoint '" + history_path + "' has other observables than this run");
      }
      if (loaded.git_commit != control.run.git_commit && loaded.git_commit != "unknown" &&
          control.run.git_commit != "unknown") {
        throw UsageError("rounds checkpoint '" + history_path + "' was written by code version " + loaded.git_commit +
                         ", this program is " + control.run.git_commit +
                         "; resume with the build that wrote it, or pass --force to start afresh");
      }
      history = std::move(loaded.history);
      result.rounds_resumed = history.size();
      result.tasks_resumed = tasks_of(history);
      log::info("resuming adaptive rounds: " + std::to_string(history.size()) + " rounds (" +
                std::to_string(result.tasks_resumed) + " tasks) done");
    });
  } else if (checkpointing) {
    // A history file exists from the first round on, so a stop anywhere leaves a resumable pair;
    // a round file of an earlier run goes (one of the same round would even be valid, but a
    // fresh run should not depend on it).
    check_on_root(comm, [&] {
      save_history();
      std::filesystem::remove(round_checkpoint_path(history_path));
    });
  }

  const std::uint64_t budget = rank == 0 ? (control.run.stop_after_tasks > 0 ? control.run.stop_after_tasks
                                                                             : stop_after_tasks_from_environment())
                                         : 0;
  // The trigger counts the tasks of all rounds of this run; each round gets what is left of it.
  const std::string budget_reason =
      std::string(control.run.stop_after_tasks > 0 ? "stop_after_tasks=" : "NNSIM_STOP_AFTER_TASKS=") +
      std::to_string(budget) + " tasks done in this run (test trigger)";
  bool resuming_round = control.resume;
  for (;;) {
    // Rank 0 decides: stop, done, a failure, or the next round; every rank learns it.
    ByteBuffer decision;
    if (rank == 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::string stop;
      if (const int s = stop_signal()) {
        stop = std::string("received ") + signal_name(s);
      } else if (control.run.time_limit > 0 && elapsed >= control.run.time_limit) {
        stop = "reached --time-limit " + log::format_duration(control.run.time_limit);
      } else if (budget > 0 && result.tasks_run >= budget) {
        stop = budget_reason;
      }
      if (!stop.empty()) {
        decision.put_u64(kStop);
        decision.put_string(stop);
      } else {
        try {
          auto next = spec.plan(history);
          if (!next) {
            decision.put_u64(kDone);
          } else {
            check_round(*next, history, history.size());
            decision.put_u64(kRound);
            decision.put_u64(history.size());
            put_round(decision, *next);
          }
        } catch (const UsageError& e) {
          decision = ByteBuffer();
          decision.put_u64(kUsageError);
          decision.put_string(e.what());
        } catch (const std::exception& e) {
          decision = ByteBuffer();
          decision.put_u64(kFailure);
          decision.put_string(std::string("the round planner failed: ") + e.what());
        }
      }
    }
    broadcast_bytes(comm, decision.bytes());
    const auto kind = decision.get_u64();
    if (kind == kUsageError) throw UsageError(decision.get_string());
    if (kind == kFailure) throw std::runtime_error(decision.get_string());
    if (kind == kDone) {
      result.complete = true;
      break;
    }
    if (kind == kStop) {
      result.stop_reason = decision.get_string();
      if (rank == 0) {
        log::warn("stopping before the next round: " + result.stop_reason);
        if (checkpointing) result.checkpoint_written = history_path;
      }
      break;
    }
    const std::uint64_t r = decision.get_u64();
    const Round round = get_round(decision);

    // One ensemble point per task of the round: blocks may differ in size and cost.
    std::vector<std::uint64_t> block_end;  // tasks before the end of each block
    for (const auto& block : round.blocks)
      block_end.push_back((block_end.empty() ? 0 : block_end.back()) + block.count);
    const auto block_of = [&block_end](std::uint64_t task) {
      return static_cast<std::size_t>(std::upper_bound(block_end.begin(), block_end.end(), task) - block_end.begin());
    };
    EnsembleSpec ensemble;
    ensemble.num_points = round.num_tasks();
    ensemble.samples_per_point = 1;
    ensemble.observables = spec.observables;
    ensemble.widths = spec.widths;
    ensemble.cost = [&](std::uint64_t task) { return round.blocks[block_of(task)].cost; };
    ensemble.run = [&](const Task& task, const CancelFlag& cancel) {
      const std::size_t b = block_of(task.point);
      const auto& block = round.blocks[b];
      const std::uint64_t first_of_block = block_end[b] - block.count;
      return spec.run(block.point, block.first_sample + (task.point - first_of_block), cancel);
    };
    RunControl run = control.run;
    run.checkpoint_path = checkpointing ? round_checkpoint_path(history_path) : "";
    run.parameters_json = round_tag(control.run.parameters_json, r, round);
    run.resume_from = nullptr;
    if (rank == 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      // The time left; at least a tick, since 0 would mean no limit.
      if (control.run.time_limit > 0) run.time_limit = std::max(control.run.time_limit - elapsed, 1e-9);
      if (budget > 0) run.stop_after_tasks = budget - result.tasks_run;
    }
    Checkpoint partial;
    bool have_partial = false;
    if (resuming_round && checkpointing) {
      check_on_root(comm, [&] {
        const auto path = run.checkpoint_path;
        if (!std::filesystem::exists(path)) return;
        partial = load_checkpoint(path);
        if (partial.parameters_json != run.parameters_json) {
          log::info("ignoring '" + path + "': it belongs to another round (stale)");
          partial = Checkpoint();
          return;
        }
        check_checkpoint_matches(partial, path, run.parameters_json, ensemble.num_points, 1, spec.observables, widths,
                                 control.run.git_commit);
        have_partial = true;
      });
      if (rank == 0 && have_partial) run.resume_from = &partial;
    }
    resuming_round = false;
    std::size_t points = 0;
    {
      std::vector<std::uint64_t> keys;
      for (const auto& block : round.blocks) keys.push_back(block.point.key);
      std::sort(keys.begin(), keys.end());
      points = static_cast<std::size_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
    }
    log::info("round " + std::to_string(r) + (round.label.empty() ? "" : " (" + round.label + ")") + ": " +
              std::to_string(ensemble.num_points) + " tasks at " + std::to_string(points) + " points" +
              (have_partial ? ", resuming " + std::to_string(partial.task_ids.size()) + " done tasks" : ""));
    auto ran = run_ensemble(ensemble, run, comm);
    if (rank == 0) {
      result.tasks_run += ran.tasks_done - ran.tasks_resumed;
      result.tasks_resumed += ran.tasks_resumed;
    }
    if (!ran.complete) {
      result.stop_reason = ran.stop_reason;
      // The round's own share of the trigger would name a number the caller never gave.
      if (result.stop_reason.starts_with("stop_after_tasks=")) result.stop_reason = budget_reason;
      if (rank == 0 && checkpointing) result.checkpoint_written = history_path;
      break;
    }
    if (rank == 0) {
      history.push_back(CompletedRound{round, std::move(ran.values)});
      if (history.back().values.size() != ensemble.num_points * width) {
        throw std::logic_error("run_rounds: a round returned the wrong number of values");
      }
    }
    // Rank 0 alone: a failed write is a runtime failure (driver_main aborts every rank), not a usage error.
    if (checkpointing && rank == 0) save_history();
  }
  if (!result.complete) result.stop_reason = broadcast_string(comm, result.stop_reason);  // rank 0's words
  if (result.complete) {
    if (rank == 0) {
      log::info("adaptive rounds done: " + std::to_string(history.size()) + " rounds, " +
                std::to_string(tasks_of(history)) + " tasks (" + std::to_string(result.tasks_run) +
                " computed by this run)");
      if (checkpointing) std::filesystem::remove(round_checkpoint_path(history_path));  // no round in progress
    }
  }
  return result;
}

}  // namespace nnsim
