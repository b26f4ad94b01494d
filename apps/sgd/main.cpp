// nnsim-sgd: a multilayer perceptron trained on Fashion-MNIST by mini-batch SGD (the book's
// Algorithm 4, Chapters 6-8), data-parallel over all ranks with weights that are bitwise
// identical for any number of ranks and threads and across stops and resumes (src/sgd/trainer.hpp
// says how; src/ensemble/collective.hpp runs the computation, checkpoints it and stops it).

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/isa.hpp"
#include "core/log.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/collective.hpp"
#include "ensemble/driver.hpp"
#include "nnsim/version.hpp"
#include "sgd.hpp"
#include "sgd/data.hpp"
#include "sgd/network.hpp"
#include "sgd/trainer.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::sgd_app;
namespace sg = nnsim::sgd;

/// The trainer's shards summed by the collective layer over the ranks. A barrier first separates
/// the time spent waiting for the slowest rank (load imbalance, shared cores) from the transfer
/// and the additions themselves (measured on this rank, both in seconds).
class CollectiveReducer final : public sg::GradientReducer {
 public:
  explicit CollectiveReducer(const Collective& collective) : collective_(collective) {}
  std::pair<std::size_t, std::size_t> owned(std::size_t leaves) const override {
    return owned_leaves(leaves, static_cast<std::size_t>(collective_.rank()),
                        static_cast<std::size_t>(collective_.size()));
  }
  void sum(std::size_t leaves, std::size_t width, float* local, float* total) override {
    wait();
    tree_allreduce(collective_.comm(), leaves, width, local, total);
  }
  void sum(std::size_t leaves, std::size_t width, double* local, double* total) override {
    wait();
    tree_allreduce(collective_.comm(), leaves, width, local, total);
  }
  double seconds_waiting = 0;

 private:
  void wait() {
    if (collective_.size() == 1) return;
    const double start = MPI_Wtime();
    MPI_Barrier(collective_.comm());
    seconds_waiting += MPI_Wtime() - start;
  }
  const Collective& collective_;
};

template <class Floats>
std::vector<double> widen(const Floats& v) {
  return {v.begin(), v.end()};
}
template <class Floats = std::vector<float>>
Floats narrow(const std::vector<double>& v) {
  Floats out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i]);  // exact: they were floats
  return out;
}

constexpr std::size_t kHistoryValues = 5;   // train loss, train accuracy, validation loss, validation accuracy, eta
constexpr std::size_t kHistorySeconds = 2;  // seconds, seconds in reduction

CollectiveState to_collective(const sg::TrainerState& s) {
  CollectiveState c;
  c.put("parameters", widen(s.parameters));
  c.put("velocity", widen(s.velocity));
  c.put("best_parameters", widen(s.best_parameters));
  c.put("sums", std::vector<double>{s.epoch_loss_sum, s.epoch_correct, s.best_validation});
  std::vector<double> history, seconds;
  for (const auto& r : s.history) {
    history.insert(history.end(),
                   {r.train_loss, r.train_accuracy, r.validation_loss, r.validation_accuracy, r.learning_rate});
    seconds.insert(seconds.end(), {r.seconds, r.seconds_reduction});
  }
  c.put("history", history);
  c.put("counters", std::vector<std::uint64_t>{s.epoch, s.batch_in_epoch, s.steps, s.best_epoch, s.epochs_since_best,
                                               s.stopped_early ? 1u : 0u, s.samples_trained});
  // The kernel path that computed the state (sgd/kernels/kernels.hpp): a resume must use it too.
  c.put("isa", std::vector<std::uint64_t>{static_cast<std::uint64_t>(active_isa())});
  c.put_measured("history_seconds", seconds);
  c.put_measured("seconds",
                 std::vector<double>{s.epoch_seconds, s.epoch_seconds_reduction, s.train_seconds, s.reduction_seconds});
  return c;
}

