// The sharded trainer on synthetic data: it learns, its weights do not depend on the thread
// count, a save/load in the middle of an epoch continues bit for bit, early stopping stops.
#include <gtest/gtest.h>

#include <vector>

#include "core/rng.hpp"
#include "sgd/data.hpp"
#include "sgd/trainer.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::sgd;

struct Problem {
  Dataset train, validation;
};

Problem clusters(std::size_t count, double separation) {
  RandomStream rng(7, 8, 0, 0);
  Problem p;
  p.train = synthetic_clusters(count, 12, 4, separation, rng);
  RandomStream split(7, 8, 0, kSplitStream);
  p.validation = split_validation(p.train, count / 5, split);
  const Standardizer s = Standardizer::fit(p.train);
  s.apply(p.train);
  s.apply(p.validation);
  return p;
}

TrainerSettings settings(std::uint64_t epochs, int threads = 1) {
  TrainerSettings t;
  t.batch = 32;
  t.shards = 4;
  t.epochs = epochs;
  t.patience = 0;
  t.seed = 3;
  t.key = 99;
  t.threads = threads;
  return t;
}

OptimizerSettings momentum() {
  OptimizerSettings o;
  o.method = Method::kMomentum;
  o.learning_rate = 0.05;
  o.momentum = 0.9;
  return o;
}

TEST(Trainer, LearnsSeparableClusters) {
  const Problem p = clusters(1000, 6.0);
  Network<float> net({12, 16, 4}, Activation::kRelu, Loss::kCrossEntropy);
  Trainer trainer(net, p.train, p.validation, settings(5), momentum());
  trainer.initialise();
  LocalReducer reducer;
  const Evaluation before = trainer.evaluate(p.validation, trainer.state().parameters, reducer, false);
  while (!trainer.finished()) trainer.step(reducer);
  const auto& history = trainer.state().history;
  ASSERT_EQ(history.size(), 5u);
  EXPECT_LT(history.back().validation_loss, 0.5 * history.front().validation_loss + 1e-9);
  EXPECT_GT(history.back().validation_accuracy, 0.95);
  const Evaluation after = trainer.evaluate(p.validation, trainer.state().parameters, reducer, true);
  EXPECT_GT(after.correct, before.correct);
  std::uint64_t total = 0, diagonal = 0;
  for (std::size_t i = 0; i < 16; ++i) total += after.confusion[i];
  for (std::size_t i = 0; i < 4; ++i) diagonal += after.confusion[i * 4 + i];
  EXPECT_EQ(total, p.validation.count());
  EXPECT_EQ(diagonal, after.correct);
  EXPECT_EQ(trainer.state().steps, 5 * trainer.batches_per_epoch());
}

TEST(Trainer, QuadraticEnergyLearnsToo) {
  const Problem p = clusters(1000, 6.0);
  Network<float> net({12, 16, 4}, Activation::kSigmoid, Loss::kQuadratic);
  OptimizerSettings o = momentum();
  o.learning_rate = 0.5;
  Trainer trainer(net, p.train, p.validation, settings(8), o);
  trainer.initialise();
  LocalReducer reducer;
  while (!trainer.finished()) trainer.step(reducer);
  EXPECT_GT(trainer.state().history.back().validation_accuracy, 0.9);
}

