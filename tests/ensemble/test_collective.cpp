// Collective runs (ensemble/collective.hpp) on a synthetic model, under 1, 2 and 3 ranks: the
// canonical tree sum is bitwise the serial one, the run matches a serial reference, a stop and
// resume continues bit for bit, diverging replicas and foreign checkpoints are refused.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "ensemble/collective.hpp"

namespace {

using namespace nnsim;

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

/// Leaf values with wildly different magnitudes, so that the order of summation shows in the bits.
template <class T>
T leaf_value(std::uint64_t step, std::size_t leaf, std::size_t i) {
  RandomStream rng(5, step, leaf, i);
  return static_cast<T>((rng.uniform() - 0.5) * std::pow(10.0, static_cast<double>(rng.below(12))));
}

template <class T>
void check_tree_allreduce(std::size_t leaves, std::size_t width) {
  Collective collective(MPI_COMM_WORLD);
  const auto [first, end] =
      owned_leaves(leaves, static_cast<std::size_t>(collective.rank()), static_cast<std::size_t>(collective.size()));
  std::vector<T> all(leaves * width), local((end - first) * width);
  for (std::size_t k = 0; k < leaves; ++k) {
    for (std::size_t i = 0; i < width; ++i) all[k * width + i] = leaf_value<T>(1, k, i);
  }
  std::copy(all.begin() + static_cast<std::ptrdiff_t>(first * width),
            all.begin() + static_cast<std::ptrdiff_t>(end * width), local.begin());
  std::vector<T> serial(width), distributed(width), left_to_right(width, T(0));
  tree_sum<T>(leaves, width, all.data(), serial.data());
  tree_allreduce(collective.comm(), leaves, width, local.data(), distributed.data());
  EXPECT_EQ(serial, distributed) << leaves << " leaves on " << collective.size() << " ranks";
  // The order matters (the test could fail): a plain left-to-right sum differs somewhere.
  for (std::size_t k = 0; k < leaves; ++k) {
    for (std::size_t i = 0; i < width; ++i) left_to_right[i] += all[k * width + i];
  }
  if (leaves > 2) {
    EXPECT_NE(serial, left_to_right);
  }
}

TEST(TreeAllreduce, BitwiseEqualToTheSerialTree) {
  for (const std::size_t leaves : {1u, 3u, 4u, 7u, 8u, 13u}) {
    check_tree_allreduce<double>(leaves, 64);
    check_tree_allreduce<float>(leaves, 64);
  }
}

TEST(Collective, WorksOnADuplicateCommunicator) {
  Collective collective(MPI_COMM_WORLD);
  int result = MPI_UNEQUAL;
  MPI_Comm_compare(collective.comm(), MPI_COMM_WORLD, &result);
  EXPECT_EQ(result, MPI_CONGRUENT);
  EXPECT_EQ(collective.size(), world_size());
}

/// A synthetic model: x <- 0.9 x + (tree sum over 5 leaves of step-dependent vectors); a
/// checkpoint boundary every 10 steps; 45 steps in all.
struct SyntheticModel {
  MPI_Comm comm = MPI_COMM_SELF;
  int rank = 0, size = 1;
  std::vector<double> x = std::vector<double>(6, 0.0);
  std::uint64_t step = 0;
  static constexpr std::size_t kLeaves = 5;
  static constexpr std::uint64_t kSteps = 45;

