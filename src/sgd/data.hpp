#pragma once
// Data sets of the SGD library: labelled images read from IDX files (the format of MNIST and
// Fashion-MNIST, plain or gzip-compressed), input standardisation with training-set statistics
// (the book's (6.21)-(6.22)), the split of a validation set off the training data (Section 6.4),
// and a small synthetic data set for tests. A model library: no MPI, no HDF5.

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "sgd/aligned.hpp"

namespace nnsim::sgd {

using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

/// Inputs as columns: `features` x `count` values, column-major (sample k at values[k * features]).
struct Dataset {
  std::size_t features = 0;
  std::size_t classes = 0;
  AlignedFloats inputs;              ///< features * count
  std::vector<std::int32_t> labels;  ///< count, each in [0, classes)
  std::size_t count() const { return labels.size(); }
  const float* column(std::size_t k) const { return inputs.data() + k * features; }
};

/// Contents of an IDX file with unsigned-byte elements (type code 0x08).
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> values;
};

/// Reads an IDX file, gzip-compressed or plain (zlib tells them apart). Throws UsageError naming
/// the file when it is missing, has a wrong magic number (not 0x0000 08 NN with 1 <= NN <= 4), or
/// holds fewer or more bytes than its dimensions promise.
IdxArray read_idx(const std::string& path);

/// Images (IDX rank 3: count x rows x cols) and labels (IDX rank 1) as a Dataset with pixel values
/// in [0, 1] (byte / 255). Throws UsageError when the ranks are wrong, the counts differ, or a label
/// is >= `classes`. `limit` > 0 keeps only the first `limit` samples.
Dataset read_idx_dataset(const std::string& images_path, const std::string& labels_path, std::size_t classes,
                         std::size_t limit = 0);

/// Where Debian's package dataset-fashion-mnist installs the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// The training (60,000) or test (10,000) half of Fashion-MNIST in `dir` (files
/// train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-...). A missing folder or file is
/// a UsageError that names the Debian package to install.
Dataset read_fashion_mnist(const std::string& dir, bool train, std::size_t limit = 0);

/// Per-feature mean and standard deviation of a training set, (6.21)-(6.22).
struct Standardizer {
  std::vector<float> mean;
  std::vector<float> inverse_std;  ///< 1 / sigma, or 1 where sigma == 0 (a constant input)
  static Standardizer fit(const Dataset& training);
  /// x_k <- (x_k - mean_k) / sigma_k, with the training set's statistics (also on the
  /// validation and test sets: they must not inform the preprocessing).
  void apply(Dataset& data) const;
};

/// Moves `count` samples, chosen by a random permutation from `rng`, out of `training` into the
/// returned validation set; the order of both is kept otherwise (Section 6.4).
Dataset split_validation(Dataset& training, std::size_t count, RandomStream& rng);

/// A synthetic classification problem for tests: `classes` Gaussian clusters in `features`
/// dimensions (centres at distance ~`separation` standard deviations apart), `count` samples
/// with uniformly drawn labels, all from `rng`.
Dataset synthetic_clusters(std::size_t count, std::size_t features, std::size_t classes, double separation,
                           RandomStream& rng);

/// A standard normal deviate (Box-Muller on two uniforms of `rng`).
double standard_normal(RandomStream& rng);

}  // namespace nnsim::sgd