/// Refuses (UsageError, exit 2) a checkpoint written on another kernel instruction-set path
/// than this run's: the paths round differently, so the resumed training would not be the bits
/// of an uninterrupted one.
void check_checkpoint_isa(const CollectiveState& c, const std::string& path) {
  const auto& recorded = c.integer("isa");
  const int now = static_cast<int>(active_isa());
  if (recorded.size() != 1 || recorded[0] > static_cast<std::uint64_t>(Isa::kAvx512)) {
    throw UsageError("checkpoint '" + path + "' of nnsim-sgd has an invalid 'isa' array (corrupt?)");
  }
  if (static_cast<int>(recorded[0]) != now) {
    const char* then = to_string(static_cast<Isa>(recorded[0]));
    throw UsageError("--resume: checkpoint '" + path + "' was computed on the " + then +
                     " kernel path, but this run would use " + to_string(static_cast<Isa>(now)) +
                     " (NNSIM_ISA, else the best instruction set all ranks support); the paths round "
                     "differently, so the resumed weights would not be bitwise those of an uninterrupted run. "
                     "Resume with NNSIM_ISA=" + then + " (on CPUs that support it), or start afresh without --resume");
  }
}

sg::TrainerState from_collective(const CollectiveState& c) {
  sg::TrainerState s;
  s.parameters = narrow<sg::AlignedFloats>(c.real("parameters"));
  s.velocity = narrow(c.real("velocity"));
  s.best_parameters = narrow<sg::AlignedFloats>(c.real("best_parameters"));
  const auto& sums = c.real("sums");
  const auto& counters = c.integer("counters");
  const auto& seconds = c.measurement("seconds");
  const auto& history = c.real("history");
  const auto& history_seconds = c.measurement("history_seconds");
  if (sums.size() != 3 || counters.size() != 7 || seconds.size() != 4 || history.size() % kHistoryValues != 0 ||
      history_seconds.size() / kHistorySeconds != history.size() / kHistoryValues) {
    throw UsageError("checkpoint of nnsim-sgd has arrays of the wrong size (corrupt?)");
  }
  s.epoch_loss_sum = sums[0];
  s.epoch_correct = sums[1];
  s.best_validation = sums[2];
  s.epoch = counters[0];
  s.batch_in_epoch = counters[1];
  s.steps = counters[2];
  s.best_epoch = counters[3];
  s.epochs_since_best = counters[4];
  s.stopped_early = counters[5] != 0;
  s.samples_trained = counters[6];
  s.epoch_seconds = seconds[0];
  s.epoch_seconds_reduction = seconds[1];
  s.train_seconds = seconds[2];
  s.reduction_seconds = seconds[3];
  for (std::size_t e = 0; e < history.size() / kHistoryValues; ++e) {
    sg::EpochRecord r;
    r.train_loss = history[e * kHistoryValues];
    r.train_accuracy = history[e * kHistoryValues + 1];
    r.validation_loss = history[e * kHistoryValues + 2];
    r.validation_accuracy = history[e * kHistoryValues + 3];
    r.learning_rate = history[e * kHistoryValues + 4];
    r.seconds = history_seconds[e * kHistorySeconds];
    r.seconds_reduction = history_seconds[e * kHistorySeconds + 1];
    s.history.push_back(r);
  }
  return s;
}

struct Validated {
  std::vector<std::size_t> layers;
  sg::Activation activation;
  sg::Loss loss;
  sg::OptimizerSettings optimizer;
};

