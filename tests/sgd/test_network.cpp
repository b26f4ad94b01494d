// Back-propagation (Algorithm 4) against central finite differences, for every hidden
// activation and both losses (softmax + cross-entropy (7.36)-(7.42), quadratic energy).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/isa.hpp"
#include "sgd/data.hpp"
#include "sgd/kernels/kernels.hpp"
#include "sgd/network.hpp"

namespace {

using namespace nnsim;
using namespace nnsim::sgd;

struct Case {
  Activation activation;
  Loss loss;
};

class GradientCheck : public ::testing::TestWithParam<Case> {};

TEST_P(GradientCheck, AgreesWithFiniteDifferences) {
  const auto [activation, loss] = GetParam();
  // Three weight layers, so that errors pass through two hidden layers.
  Network<double> net({5, 7, 6, 4}, activation, loss);
  std::vector<double> w(net.num_parameters());
  RandomStream rng(11, 22, 0, 0);
  net.initialise(w, rng);
  // Non-zero thresholds, so that their gradient is tested too.
  for (std::size_t l = 1; l <= net.num_layers(); ++l) {
    for (std::size_t i = 0; i < net.layers()[l]; ++i) w[net.thresholds_offset(l) + i] = 0.3 * standard_normal(rng);
  }
  const std::size_t m = 9;
  std::vector<double> x(5 * m);
  for (auto& v : x) v = standard_normal(rng);
  std::vector<std::int32_t> labels(m);
  for (auto& t : labels) t = static_cast<std::int32_t>(rng.below(4));
  Network<double>::ConstInputs inputs(x.data(), 5, static_cast<Eigen::Index>(m));

  std::vector<double> grad(net.num_parameters());
  Network<double>::Workspace work;
  const Evaluation e = net.gradient(w, inputs, labels.data(), grad, work);
  EXPECT_NEAR(e.loss_sum, net.loss_sum(w, inputs, labels.data()), 1e-12);

  const double h = 1e-6;
  double worst = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double saved = w[i];
    w[i] = saved + h;
    const double up = net.loss_sum(w, inputs, labels.data());
    w[i] = saved - h;
    const double down = net.loss_sum(w, inputs, labels.data());
    w[i] = saved;
    const double numeric = (up - down) / (2 * h);
    const double error = std::abs(numeric - grad[i]) / std::max(1e-3, std::abs(numeric) + std::abs(grad[i]));
    worst = std::max(worst, error);
    ASSERT_LT(error, 1e-5) << "parameter " << i << ": back-propagated " << grad[i] << ", finite difference " << numeric;
  }
  // The check has teeth: a wrong sign on the thresholds would be caught.
  const std::size_t t = net.thresholds_offset(1);
  EXPECT_GT(std::abs(grad[t]), 1e-4);
  RecordProperty("worst_relative_error", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(
    AllLayersAndLosses, GradientCheck,
    ::testing::Values(Case{Activation::kSigmoid, Loss::kCrossEntropy}, Case{Activation::kTanh, Loss::kCrossEntropy},
                      Case{Activation::kRelu, Loss::kCrossEntropy}, Case{Activation::kSigmoid, Loss::kQuadratic},
                      Case{Activation::kTanh, Loss::kQuadratic}, Case{Activation::kRelu, Loss::kQuadratic}));

TEST(Network, InitialisationHasFanInVarianceAndZeroThresholds) {
  Network<double> net({400, 300, 10}, Activation::kRelu, Loss::kCrossEntropy);
  std::vector<double> w(net.num_parameters());
  RandomStream rng(1, 2, 0, 0);
  net.initialise(w, rng);
  double sum = 0, sum_sq = 0;
  const std::size_t n = 300 * 400;
  for (std::size_t i = 0; i < n; ++i) {
    sum += w[net.weights_offset(1) + i];
    sum_sq += w[net.weights_offset(1) + i] * w[net.weights_offset(1) + i];
  }
  const double var = sum_sq / n;
  // variance 1/400; its estimate from n samples has standard error sqrt(2/n)/400 (4 sigma)
  EXPECT_NEAR(var, 1.0 / 400, 4 * std::sqrt(2.0 / n) / 400);
  EXPECT_NEAR(sum / n, 0.0, 4 * std::sqrt(1.0 / 400 / n));
  for (std::size_t i = 0; i < 300; ++i) EXPECT_EQ(w[net.thresholds_offset(1) + i], 0.0);
}

TEST(Network, SumOverSamplesIsAdditive) {
  // The gradient of a batch is the sum of the gradients of its parts (what sharding relies on).
  Network<double> net({3, 5, 3}, Activation::kTanh, Loss::kCrossEntropy);
  std::vector<double> w(net.num_parameters());
  RandomStream rng(3, 4, 0, 0);
  net.initialise(w, rng);
  std::vector<double> x(3 * 6);
  for (auto& v : x) v = standard_normal(rng);
  std::vector<std::int32_t> labels = {0, 1, 2, 2, 1, 0};
  std::vector<double> all(w.size()), left(w.size()), right(w.size());
  Network<double>::Workspace work;
  net.gradient(w, Network<double>::ConstInputs(x.data(), 3, 6), labels.data(), all, work);
  net.gradient(w, Network<double>::ConstInputs(x.data(), 3, 2), labels.data(), left, work);
  net.gradient(w, Network<double>::ConstInputs(x.data() + 6, 3, 4), labels.data() + 2, right, work);
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(all[i], left[i] + right[i], 1e-12);
}

TEST(Network, RejectsBadNames) {
  EXPECT_THROW(activation_from_name("softplus"), UsageError);
  EXPECT_THROW(loss_from_name("hinge"), UsageError);
  EXPECT_THROW(Network<float>({784}, Activation::kRelu, Loss::kCrossEntropy), UsageError);
}

}  // namespace

// ---- the kernels of every instruction set (src/sgd/kernels/kernels.hpp) ----


namespace {

using namespace nnsim;
using namespace nnsim::sgd;

/// Restores the active instruction set when a test ends.
struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_active_isa(saved); }
};

