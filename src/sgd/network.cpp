#include "sgd/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/error.hpp"
#include "sgd/data.hpp"
#include "sgd/kernels/kernels.hpp"

namespace nnsim::sgd {

Activation activation_from_name(const std::string& name) {
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "tanh") return Activation::kTanh;
  if (name == "relu") return Activation::kRelu;
  throw UsageError("--activation must be one of sigmoid, tanh, relu, got " + name);
}

Loss loss_from_name(const std::string& name) {
  if (name == "cross-entropy") return Loss::kCrossEntropy;
  if (name == "quadratic") return Loss::kQuadratic;
  throw UsageError("--loss must be one of cross-entropy, quadratic, got " + name);
}

const char* name_of(Activation a) {
  switch (a) {
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kRelu:
      return "relu";
  }
  return "?";
}

const char* name_of(Loss l) { return l == Loss::kCrossEntropy ? "cross-entropy" : "quadratic"; }

namespace {

template <class T>
kernels::Shape shape_of(const Network<T>& net) {
  return {net.layers().data(), net.num_layers(), static_cast<int>(net.hidden()), static_cast<int>(net.loss())};
}

}  // namespace

template <class T>
Network<T>::Network(std::vector<std::size_t> layers, Activation hidden, Loss loss)
    : layers_(std::move(layers)), hidden_(hidden), loss_(loss) {
  if (layers_.size() < 2) throw UsageError("--layers needs at least two sizes (inputs and outputs)");
  for (const auto n : layers_) {
    if (n < 1 || n > (1u << 24)) throw UsageError("--layers: every layer needs 1 .. 2^24 units");
  }
  offsets_.push_back(0);
  for (std::size_t l = 1; l < layers_.size(); ++l) {
    offsets_.push_back(offsets_.back() + layers_[l] * layers_[l - 1] + layers_[l]);
  }
}

template <class T>
void Network<T>::initialise(std::span<T> parameters, RandomStream& rng) const {
  for (std::size_t l = 1; l < layers_.size(); ++l) {
    const double sigma = 1.0 / std::sqrt(static_cast<double>(layers_[l - 1]));  // variance 1 / fan-in
    T* w = parameters.data() + weights_offset(l);
    for (std::size_t i = 0; i < layers_[l] * layers_[l - 1]; ++i) w[i] = static_cast<T>(sigma * standard_normal(rng));
    T* theta = parameters.data() + thresholds_offset(l);
    for (std::size_t i = 0; i < layers_[l]; ++i) theta[i] = T(0);
  }
}

template <class T>
void Network<T>::prepare(Workspace& work, std::size_t m, bool with_errors) const {
  const std::size_t L = num_layers();
  std::size_t total = 0;
  for (std::size_t l = 1; l <= L; ++l) total += (layers_[l] * m + 15) / 16 * 16;  // 64-byte blocks
  const std::size_t needed = with_errors ? 2 * total : total;
  if (work.buffer.size() < needed) work.buffer.resize(needed);
  work.outputs.resize(L);
  work.errors.resize(L);
  T* next = work.buffer.data();
  for (std::size_t l = 1; l <= L; ++l) {
    work.outputs[l - 1] = next;
    next += (layers_[l] * m + 15) / 16 * 16;
  }
  for (std::size_t l = 1; l <= L; ++l) {
    work.errors[l - 1] = with_errors ? next : nullptr;
    if (with_errors) next += (layers_[l] * m + 15) / 16 * 16;
  }
}

template <class T>
void Network<T>::forward(std::span<const T> parameters, const ConstInputs& inputs, Workspace& work) const {
  const kernels::Shape shape = shape_of(*this);
  const auto m = static_cast<std::size_t>(inputs.cols());
  const auto& k = kernels::active_kernels();
  if constexpr (std::is_same_v<T, float>) {
    k.forward_f(&shape, parameters.data(), inputs.data(), m, work.outputs.data());
  } else {
    k.forward_d(&shape, parameters.data(), inputs.data(), m, work.outputs.data());
  }
}

template <class T>
Evaluation Network<T>::score(const T* fields, std::size_t m, const std::int32_t* labels, bool confusion) const {
  // `fields` holds the output layer's local fields b^L; loss and prediction come from them.
  Evaluation e;
  const std::size_t classes = layers_.back();
  if (confusion) e.confusion.assign(classes * classes, 0);
  for (std::size_t k = 0; k < m; ++k) {
    const T* b = fields + k * classes;
    std::size_t best = 0;
    for (std::size_t i = 1; i < classes; ++i) {
      if (b[i] > b[best]) best = i;
    }
    const auto label = static_cast<std::size_t>(labels[k]);
    if (loss_ == Loss::kCrossEntropy) {
      // -log O_label with O = softmax(b) (7.36)-(7.39), as log-sum-exp for stability
      double sum = 0;
      for (std::size_t i = 0; i < classes; ++i) sum += std::exp(double{b[i]} - double{b[best]});
      e.loss_sum += std::log(sum) + double{b[best]} - double{b[label]};
    } else {
      // H = 1/2 sum_i (t_i - O_i)^2 with sigmoid outputs O_i = 1 / (1 + exp(-b_i))
      for (std::size_t i = 0; i < classes; ++i) {
        const double o = 1.0 / (1.0 + std::exp(-double{b[i]}));
        const double t = i == label ? 1.0 : 0.0;
        e.loss_sum += 0.5 * (t - o) * (t - o);
      }
    }
    if (best == label) ++e.correct;
    if (confusion) ++e.confusion[label * classes + best];
  }
  e.count = static_cast<std::uint64_t>(m);
  return e;
}

template <class T>
Evaluation Network<T>::evaluate(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                                Workspace& work, bool confusion) const {
  const auto m = static_cast<std::size_t>(inputs.cols());
  prepare(work, m, false);
  forward(parameters, inputs, work);
  return score(work.outputs[num_layers() - 1], m, labels, confusion);
}

template <class T>
double Network<T>::loss_sum(std::span<const T> parameters, const ConstInputs& inputs,
                            const std::int32_t* labels) const {
  Workspace work;
  return evaluate(parameters, inputs, labels, work).loss_sum;
}

template <class T>
Evaluation Network<T>::gradient(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                                std::span<T> gradient, Workspace& work, bool weights) const {
  const std::size_t L = num_layers();
  const auto m = static_cast<std::size_t>(inputs.cols());
  prepare(work, m, true);
  forward(parameters, inputs, work);
  const Evaluation e = score(work.outputs[L - 1], m, labels, false);
  // Output errors and back-propagation (Algorithm 4) in the kernels (sgd/kernels/kernels_body.inc).
  const kernels::Shape shape = shape_of(*this);
  const auto& k = kernels::active_kernels();
  if constexpr (std::is_same_v<T, float>) {
    k.backward_f(&shape, parameters.data(), inputs.data(), m, labels, work.outputs.data(), work.errors.data(),
                 gradient.data(), weights ? 1 : 0);
  } else {
    k.backward_d(&shape, parameters.data(), inputs.data(), m, labels, work.outputs.data(), work.errors.data(),
                 gradient.data(), weights ? 1 : 0);
  }
  return e;
}

template class Network<float>;
template class Network<double>;

}  // namespace nnsim::sgd