Validated validate(const SgdOptions& o, const CommonOptions& common) {
  validate_common_options(common);
  require(o.ensemble || common.samples == 1, "samples", "1 (one training spread over all ranks) without --ensemble",
          common.samples);
  Validated v;
  v.layers = parse_layers(o.layers);
  v.activation = sg::activation_from_name(o.activation);
  v.loss = sg::loss_from_name(o.loss);
  v.optimizer.method = sg::method_from_name(o.optimizer);
  v.optimizer.schedule = sg::schedule_from_name(o.schedule);
  require(o.learning_rate > 0 && std::isfinite(o.learning_rate), "learning-rate", "a positive number", o.learning_rate);
  require(o.momentum >= 0 && o.momentum < 1, "momentum", "in [0, 1)", o.momentum);
  require(o.weight_decay >= 0 && std::isfinite(o.weight_decay), "weight-decay", ">= 0", o.weight_decay);
  require(o.lr_decay > 0 && o.lr_decay <= 1, "lr-decay", "in (0, 1]", o.lr_decay);
  require(o.lr_step_epochs >= 1, "lr-step-epochs", ">= 1", o.lr_step_epochs);
  require(o.batch >= 1 && o.batch <= (1u << 20), "batch", "in [1, 2^20]", o.batch);
  require(o.shards >= 1 && o.shards <= 4096, "shards", "in [1, 4096]", o.shards);
  require(o.shards <= o.batch, "shards", "at most --batch", o.shards);
  require(o.stop_on == "error" || o.stop_on == "loss", "stop-on", "error or loss", o.stop_on);
  require(o.epochs >= 1 && o.epochs <= 1000000, "epochs", "in [1, 10^6]", o.epochs);
  require(o.train_limit == 0 || o.train_limit >= 2, "train-limit", "0 (all) or at least 2", o.train_limit);
  v.optimizer.learning_rate = o.learning_rate;
  v.optimizer.momentum = o.optimizer == "sgd" ? 0.0 : o.momentum;
  v.optimizer.weight_decay = o.weight_decay;
  v.optimizer.decay = o.lr_decay;
  v.optimizer.step_epochs = o.lr_step_epochs;
  v.optimizer.total_epochs = o.epochs;
  return v;
}

/// A scalar dataset with its description (provenance.hpp's describe).
template <class T>
void write_described(io::Group& group, const std::string& name, T value, const std::string& description,
                     const std::string& units, const std::string& equation = "") {
  auto d = group.write_scalar(name, value);
  describe(d, description, units, equation);
}

std::string percent(double x) {
  std::ostringstream out;
  out.precision(4);
  out << 100 * x << " %";
  return out.str();
}