  bool advance(bool distributed) {
    const auto [first, end] =
        distributed ? owned_leaves(kLeaves, static_cast<std::size_t>(rank), static_cast<std::size_t>(size))
                    : std::pair<std::size_t, std::size_t>{0, kLeaves};
    std::vector<double> local((end - first) * x.size()), total(x.size());
    for (std::size_t k = first; k < end; ++k) {
      for (std::size_t i = 0; i < x.size(); ++i) local[(k - first) * x.size() + i] = leaf_value<double>(step, k, i);
    }
    if (distributed) {
      tree_allreduce(comm, kLeaves, x.size(), local.data(), total.data());
    } else {
      tree_sum<double>(kLeaves, x.size(), local.data(), total.data());
    }
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.9 * x[i] + total[i];
    ++step;
    return step % 10 == 0;
  }
  CollectiveModel model() {
    CollectiveModel m;
    m.finished = [this] { return step >= kSteps; };
    m.step = [this] { return advance(true); };
    m.save = [this] {
      CollectiveState s;
      s.put("x", x);
      s.put("counters", std::vector<std::uint64_t>{step});
      s.put("empty", std::vector<double>{});
      s.put_measured("seconds", std::vector<double>{static_cast<double>(rank)});  // differs between ranks
      return s;
    };
    m.load = [this](const CollectiveState& s) {
      x = s.real("x");
      step = s.integer("counters").at(0);
      EXPECT_TRUE(s.real("empty").empty());
      EXPECT_EQ(s.measurement("seconds"), std::vector<double>{0.0});  // rank 0's, on every rank
    };
    return m;
  }
};

std::string checkpoint_path(const std::string& name) {
  return std::string(NNSIM_BINARY_DIR) + "/tests/ensemble/collective-" + name + "-np" + std::to_string(world_size()) +
         ".h5";
}

std::vector<double> serial_reference() {
  SyntheticModel serial;
  while (serial.step < SyntheticModel::kSteps) serial.advance(false);
  return serial.x;
}

TEST(Collective, RunMatchesTheSerialComputation) {
  Collective collective(MPI_COMM_WORLD);
  SyntheticModel m{collective.comm(), collective.rank(), collective.size()};
  CollectiveControl control;
  control.checkpoint_path = checkpoint_path("run");
  control.parameters_json = "{\"test\":1}";
  control.git_commit = "unknown";
  const CollectiveResult r = collective.run(m.model(), control);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.steps, SyntheticModel::kSteps);
  EXPECT_EQ(r.checkpoints, 4u);  // boundaries at 10, 20, 30, 40 (not at the end)
  EXPECT_EQ(m.x, serial_reference());
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) std::filesystem::remove(control.checkpoint_path);
}

TEST(Collective, StopAndResumeContinueBitForBit) {
  const std::string path = checkpoint_path("resume");
  CollectiveControl control;
  control.checkpoint_path = path;
  control.parameters_json = "{\"test\":2}";
  control.git_commit = "unknown";
  {
    Collective collective(MPI_COMM_WORLD);
    SyntheticModel m{collective.comm(), collective.rank(), collective.size()};
    control.stop_after_steps = 13;  // mid-way between two boundaries
    const CollectiveResult r = collective.run(m.model(), control);
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.steps, 13u);
    EXPECT_EQ(r.checkpoint_written, path);
  }
  {
    // a fresh model, as in a new process: everything comes from the checkpoint
    Collective collective(MPI_COMM_WORLD);
    SyntheticModel m{collective.comm(), collective.rank(), collective.size()};
    control.stop_after_steps = 0;
    control.resume = true;
    const CollectiveResult r = collective.run(m.model(), control);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.steps, SyntheticModel::kSteps - 13);
    EXPECT_EQ(m.x, serial_reference());
  }
  {
    // another run's checkpoint is refused on every rank alike
    Collective collective(MPI_COMM_WORLD);
    SyntheticModel m{collective.comm(), collective.rank(), collective.size()};
    control.parameters_json = "{\"test\":3}";
    EXPECT_THROW(collective.run(m.model(), control), UsageError);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) std::filesystem::remove(path);
}

TEST(Collective, DivergedReplicasAreAnError) {
  Collective collective(MPI_COMM_WORLD);
  CollectiveState state;
  state.put("x", std::vector<double>{1.0, 2.0});
  EXPECT_NO_THROW(collective.check_replicas(state));
  if (collective.size() < 2) GTEST_SKIP() << "needs two ranks";
  CollectiveState different;
  different.put("x", std::vector<double>{1.0, collective.rank() == 1 ? std::nextafter(2.0, 3.0) : 2.0});
  EXPECT_THROW(collective.check_replicas(different), std::runtime_error);
}

}  // namespace