// Every path's back-propagated gradient (float) agrees with the generic path's in double within
// float rounding; layer sizes with vector-block remainders (33, 17 rows) and 11 samples
// (a column-block remainder).
TEST(Kernels, EveryPathAgreesWithDouble) {
  IsaGuard guard;
  const std::vector<std::size_t> layers = {40, 33, 17, 10};
  for (const auto activation : {Activation::kSigmoid, Activation::kTanh, Activation::kRelu}) {
    Network<double> ref(layers, activation, Loss::kCrossEntropy);
    Network<float> net(layers, activation, Loss::kCrossEntropy);
    std::vector<double> w(ref.num_parameters());
    RandomStream rng(5, 6, 0, 0);
    ref.initialise(w, rng);
    const std::size_t m = 11;
    AlignedFloats xf(40 * m);
    std::vector<double> xd(40 * m);
    for (std::size_t i = 0; i < xd.size(); ++i) xf[i] = static_cast<float>(xd[i] = standard_normal(rng));
    std::vector<std::int32_t> labels(m);
    for (auto& t : labels) t = static_cast<std::int32_t>(rng.below(10));
    AlignedFloats wf(w.begin(), w.end());
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>(wf[i]);  // the same weights
    set_active_isa(Isa::kGeneric);
    std::vector<double> gd(w.size());
    Network<double>::Workspace wd;
    ref.gradient(w, Network<double>::ConstInputs(xd.data(), 40, static_cast<Eigen::Index>(m)), labels.data(), gd, wd);
    double scale = 0;
    for (const double g : gd) scale = std::max(scale, std::abs(g));
    for (const Isa isa : supported_isas()) {
      set_active_isa(isa);
      std::vector<float> gf(w.size());
      Network<float>::Workspace work;
      net.gradient(wf, Network<float>::ConstInputs(xf.data(), 40, static_cast<Eigen::Index>(m)), labels.data(), gf,
                   work);
      double worst = 0;
      for (std::size_t i = 0; i < w.size(); ++i) worst = std::max(worst, std::abs(gf[i] - gd[i]) / scale);
      EXPECT_LT(worst, 1e-5) << to_string(isa) << " " << name_of(activation);
      EXPECT_GT(scale, 0.1);
    }
  }
}

// The forward pass of a sample does not depend on the samples computed with it (what lets a rank
// compute any set of shards): 13 samples at once equal 5 + 8 computed apart, bit for bit, on
// every path.
TEST(Kernels, ForwardIsPerSample) {
  IsaGuard guard;
  const std::vector<std::size_t> layers = {50, 70, 21, 10};
  Network<float> net(layers, Activation::kTanh, Loss::kCrossEntropy);
  AlignedFloats w(net.num_parameters());
  RandomStream rng(8, 9, 0, 0);
  net.initialise(w, rng);
  const std::size_t m = 13;
  AlignedFloats x(50 * m);
  for (auto& v : x) v = static_cast<float>(standard_normal(rng));
  const kernels::Shape shape{layers.data(), 3, static_cast<int>(Activation::kTanh), 0};
  for (const Isa isa : supported_isas()) {
    set_active_isa(isa);
    const auto& k = kernels::active_kernels();
    EXPECT_STREQ(k.name, to_string(isa));
    auto run = [&](std::size_t first, std::size_t count) {
      std::vector<AlignedFloats> out(3);
      std::vector<float*> ptr(3);
      for (std::size_t l = 0; l < 3; ++l) {
        out[l].assign(layers[l + 1] * count, 0.0f);
        ptr[l] = out[l].data();
      }
      AlignedFloats xs(x.begin() + static_cast<std::ptrdiff_t>(first * 50),
                       x.begin() + static_cast<std::ptrdiff_t>((first + count) * 50));
      k.forward_f(&shape, w.data(), xs.data(), count, ptr.data());
      return out[2];
    };
    const AlignedFloats all = run(0, m), left = run(0, 5), right = run(5, 8);
    for (std::size_t i = 0; i < 10 * 5; ++i) ASSERT_EQ(all[i], left[i]) << to_string(isa) << " " << i;
    for (std::size_t i = 0; i < 10 * 8; ++i) ASSERT_EQ(all[50 + i], right[i]) << to_string(isa) << " " << i;
  }
}

}  // namespace