void write_output(io::File& file, const sg::Trainer& trainer, const sg::Evaluation& test, const SgdOptions& o,
                  const sg::Dataset& train, const sg::Dataset& validation, const CollectiveResult& run,
                  double seconds_waiting) {
  const auto& s = trainer.state();
  const auto& net = trainer.network();
  auto& root = file.root();
  root.set_attribute("train_samples", static_cast<std::uint64_t>(train.count()));
  root.set_attribute("validation_samples", static_cast<std::uint64_t>(validation.count()));
  root.set_attribute("test_samples", test.count);
  root.set_attribute("epochs_run", s.epoch);
  root.set_attribute("best_epoch", s.best_epoch);
  root.set_attribute("stopped_early", static_cast<std::uint8_t>(s.stopped_early ? 1 : 0));
  root.set_attribute("gradient_convention",
                     "gradient of the loss averaged over the global mini-batch (the book's (6.18) sums; divide "
                     "--learning-rate by m_B to compare); the batch is cut into --shards fixed pieces summed in a "
                     "fixed binary tree, independent of the rank count");
  root.set_attribute("standardized", static_cast<std::uint8_t>(o.no_standardize ? 0 : 1));

  auto history = root.create_group("history");
  describe(history, "per-epoch learning curves (the book's Fig. 6.7)", "1");
  const std::size_t epochs = s.history.size();
  std::vector<std::int64_t> epoch(epochs);
  std::vector<double> train_loss(epochs), train_accuracy(epochs), validation_loss(epochs), validation_accuracy(epochs),
      learning_rate(epochs), seconds(epochs), seconds_reduction(epochs);
  for (std::size_t e = 0; e < epochs; ++e) {
    const auto& r = s.history[e];
    epoch[e] = static_cast<std::int64_t>(e + 1);
    train_loss[e] = r.train_loss;
    train_accuracy[e] = r.train_accuracy;
    validation_loss[e] = r.validation_loss;
    validation_accuracy[e] = r.validation_accuracy;
    learning_rate[e] = r.learning_rate;
    seconds[e] = r.seconds;
    seconds_reduction[e] = r.seconds_reduction;
  }
  auto epoch_scale = history.write("epoch", epoch);
  describe(epoch_scale, "epoch number (1 = after the first pass over the training set)", "1");
  epoch_scale.make_scale("epoch");
  const std::string loss_equation = net.loss() == sg::Loss::kCrossEntropy
                                        ? "(7.36)-(7.42): H = -sum_i t_i log O_i, O = softmax(b^L)"
                                        : "H = 1/2 sum_i (t_i - O_i)^2, sigmoid outputs (Algorithm 4)";
  struct Column {
    const char* name;
    const std::vector<double>* values;
    std::string description, units, equation;
  };
  const std::vector<Column> columns = {
      {"train_loss", &train_loss, "mean loss per sample over the epoch's mini-batches, during training", "1",
       loss_equation},
      {"train_accuracy", &train_accuracy,
       "fraction of the epoch's training samples classified correctly during "
       "training",
       "1", ""},
      {"validation_loss", &validation_loss, "mean loss per sample on the validation set after the epoch", "1",
       loss_equation},
      {"validation_accuracy", &validation_accuracy,
       "fraction of the validation set classified correctly after "
       "the epoch",
       "1", ""},
      {"learning_rate", &learning_rate, "learning rate eta of the epoch (--schedule)", "1", ""},
      {"seconds", &seconds, "wall time of the epoch (training and validation; measured, not reproducible)", "s", ""},
      {"seconds_reduction", &seconds_reduction, "of which summing shard gradients across ranks (incl. waiting)", "s",
       ""},
  };
  for (const auto& c : columns) {
    auto d = history.write(c.name, *c.values);
    describe(d, c.description, c.units, c.equation);
    d.attach_scale(epoch_scale, 0);
  }

  auto test_group = root.create_group("test");
  describe(test_group, "the test set (10,000 images) under the weights of the best epoch", "1");
  write_described(test_group, "accuracy", static_cast<double>(test.correct) / static_cast<double>(test.count),
                  "fraction of the test set classified correctly", "1");
  write_described(test_group, "loss", test.loss_sum / static_cast<double>(test.count), "mean loss per test sample", "1",
                  loss_equation);
  const std::size_t classes = net.layers().back();
  auto confusion = test_group.write("confusion", test.confusion, {classes, classes});
  describe(confusion, "confusion matrix: [true class, predicted class] counts of the test set", "1");

  auto timing = root.create_group("timing");
  describe(timing, "measured wall times (not reproducible)", "s");
  const double samples_per_second = s.train_seconds > 0 ? static_cast<double>(s.samples_trained) / s.train_seconds : 0;
  write_described(timing, "samples_per_second", samples_per_second,
                  "training samples per second over all ranks (training steps only)", "1/s");
  write_described(timing, "seconds_training", s.train_seconds, "wall time in training steps", "s");
  write_described(timing, "seconds_reduction", s.reduction_seconds,
                  "wall time of the training steps spent summing shard gradients across ranks (incl. waiting)", "s");
  write_described(timing, "seconds_waiting", seconds_waiting,
                  "of seconds_reduction (and of the validation and test passes), rank 0's wait at a barrier for "
                  "the other ranks before each reduction (load imbalance, shared cores) in this run; the rest of "
                  "seconds_reduction is the transfer and the additions",
                  "s");
  write_described(timing, "seconds_checkpointing", run.seconds_checkpointing,
                  "wall time writing checkpoints in this run", "s");
  write_described(timing, "samples_trained", s.samples_trained, "training samples processed in all", "1");

  auto weights = root.create_group("weights");
  describe(weights,
           "weights of the epoch with the lowest validation error (--stop-on) (the last epoch without validation)",
           "1");
  for (std::size_t l = 1; l <= net.num_layers(); ++l) {
    const std::size_t rows = net.layers()[l], cols = net.layers()[l - 1];
    std::vector<float> layer(rows * (cols + 1));
    const float* w = s.best_parameters.data() + net.weights_offset(l);
    const float* theta = s.best_parameters.data() + net.thresholds_offset(l);
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < cols; ++j) layer[i * (cols + 1) + j] = w[j * rows + i];  // W is column-major
      layer[i * (cols + 1) + cols] = theta[i];
    }
    auto d = weights.write("layer_" + std::to_string(l), layer, {rows, cols + 1});
    describe(d,
             "layer " + std::to_string(l) + ": row i holds w_ij for j = 1.." + std::to_string(cols) + " (columns 0.." +
                 std::to_string(cols - 1) + "), then the threshold theta_i (last column)",
             "1", "b_i = sum_j w_ij V_j - theta_i, V = g(b) (Algorithm 4)");
    d.set_attribute("activation", l < net.num_layers()
                                      ? sg::name_of(net.hidden())
                                      : (net.loss() == sg::Loss::kCrossEntropy ? "softmax" : "sigmoid"));
  }
}

