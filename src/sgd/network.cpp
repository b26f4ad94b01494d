#include "sgd/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/error.hpp"
#include "sgd/data.hpp"

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
void apply_activation(Activation a, T* v, std::size_t n) {
  switch (a) {
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < n; ++i) v[i] = T(1) / (T(1) + std::exp(-v[i]));
      break;
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i) v[i] = std::tanh(v[i]);
      break;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i) v[i] = v[i] > T(0) ? v[i] : T(0);
      break;
  }
}

/// error <- error * g'(b), with g' written through the output V = g(b).
template <class T>
void multiply_derivative(Activation a, T* error, const T* v, std::size_t n) {
  switch (a) {
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < n; ++i) error[i] *= v[i] * (T(1) - v[i]);
      break;
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i) error[i] *= T(1) - v[i] * v[i];
      break;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i) error[i] = v[i] > T(0) ? error[i] : T(0);
      break;
  }
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
void Network<T>::forward(std::span<const T> parameters, const ConstInputs& inputs, Workspace& work) const {
  const std::size_t L = num_layers();
  const auto m = inputs.cols();
  work.outputs.resize(L + 1);
  work.errors.resize(L + 1);
  for (std::size_t l = 1; l <= L; ++l) {
    const auto rows = static_cast<Eigen::Index>(layers_[l]);
    const auto cols = static_cast<Eigen::Index>(layers_[l - 1]);
    Eigen::Map<const Matrix> w(parameters.data() + weights_offset(l), rows, cols);
    Eigen::Map<const Vector> theta(parameters.data() + thresholds_offset(l), rows);
    Matrix& b = work.outputs[l];
    b.resize(rows, m);
    if (l == 1) {
      b.noalias() = w * inputs;
    } else {
      b.noalias() = w * work.outputs[l - 1];
    }
    b.colwise() -= theta;  // b^l = W^l V^(l-1) - theta^l
    if (l < L) {
      apply_activation(hidden_, b.data(), static_cast<std::size_t>(b.size()));
    }
  }
}

template <class T>
Evaluation Network<T>::score(const Matrix& fields, const std::int32_t* labels, bool confusion) const {
  // `fields` holds the output layer's local fields b^L; loss and prediction come from them.
  Evaluation e;
  const std::size_t classes = layers_.back();
  if (confusion) e.confusion.assign(classes * classes, 0);
  for (Eigen::Index k = 0; k < fields.cols(); ++k) {
    const T* b = fields.data() + k * fields.rows();
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
  e.count = static_cast<std::uint64_t>(fields.cols());
  return e;
}

template <class T>
Evaluation Network<T>::evaluate(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                                Workspace& work, bool confusion) const {
  forward(parameters, inputs, work);
  return score(work.outputs[num_layers()], labels, confusion);
}

template <class T>
double Network<T>::loss_sum(std::span<const T> parameters, const ConstInputs& inputs,
                            const std::int32_t* labels) const {
  Workspace work;
  return evaluate(parameters, inputs, labels, work).loss_sum;
}

template <class T>
Evaluation Network<T>::gradient(std::span<const T> parameters, const ConstInputs& inputs, const std::int32_t* labels,
                                std::span<T> gradient, Workspace& work) const {
  const std::size_t L = num_layers();
  forward(parameters, inputs, work);
  Evaluation e = score(work.outputs[L], labels, false);
  const std::size_t classes = layers_.back();
  const auto m = inputs.cols();

  // Output errors dH/db^L: softmax + cross-entropy gives O - t (7.42); sigmoid + quadratic
  // energy gives (O - t) g'(b^L) (Algorithm 4, with the book's delta = -dH/db).
  Matrix& out = work.outputs[L];
  Matrix& delta_out = work.errors[L];
  delta_out.resize(out.rows(), m);
  for (Eigen::Index k = 0; k < m; ++k) {
    T* b = out.data() + k * out.rows();
    T* d = delta_out.data() + k * out.rows();
    const auto label = static_cast<std::size_t>(labels[k]);
    if (loss_ == Loss::kCrossEntropy) {
      T top = b[0];
      for (std::size_t i = 1; i < classes; ++i) top = std::max(top, b[i]);
      T sum = 0;
      for (std::size_t i = 0; i < classes; ++i) {
        b[i] = std::exp(b[i] - top);
        sum += b[i];
      }
      const T inv = T(1) / sum;
      for (std::size_t i = 0; i < classes; ++i) {
        b[i] *= inv;
        d[i] = b[i] - (i == label ? T(1) : T(0));
      }
    } else {
      for (std::size_t i = 0; i < classes; ++i) {
        const T o = T(1) / (T(1) + std::exp(-b[i]));
        b[i] = o;
        d[i] = (o - (i == label ? T(1) : T(0))) * o * (T(1) - o);
      }
    }
  }

  // Back-propagation (Algorithm 4): dH/dW^l = (dH/db^l) (V^(l-1))^T, dH/dtheta^l = -sum_k dH/db^l,
  // dH/db^(l-1) = (W^l)^T dH/db^l * g'(b^(l-1)).
  for (std::size_t l = L; l >= 1; --l) {
    const auto rows = static_cast<Eigen::Index>(layers_[l]);
    const auto cols = static_cast<Eigen::Index>(layers_[l - 1]);
    Eigen::Map<Matrix> grad_w(gradient.data() + weights_offset(l), rows, cols);
    Eigen::Map<Vector> grad_theta(gradient.data() + thresholds_offset(l), rows);
    const Matrix& delta = work.errors[l];
    if (l == 1) {
      grad_w.noalias() = delta * inputs.transpose();
    } else {
      grad_w.noalias() = delta * work.outputs[l - 1].transpose();
    }
    grad_theta = -delta.rowwise().sum();
    if (l > 1) {
      Eigen::Map<const Matrix> w(parameters.data() + weights_offset(l), rows, cols);
      Matrix& below = work.errors[l - 1];
      below.resize(cols, m);
      below.noalias() = w.transpose() * delta;
      multiply_derivative(hidden_, below.data(), work.outputs[l - 1].data(), static_cast<std::size_t>(below.size()));
    }
  }
  return e;
}

template class Network<float>;
template class Network<double>;

}  // namespace nnsim::sgd