TEST(Trainer, ThreadCountDoesNotChangeABit) {
  const Problem p = clusters(600, 3.0);
  Network<float> net({12, 10, 4}, Activation::kTanh, Loss::kCrossEntropy);
  std::vector<AlignedFloats> results;
  for (const int threads : {1, 2, 3}) {
    Trainer trainer(net, p.train, p.validation, settings(2, threads), momentum());
    trainer.initialise();
    LocalReducer reducer;
    while (!trainer.finished()) trainer.step(reducer);
    results.push_back(trainer.state().parameters);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(Trainer, ShardCountChangesRoundingOnly) {
  // Different shard counts sum in different orders: close, but (almost surely) not bitwise equal
  // -- which is why the shard count is fixed independently of the ranks.
  const Problem p = clusters(600, 3.0);
  Network<float> net({12, 10, 4}, Activation::kTanh, Loss::kCrossEntropy);
  std::vector<AlignedFloats> results;
  for (const std::size_t shards : {1u, 4u}) {
    TrainerSettings s = settings(2);
    s.shards = shards;
    Trainer trainer(net, p.train, p.validation, s, momentum());
    trainer.initialise();
    LocalReducer reducer;
    while (!trainer.finished()) trainer.step(reducer);
    results.push_back(trainer.state().parameters);
  }
  double max_difference = 0;
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    max_difference = std::max(max_difference, double{std::abs(results[0][i] - results[1][i])});
  }
  EXPECT_NE(results[0], results[1]);
  EXPECT_LT(max_difference, 1e-3);
}

TEST(Trainer, SaveAndLoadMidEpochContinuesBitForBit) {
  const Problem p = clusters(600, 3.0);
  Network<float> net({12, 10, 4}, Activation::kRelu, Loss::kCrossEntropy);
  OptimizerSettings o = momentum();
  o.method = Method::kNesterov;
  o.weight_decay = 1e-3;
  Trainer whole(net, p.train, p.validation, settings(3), o);
  whole.initialise();
  LocalReducer reducer;
  while (!whole.finished()) whole.step(reducer);

  Trainer first(net, p.train, p.validation, settings(3), o);
  first.initialise();
  const std::size_t stop_after = first.batches_per_epoch() + 3;  // in the middle of epoch 2
  for (std::size_t i = 0; i < stop_after; ++i) first.step(reducer);
  const TrainerState saved = first.save();
  Trainer second(net, p.train, p.validation, settings(3), o);
  second.load(saved);
  while (!second.finished()) second.step(reducer);
  EXPECT_EQ(second.state().parameters, whole.state().parameters);
  EXPECT_EQ(second.save().velocity, whole.save().velocity);
  ASSERT_EQ(second.state().history.size(), 3u);
  EXPECT_EQ(second.state().history[2].validation_loss, whole.state().history[2].validation_loss);
}

TEST(Trainer, EarlyStoppingOnValidationLoss) {
  // Random labels: the validation loss cannot keep improving, training must stop early.
  const Problem p = clusters(400, 0.0);
  Network<float> net({12, 64, 4}, Activation::kRelu, Loss::kCrossEntropy);
  TrainerSettings s = settings(200);
  s.patience = 3;
  s.stop_on_loss = true;
  Trainer trainer(net, p.train, p.validation, s, momentum());
  trainer.initialise();
  LocalReducer reducer;
  while (!trainer.finished()) trainer.step(reducer);
  const auto& st = trainer.state();
  EXPECT_TRUE(st.stopped_early);
  EXPECT_LT(st.epoch, 200u);
  EXPECT_EQ(st.epoch, st.best_epoch + 3);
  EXPECT_EQ(st.history[st.best_epoch - 1].validation_loss, st.best_validation);
  for (const auto& r : st.history) EXPECT_GE(r.validation_loss, st.best_validation);
}

TEST(Trainer, EarlyStoppingOnValidationErrorByDefault) {
  const Problem p = clusters(400, 0.0);
  Network<float> net({12, 64, 4}, Activation::kRelu, Loss::kCrossEntropy);
  TrainerSettings s = settings(200);
  s.patience = 3;
  Trainer trainer(net, p.train, p.validation, s, momentum());
  trainer.initialise();
  LocalReducer reducer;
  while (!trainer.finished()) trainer.step(reducer);
  const auto& st = trainer.state();
  EXPECT_TRUE(st.stopped_early);
  EXPECT_EQ(st.epoch, st.best_epoch + 3);
  EXPECT_EQ(1.0 - st.history[st.best_epoch - 1].validation_accuracy, st.best_validation);
  for (std::size_t e = 0; e < st.history.size(); ++e) {
    EXPECT_GE(1.0 - st.history[e].validation_accuracy, st.best_validation);
    if (e + 1 > st.best_epoch) {
      EXPECT_LE(st.history[e].validation_accuracy, st.history[st.best_epoch - 1].validation_accuracy);
    }
  }
}

}  // namespace
