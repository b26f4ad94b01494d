#pragma once
// Optimisers of the flat parameter vector (network.hpp): plain SGD, momentum (6.31) and
// Nesterov's accelerated gradient (6.35), with L2 weight decay (7.50) on the weights (not the
// thresholds) and a learning-rate schedule over epochs. The gradient passed in is the mean over
// the mini-batch (trainer.hpp).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nnsim::sgd {

enum class Method { kSgd, kMomentum, kNesterov };
enum class Schedule { kConstant, kExponential, kStep, kCosine };

Method method_from_name(const std::string& name);      ///< "sgd", "momentum", "nesterov"
Schedule schedule_from_name(const std::string& name);  ///< "constant", "exponential", "step", "cosine"
const char* name_of(Method m);
const char* name_of(Schedule s);

struct OptimizerSettings {
  Method method = Method::kMomentum;
  double learning_rate = 0.01;  ///< eta
  double momentum = 0.9;        ///< alpha in (6.31), (6.35)
  double weight_decay = 0;      ///< gamma in (7.50)
  Schedule schedule = Schedule::kConstant;
  double decay = 0.5;  ///< exponential: eta gamma^epoch; step: eta decay^(epoch / step_epochs)
  std::uint64_t step_epochs = 10;
  std::uint64_t total_epochs = 1;  ///< cosine: eta/2 (1 + cos(pi epoch / total_epochs))
};

/// eta at `epoch` (0-based) under the schedule.
double learning_rate_at(const OptimizerSettings& settings, std::uint64_t epoch);

template <class T>
class Optimizer {
 public:
  /// `weights`: (offset, count) ranges of the flat vector that weight decay acts on.
  Optimizer(OptimizerSettings settings, std::size_t parameters,
            std::vector<std::pair<std::size_t, std::size_t>> weights);
  /// One update with the mini-batch mean gradient `gradient` of H at the current parameters:
  ///   sgd       w <- w - eta (g + gamma w)
  ///   momentum  v <- alpha v - eta (g + gamma w);  w <- w + v                        (6.31)
  ///   nesterov  the same sequence with the gradient taken at w + alpha v (6.35), in the
  ///             variables u = w + alpha v that the code stores (Bengio et al. 2013):
  ///             v' = alpha v - eta g(u);  u <- u - alpha v + (1 + alpha) v'
  /// `gradient` is modified (weight decay is added to it).
  void step(std::span<T> parameters, std::span<T> gradient, std::uint64_t epoch);
  const std::vector<T>& velocity() const { return velocity_; }
  std::vector<T>& velocity() { return velocity_; }
  const OptimizerSettings& settings() const { return settings_; }

 private:
  OptimizerSettings settings_;
  std::vector<T> velocity_;
  std::vector<std::pair<std::size_t, std::size_t>> weights_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace nnsim::sgd
