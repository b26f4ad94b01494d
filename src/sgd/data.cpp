#include "sgd/data.hpp"

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>
#include <numeric>

namespace nnsim::sgd {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Reads up to `bytes` bytes (fewer only at the end of the file); throws on a corrupt stream.
std::size_t read_some(gzFile file, void* out, std::size_t bytes, const std::string& path) {
  std::size_t done = 0;
  auto* p = static_cast<unsigned char*>(out);
  while (done < bytes) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, std::size_t{1} << 30));
    const int got = gzread(file, p + done, chunk);
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(file, &code);
      throw UsageError("'" + path + "': not a readable IDX file (" + std::string(message ? message : "read error") +
                       ")");
    }
    if (got == 0) {
      int code = Z_OK;
      gzerror(file, &code);
      // A gzip stream that ends before its trailer (Z_BUF_ERROR) is a truncated file.
      if (code != Z_OK) throw UsageError("'" + path + "': truncated or corrupt gzip stream");
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw UsageError("'" + path + "': no such file");
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw UsageError("'" + path + "': cannot open");
  unsigned char magic[4] = {};
  if (read_some(file.get(), magic, 4, path) != 4) throw UsageError("'" + path + "': truncated IDX file (no header)");
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] < 1 || magic[3] > 4) {
    char text[16];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
    throw UsageError("'" + path + "': wrong IDX magic number 0x" + text +
                     " (expected 0x000008NN: unsigned bytes, 1 <= NN <= 4 dimensions)");
  }
  IdxArray array;
  std::size_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char b[4] = {};
    if (read_some(file.get(), b, 4, path) != 4) throw UsageError("'" + path + "': truncated IDX header");
    const std::uint32_t n =
        (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    if (n == 0 || n > (1u << 28)) {
      throw UsageError("'" + path + "': IDX dimension " + std::to_string(d) + " is " + std::to_string(n) +
                       " (expected 1 .. 2^28)");
    }
    array.dims.push_back(n);
    total *= n;
    if (total > (std::size_t{1} << 34)) throw UsageError("'" + path + "': IDX dimensions too large");
  }
  array.values.resize(total);
  const std::size_t got = read_some(file.get(), array.values.data(), total, path);
  if (got != total) {
    throw UsageError("'" + path + "': truncated IDX file: " + std::to_string(got) + " of " + std::to_string(total) +
                     " data bytes");
  }
  unsigned char extra = 0;
  if (read_some(file.get(), &extra, 1, path) != 0) {
    throw UsageError("'" + path + "': more data than the IDX dimensions promise (" + std::to_string(total) + " bytes)");
  }
  return array;
}

Dataset read_idx_dataset(const std::string& images_path, const std::string& labels_path, std::size_t classes,
                         std::size_t limit) {
  const IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3) {
    throw UsageError("'" + images_path +
                     "': images must be an IDX array of rank 3 (count x rows x columns), got rank " +
                     std::to_string(images.dims.size()));
  }
  if (labels.dims.size() != 1) {
    throw UsageError("'" + labels_path + "': labels must be an IDX array of rank 1, got rank " +
                     std::to_string(labels.dims.size()));
  }
  if (images.dims[0] != labels.dims[0]) {
    throw UsageError("'" + images_path + "' holds " + std::to_string(images.dims[0]) + " images but '" + labels_path +
                     "' holds " + std::to_string(labels.dims[0]) + " labels");
  }
  std::size_t count = images.dims[0];
  if (limit > 0 && limit < count) count = limit;
  Dataset data;
  data.features = std::size_t{images.dims[1]} * images.dims[2];
  data.classes = classes;
  data.labels.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    if (labels.values[k] >= classes) {
      throw UsageError("'" + labels_path + "': label " + std::to_string(labels.values[k]) + " of sample " +
                       std::to_string(k) + " is out of range (expected 0 .. " + std::to_string(classes - 1) + ")");
    }
    data.labels[k] = labels.values[k];
  }
  // Every label is checked, also beyond `limit`: a corrupt file is refused whatever part is used.
  for (std::size_t k = count; k < labels.values.size(); ++k) {
    if (labels.values[k] >= classes) {
      throw UsageError("'" + labels_path + "': label " + std::to_string(labels.values[k]) + " of sample " +
                       std::to_string(k) + " is out of range (expected 0 .. " + std::to_string(classes - 1) + ")");
    }
  }
  data.inputs.resize(count * data.features);
  for (std::size_t i = 0; i < data.inputs.size(); ++i) data.inputs[i] = static_cast<float>(images.values[i]) / 255.0f;
  return data;
}