/// --ensemble: independent trainings (tasks of the ensemble layer), each on one thread of one rank.
int run_ensemble_mode(const sg::Network<float>& network, const sg::Dataset& train, const sg::Dataset& validation,
                      const sg::Dataset& test, const sg::TrainerSettings& base, const sg::OptimizerSettings& optimizer,
                      const CommonOptions& common, const ParsedOptions& parsed, const po::options_description& all,
                      const MpiEnvironment& mpi) {
  enum Value { kTestAccuracy, kTestLoss, kBestEpoch, kEpochsRun, kBestValidationAccuracy, kSeconds, kValues };
  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "ensemble";
  e.spec.num_points = 1;
  e.observables = {
      {"test_accuracy", "fraction of the test set classified correctly (weights of the best epoch)", "", "1"},
      {"test_loss", "mean loss per test sample (weights of the best epoch)", "(7.36)-(7.42) or the quadratic energy",
       "1"},
      {"best_epoch", "epoch of the lowest validation error (--stop-on), whose weights were kept", "", "1"},
      {"epochs_run", "epochs trained (fewer than --epochs after early stopping)", "", "1"},
      {"best_validation_accuracy", "validation accuracy at best_epoch", "", "1"},
      {"seconds", "wall time of the training on its core (measured: not reproducible)", "", "s"},
  };
  for (const auto& o : e.observables) e.spec.observables.push_back(o.name);
  e.spec.run = [&, base, optimizer](const Task& task, const CancelFlag& cancel) {
    const auto start = std::chrono::steady_clock::now();
    sg::TrainerSettings settings = base;
    settings.threads = 1;  // the ensemble layer runs one training per thread
    // Sample s: its own initial weights and shuffles (streams under this key, core/rng.hpp).
    settings.key = PointKey("nnsim-sgd/ensemble").add("key", base.key).add("sample", task.sample).value();
    sg::Trainer trainer(network, train, validation, settings, optimizer);
    trainer.initialise();
    sg::LocalReducer reducer;
    while (!trainer.finished()) {
      if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
      trainer.step(reducer);
    }
    const auto& s = trainer.state();
    const sg::Evaluation t = trainer.evaluate(test, s.best_parameters, reducer, false);
    std::vector<double> values(kValues);
    values[kTestAccuracy] = static_cast<double>(t.correct) / static_cast<double>(t.count);
    values[kTestLoss] = t.loss_sum / static_cast<double>(t.count);
    values[kBestEpoch] = static_cast<double>(s.best_epoch);
    values[kEpochsRun] = static_cast<double>(s.epoch);
    values[kBestValidationAccuracy] = s.best_epoch > 0 ? s.history[s.best_epoch - 1].validation_accuracy : 0.0;
    values[kSeconds] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return values;
  };
  e.points = {{"epochs", std::vector<std::int64_t>{static_cast<std::int64_t>(base.epochs)},
               "maximal number of epochs (--epochs)", "1"}};
  e.point_keys = {base.key};
  e.attributes = {{"mode",
                   "ensemble of independent trainings; /results/<obs>/mean and stderr over the samples "
                   "(stderr = sample standard deviation / sqrt(count))"}};
  return run_gridded_experiment(e, common, parsed, all, mpi);
}

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  SgdOptions options;
  po::options_description all;
  all.add(sgd_options(options))
      .add(common_options(common, "nnsim-sgd.h5", 1,
                          "independent trainings of --ensemble (1 without it: one training spread over all ranks)"));
  auto parsed = parse_options(argc, argv, all, mpi.comm());
  if (print_help_or_version(
          parsed, kProgram,
          "A multilayer perceptron trained on Fashion-MNIST by mini-batch stochastic gradient descent\n"
          "(back-propagation, the book's Algorithm 4), data-parallel over the MPI ranks: each global\n"
          "mini-batch is cut into --shards fixed pieces whose gradients are summed in a fixed tree\n"
          "order, so the trained weights are bitwise identical for any number of ranks and threads,\n"
          "and after --resume. Writes learning curves, test accuracy, confusion matrix, timing and\n"
          "the weights to HDF5.",
          all, mpi)) {
    return kExitOk;
  }
  apply_preset(options, parsed.values);
  const Validated v = validate(options, common);
  log::set_quiet(common.quiet);
  // One kernel path on every rank (sgd/kernels/kernels.hpp): paths round differently, so all ranks
  // take the lowest of their choices (NNSIM_ISA, else the best each CPU supports), also in
  // --ensemble mode (a training's result must not depend on the rank that ran it). Re-selected
  // through NNSIM_ISA so that the provenance (root attribute `isa`, --version) names this path.
  {
    int mine = static_cast<int>(active_isa());
    int lowest = mine;
    MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, mpi.comm());
    setenv("NNSIM_ISA", to_string(static_cast<Isa>(lowest)), 1);
    select_isa_on_all_ranks(mpi.comm());
  }

  const std::string start_time = utc_timestamp();
  const double start = MPI_Wtime();
  // Streams (core/rng.hpp): key of the training, sample = epoch for shuffles (trainer.hpp).
  // --first-sample picks another single training; in --ensemble mode it is the first sample
  // number of this run's block (each sample keys its own training, task.sample is global), so it
  // stays out of the key: the blocks of an array share the validation split and merge into one
  // run (nnsim-merge). (first-sample 0 keeps the key it always had.)
  const std::uint64_t key = PointKey("nnsim-sgd/train")
                                .add("layers", options.layers)
                                .add("train-limit", options.train_limit)
                                .add("validation", options.validation)
                                .add("first-sample", options.ensemble ? std::uint64_t{0} : common.first_sample)
                                .value();

  // Every rank reads the data (errors are the same everywhere).
  sg::Dataset train = sg::read_fashion_mnist(options.data_dir, true, options.train_limit);
  sg::Dataset test = sg::read_fashion_mnist(options.data_dir, false);
  require(options.validation <= train.count() / 2, "validation",
          "at most half of the training samples (" + std::to_string(train.count() / 2) + ")", options.validation);
  RandomStream split_rng = make_stream(common.seed, key, 0, sg::kSplitStream);
  sg::Dataset validation = sg::split_validation(train, options.validation, split_rng);
  if (!options.no_standardize) {
    const auto standardizer = sg::Standardizer::fit(train);  // (6.21)-(6.22): training statistics only
    standardizer.apply(train);
    standardizer.apply(validation);
    standardizer.apply(test);
  }
  const sg::Network<float> network(v.layers, v.activation, v.loss);
  sg::TrainerSettings settings;
  settings.batch = options.batch;
  settings.shards = options.shards;
  settings.epochs = options.epochs;
  settings.patience = options.patience;
  settings.stop_on_loss = options.stop_on == "loss";
  settings.seed = common.seed;
  settings.key = key;
  settings.threads = common.threads;
  if (options.ensemble) {
    return run_ensemble_mode(network, train, validation, test, settings, v.optimizer, common, parsed, all, mpi);
  }
  sg::Trainer trainer(network, train, validation, settings, v.optimizer);

  const std::string checkpoint_path = checkpoint_path_for(common.output);
  const std::string fingerprint = options_json(all, parsed.values, /*results_only=*/true);
  OutputPlan plan = prepare_output(common, checkpoint_path, fingerprint, mpi, [&] {
    // refuse a foreign one early, or one computed on another kernel path
    check_checkpoint_isa(load_collective_checkpoint(checkpoint_path, fingerprint, kGitCommit), checkpoint_path);
  });
  if (plan.already_complete) return kExitOk;
  warn_if_threads_exceed_cpus(common, mpi);

  Collective collective(mpi.comm());
  CollectiveReducer reducer(collective);
  if (!common.resume) trainer.initialise();
  if (mpi.rank() == 0) {
    log::info(std::string(kProgram) + ": " + options.layers + " " + options.activation + ", " + options.loss + ", " +
              options.optimizer + " eta " + std::to_string(options.learning_rate) + ", m_B " +
              std::to_string(options.batch) + " in " + std::to_string(options.shards) + " shards; " +
              std::to_string(train.count()) + " training / " + std::to_string(validation.count()) + " validation / " +
              std::to_string(test.count()) + " test samples; " + std::to_string(mpi.size()) + " rank(s) x " +
              std::to_string(common.threads) + " thread(s); kernels " + to_string(active_isa()));
    if (static_cast<std::uint64_t>(mpi.size()) > options.shards) {
      log::warn("more ranks (" + std::to_string(mpi.size()) + ") than --shards (" + std::to_string(options.shards) +
                "): some ranks stay idle");
    }
  }

  CollectiveModel model;
  model.finished = [&] { return trainer.finished(); };
  model.step = [&] {
    const bool epoch_done = trainer.step(reducer);
    if (epoch_done && mpi.rank() == 0) {
      const auto& s = trainer.state();
      const auto& r = s.history.back();
      std::ostringstream line;
      line.precision(4);
      line << "epoch " << s.epoch << "/" << options.epochs << ": train loss " << r.train_loss << " accuracy "
           << r.train_accuracy << "; validation loss " << r.validation_loss << " accuracy " << r.validation_accuracy
           << "; " << static_cast<long long>(static_cast<double>(train.count()) / std::max(1e-9, r.seconds))
           << " samples/s, reduction " << percent(r.seconds_reduction / std::max(1e-9, r.seconds))
           << (s.best_epoch == s.epoch ? " (best)" : "");
      log::info(line.str());
      if (s.stopped_early) {
        log::info("early stopping: no new minimum of the validation " + options.stop_on + " for " +
                  std::to_string(options.patience) + " epochs; keeping the weights of epoch " +
                  std::to_string(s.best_epoch));
      }
    }
    return epoch_done;
  };
  model.save = [&] { return to_collective(trainer.save()); };
  model.load = [&](const CollectiveState& state) {
    check_checkpoint_isa(state, checkpoint_path);
    trainer.load(from_collective(state));
  };

  CollectiveControl control;
  control.time_limit = common.time_limit;
  control.checkpoint_interval = common.checkpoint_interval;
  control.checkpoint_path = checkpoint_path;
  control.parameters_json = fingerprint;
  control.git_commit = kGitCommit;
  control.resume = common.resume;
  const CollectiveResult result = collective.run(model, control);
  if (!result.complete) {
    if (mpi.rank() == 0) {
      log::warn("stopped early (" + result.stop_reason + ") after epoch " + std::to_string(trainer.state().epoch) +
                ", batch " + std::to_string(trainer.state().batch_in_epoch) + "; checkpoint '" +
                result.checkpoint_written + "'; run the same command with --resume to continue");
    }
    return kExitInterrupted;
  }

  const sg::Evaluation test_result = trainer.evaluate(test, trainer.state().best_parameters, reducer, true);
  const double test_accuracy = static_cast<double>(test_result.correct) / static_cast<double>(test_result.count);
  const double elapsed = MPI_Wtime() - start;
  const int code = publish(*plan.output, common.output, mpi, [&](io::File& file) {
    write_provenance(file.root(), run_info(kProgram, "train", common, parsed, all, mpi, start_time), all,
                     parsed.values);
    file.root().set_attribute("elapsed_seconds", elapsed);
    file.root().set_attribute("fingerprint_json", fingerprint);
    write_output(file, trainer, test_result, options, train, validation, result, reducer.seconds_waiting);
  });
  if (code == kExitOk && mpi.rank() == 0) {
    std::filesystem::remove(checkpoint_path);
    log::info("test accuracy " + std::to_string(test_accuracy) + " (weights of epoch " +
              std::to_string(trainer.state().best_epoch) + "); wrote " + common.output + " (" +
              log::format_duration(elapsed) + ")");
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
