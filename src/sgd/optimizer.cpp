#include "sgd/optimizer.hpp"

#include <cmath>
#include <numbers>
#include <type_traits>

#include "core/error.hpp"
#include "sgd/kernels/kernels.hpp"

namespace nnsim::sgd {

Method method_from_name(const std::string& name) {
  if (name == "sgd") return Method::kSgd;
  if (name == "momentum") return Method::kMomentum;
  if (name == "nesterov") return Method::kNesterov;
  throw UsageError("--optimizer must be one of sgd, momentum, nesterov, got " + name);
}

Schedule schedule_from_name(const std::string& name) {
  if (name == "constant") return Schedule::kConstant;
  if (name == "exponential") return Schedule::kExponential;
  if (name == "step") return Schedule::kStep;
  if (name == "cosine") return Schedule::kCosine;
  throw UsageError("--schedule must be one of constant, exponential, step, cosine, got " + name);
}

const char* name_of(Method m) { return m == Method::kSgd ? "sgd" : m == Method::kMomentum ? "momentum" : "nesterov"; }

const char* name_of(Schedule s) {
  switch (s) {
    case Schedule::kConstant:
      return "constant";
    case Schedule::kExponential:
      return "exponential";
    case Schedule::kStep:
      return "step";
    case Schedule::kCosine:
      return "cosine";
  }
  return "?";
}

double learning_rate_at(const OptimizerSettings& s, std::uint64_t epoch) {
  const auto e = static_cast<double>(epoch);
  switch (s.schedule) {
    case Schedule::kConstant:
      return s.learning_rate;
    case Schedule::kExponential:
      return s.learning_rate * std::pow(s.decay, e);
    case Schedule::kStep:
      return s.learning_rate *
             std::pow(s.decay, static_cast<double>(epoch / std::max<std::uint64_t>(1, s.step_epochs)));
    case Schedule::kCosine: {
      const double total = static_cast<double>(std::max<std::uint64_t>(1, s.total_epochs));
      return 0.5 * s.learning_rate * (1.0 + std::cos(std::numbers::pi * std::min(e, total) / total));
    }
  }
  return s.learning_rate;
}

template <class T>
Optimizer<T>::Optimizer(OptimizerSettings settings, std::size_t parameters,
                        std::vector<std::pair<std::size_t, std::size_t>> weights)
    : settings_(settings), velocity_(parameters, T(0)), weights_(std::move(weights)) {}

template <class T>
void Optimizer<T>::step(std::span<T> w, std::span<T> g, std::uint64_t epoch) {
  const T eta = static_cast<T>(learning_rate_at(settings_, epoch));
  const T alpha = static_cast<T>(settings_.momentum);
  const T gamma = static_cast<T>(settings_.weight_decay);
  if (gamma != T(0)) {
    // (7.50): H + gamma/2 sum w^2 adds gamma w to the gradient of every weight
    for (const auto& [offset, count] : weights_) {
      for (std::size_t i = offset; i < offset + count; ++i) g[i] += gamma * w[i];
    }
  }
  // The update in the kernels of the active instruction set (sgd/kernels/kernels.hpp): the same
  // bits on every path (no FMA contraction), only faster.
  const int method = settings_.method == Method::kSgd        ? kernels::kUpdateSgd
                     : settings_.method == Method::kMomentum ? kernels::kUpdateMomentum
                                                             : kernels::kUpdateNesterov;
  const auto& k = kernels::active_kernels();
  if constexpr (std::is_same_v<T, float>) {
    k.update_f(method, w.data(), velocity_.data(), g.data(), w.size(), eta, alpha);
  } else {
    k.update_d(method, w.data(), velocity_.data(), g.data(), w.size(), eta, alpha);
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace nnsim::sgd