Dataset read_fashion_mnist(const std::string& dir, bool train, std::size_t limit) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  std::error_code ec;
  for (const auto& path : {images, labels}) {
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw UsageError("Fashion-MNIST file '" + path + "' not found" +
                       (dir == kFashionMnistDir
                            ? std::string(": install the Debian package dataset-fashion-mnist "
                                          "(apt-get install dataset-fashion-mnist, or scripts/setup)")
                            : std::string(" (--data-dir; Debian's package dataset-fashion-mnist "
                                          "installs the files in ") +
                                  kFashionMnistDir + ")"));
    }
  }
  return read_idx_dataset(images, labels, 10, limit);
}

Standardizer Standardizer::fit(const Dataset& training) {
  const std::size_t d = training.features;
  const std::size_t n = training.count();
  std::vector<double> sum(d, 0.0), sum_sq(d, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const float* x = training.column(k);
    for (std::size_t i = 0; i < d; ++i) {
      sum[i] += x[i];
      sum_sq[i] += double{x[i]} * x[i];
    }
  }
  Standardizer s;
  s.mean.resize(d);
  s.inverse_std.resize(d);
  for (std::size_t i = 0; i < d; ++i) {
    const double mean = n ? sum[i] / static_cast<double>(n) : 0.0;                                 // (6.21)
    const double var = n ? std::max(0.0, sum_sq[i] / static_cast<double>(n) - mean * mean) : 0.0;  // (6.22)
    s.mean[i] = static_cast<float>(mean);
    s.inverse_std[i] = var > 1e-12 ? static_cast<float>(1.0 / std::sqrt(var)) : 1.0f;
  }
  return s;
}

void Standardizer::apply(Dataset& data) const {
  const std::size_t d = data.features;
  for (std::size_t k = 0; k < data.count(); ++k) {
    float* x = data.inputs.data() + k * d;
    for (std::size_t i = 0; i < d; ++i) x[i] = (x[i] - mean[i]) * inverse_std[i];
  }
}

Dataset split_validation(Dataset& training, std::size_t count, RandomStream& rng) {
  const std::size_t n = training.count();
  if (count >= n) throw UsageError("validation set of " + std::to_string(count) + " samples leaves no training data");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);  // Fisher-Yates
  std::vector<std::uint8_t> held(n, 0);
  for (std::size_t i = 0; i < count; ++i) held[order[i]] = 1;
  Dataset validation, rest;
  for (auto* d : {&validation, &rest}) {
    d->features = training.features;
    d->classes = training.classes;
  }
  validation.inputs.reserve(count * training.features);
  rest.inputs.reserve((n - count) * training.features);
  for (std::size_t k = 0; k < n; ++k) {
    Dataset& to = held[k] ? validation : rest;
    to.inputs.insert(to.inputs.end(), training.column(k), training.column(k) + training.features);
    to.labels.push_back(training.labels[k]);
  }
  training = std::move(rest);
  return validation;
}

double standard_normal(RandomStream& rng) {
  const double u1 = 1.0 - rng.uniform();  // (0, 1]
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Dataset synthetic_clusters(std::size_t count, std::size_t features, std::size_t classes, double separation,
                           RandomStream& rng) {
  std::vector<double> centres(classes * features);
  const double scale = separation / std::sqrt(2.0);  // centres ~ separation apart on average
  for (auto& c : centres) c = scale * standard_normal(rng);
  Dataset data;
  data.features = features;
  data.classes = classes;
  data.labels.resize(count);
  data.inputs.resize(count * features);
  for (std::size_t k = 0; k < count; ++k) {
    const auto label = rng.below(classes);
    data.labels[k] = static_cast<std::int32_t>(label);
    for (std::size_t i = 0; i < features; ++i) {
      data.inputs[k * features + i] = static_cast<float>(centres[label * features + i] + standard_normal(rng));
    }
  }
  return data;
}

}  // namespace nnsim::sgd
