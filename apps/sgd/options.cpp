#include <sstream>

#include "sgd.hpp"

namespace nnsim::sgd_app {

po::options_description sgd_options(SgdOptions& o) {
  po::options_description d("Network, training and data");
  // clang-format off
  d.add_options()
    ("preset", po::value(&o.preset)->default_value(o.preset),
     "none; book: the book's MNIST recipe of Section 8.3 (784-100-10 ReLU, softmax, momentum 0.9, eta 0.001, "
     "m_B 8192, patience 5) on Fashion-MNIST; recommended: 784-256-128-10 ReLU, Nesterov, eta 0.05 with a cosine "
     "schedule over 30 epochs, m_B 128, weight decay 5e-4, patience 10. Options given explicitly win over the preset")
    ("layers", po::value(&o.layers)->default_value(o.layers)->value_name("N0,N1,...,NL"),
     "units per layer, inputs first, classes last")
    ("activation", po::value(&o.activation)->default_value(o.activation), "hidden units: sigmoid, tanh, relu")
    ("loss", po::value(&o.loss)->default_value(o.loss),
     "cross-entropy (softmax outputs, (7.36)-(7.42)) or quadratic (sigmoid outputs, the book's energy)")
    ("optimizer", po::value(&o.optimizer)->default_value(o.optimizer),
     "sgd, momentum (6.31) or nesterov (6.35)")
    ("learning-rate", po::value(&o.learning_rate)->default_value(o.learning_rate),
     "eta, for the gradient of the loss averaged over the global mini-batch")
    ("momentum", po::value(&o.momentum)->default_value(o.momentum), "alpha of momentum and Nesterov, in [0, 1)")
    ("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay),
     "gamma of the L2 penalty gamma/2 sum w^2 on the weights (7.50)")
    ("schedule", po::value(&o.schedule)->default_value(o.schedule),
     "learning rate over epochs: constant, exponential (eta decay^epoch), step (times decay every "
     "lr-step-epochs), cosine (eta/2 (1 + cos(pi epoch / epochs)))")
    ("lr-decay", po::value(&o.lr_decay)->default_value(o.lr_decay), "factor of the exponential and step schedules")
    ("lr-step-epochs", po::value(&o.lr_step_epochs)->default_value(o.lr_step_epochs), "epochs per step of --schedule step")
    ("batch", po::value(&o.batch)->default_value(o.batch), "global mini-batch size m_B (all ranks together)")
    ("shards", po::value(&o.shards)->default_value(o.shards),
     "fixed pieces of each mini-batch whose gradients are summed in a fixed tree order; the results depend on it, "
     "never on the number of ranks (at most --shards ranks do work)")
    ("epochs", po::value(&o.epochs)->default_value(o.epochs), "maximal number of epochs")
    ("patience", po::value(&o.patience)->default_value(o.patience),
     "early stopping: stop after this many epochs in a row without a new minimum of the validation error "
     "(--stop-on; 0 = never; the weights of the best epoch are kept)")
    ("stop-on", po::value(&o.stop_on)->default_value(o.stop_on),
     "early-stopping criterion: error (fraction of the validation set misclassified, the book's) or loss")
    ("validation", po::value(&o.validation)->default_value(o.validation),
     "training samples held out for validation (at most half of them)")
    ("train-limit", po::value(&o.train_limit)->default_value(o.train_limit)->value_name("K"),
     "use only the first K training images (0 = all 60,000): tests and quick runs")
    ("data-dir", po::value(&o.data_dir)->default_value(o.data_dir),
     "folder with Fashion-MNIST's IDX files (Debian package dataset-fashion-mnist)")
    ("no-standardize", po::bool_switch(&o.no_standardize),
     "feed pixel values in [0, 1] instead of standardising each input with training-set mean and deviation "
     "(6.21)-(6.22)")
    ("ensemble", po::bool_switch(&o.ensemble),
     "ensemble mode: --samples independent trainings (fresh initial weights and shuffles each; the same "
     "validation split) spread over the ranks, one per rank and thread, with mean and standard error of the "
     "test accuracy, instead of one training spread over all ranks");
  // clang-format on
  return d;
}

namespace {

template <class T>
void preset_value(po::variables_map& values, const std::string& name, T value, T& field) {
  auto it = values.find(name);
  if (it != values.end() && !it->second.defaulted()) return;  // given explicitly
  field = value;
  if (it != values.end()) it->second.value() = boost::any(value);
}

}  // namespace

void apply_preset(SgdOptions& o, po::variables_map& values) {
  if (o.preset == "none") return;
  if (o.preset == "book") {
    // Section 8.3: 784-100-10, ReLU hidden, softmax output, SGD with momentum eta = 0.001,
    // alpha = 0.9, m_B = 8192, 50,000 / 10,000 split, early stopping with patience 5.
    preset_value(values, "layers", std::string("784,100,10"), o.layers);
    preset_value(values, "activation", std::string("relu"), o.activation);
    preset_value(values, "loss", std::string("cross-entropy"), o.loss);
    preset_value(values, "optimizer", std::string("momentum"), o.optimizer);
    preset_value(values, "learning-rate", 0.001, o.learning_rate);
    preset_value(values, "momentum", 0.9, o.momentum);
    preset_value(values, "batch", std::uint64_t{8192}, o.batch);
    preset_value(values, "patience", std::uint64_t{5}, o.patience);
    preset_value(values, "validation", std::uint64_t{10000}, o.validation);
    preset_value(values, "epochs", std::uint64_t{1000}, o.epochs);
    preset_value(values, "schedule", std::string("constant"), o.schedule);
    preset_value(values, "weight-decay", 0.0, o.weight_decay);
  } else if (o.preset == "recommended") {
    preset_value(values, "layers", std::string("784,256,128,10"), o.layers);
    preset_value(values, "activation", std::string("relu"), o.activation);
    preset_value(values, "loss", std::string("cross-entropy"), o.loss);
    preset_value(values, "optimizer", std::string("nesterov"), o.optimizer);
    preset_value(values, "learning-rate", 0.05, o.learning_rate);
    preset_value(values, "momentum", 0.9, o.momentum);
    preset_value(values, "batch", std::uint64_t{128}, o.batch);
    preset_value(values, "weight-decay", 5e-4, o.weight_decay);
    preset_value(values, "schedule", std::string("cosine"), o.schedule);
    preset_value(values, "epochs", std::uint64_t{30}, o.epochs);
    preset_value(values, "patience", std::uint64_t{10}, o.patience);
    preset_value(values, "validation", std::uint64_t{10000}, o.validation);
  } else {
    throw UsageError("--preset must be one of none, book, recommended, got " + o.preset);
  }
}

std::vector<std::size_t> parse_layers(const std::string& text) {
  std::vector<std::size_t> layers;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
      value = std::stoull(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || item[0] == '-' || value < 1 || value > 100000) {
      throw UsageError("--layers must be comma-separated unit counts in [1, 100000] such as 784,256,128,10, got '" +
                       text + "'");
    }
    layers.push_back(static_cast<std::size_t>(value));
  }
  if (layers.size() < 2) {
    throw UsageError("--layers needs at least the inputs and the outputs (784,10), got '" + text + "'");
  }
  return layers;
}

}  // namespace nnsim::sgd_app
