// Tests of the HDF5 layer. Everything the layer writes is read back with raw HDF5 C calls, so a
// bug shared by the writer and the reader of the layer cannot hide itself.

#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace fs = std::filesystem;
using nnsim::io::AtomicOutput;
using nnsim::io::Dataset;
using nnsim::io::File;
using nnsim::io::Group;
using nnsim::io::IoError;

namespace {

// ---- raw HDF5 helpers: plain C calls, closed explicitly, failures become exceptions ----------

hid_t must(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("raw HDF5 call failed: ") + what);
  return id;
}

template <class T>
hid_t raw_native() {
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
}

/// What a raw reader finds in a dataset: its shape, its stored type and its values.
template <class T>
struct RawDataset {
  std::vector<hsize_t> dims;
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t type_size = 0;
  H5T_sign_t sign = H5T_SGN_ERROR;
  std::vector<T> values;
};

template <class T>
RawDataset<T> raw_read(const std::string& file, const std::string& name) {
  RawDataset<T> out;
  const hid_t f = must(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const hid_t d = must(H5Dopen2(f, name.c_str(), H5P_DEFAULT), "H5Dopen2");
  const hid_t s = must(H5Dget_space(d), "H5Dget_space");
  const hid_t t = must(H5Dget_type(d), "H5Dget_type");
  const int rank = H5Sget_simple_extent_ndims(s);
  out.dims.resize(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(s, out.dims.data(), nullptr);
  out.type_class = H5Tget_class(t);
  out.type_size = H5Tget_size(t);
  if (out.type_class == H5T_INTEGER) out.sign = H5Tget_sign(t);
  out.values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
  herr_t status = 0;
  if (!out.values.empty()) {
    status = H5Dread(d, raw_native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data());
  }
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  if (status < 0) throw std::runtime_error("raw H5Dread failed");
  return out;
}

/// Reads the single element at (row, col) of a 2-D dataset through a hyperslab selection: this
/// pins down the row-major layout independently of how the whole buffer was written.
template <class T>
T raw_element(const std::string& file, const std::string& name, hsize_t row, hsize_t col) {
  const hid_t f = must(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const hid_t d = must(H5Dopen2(f, name.c_str(), H5P_DEFAULT), "H5Dopen2");
  const hid_t s = must(H5Dget_space(d), "H5Dget_space");
  const hsize_t start[2] = {row, col};
  const hsize_t count[2] = {1, 1};
  const hsize_t one = 1;
  const hid_t m = must(H5Screate_simple(1, &one, nullptr), "H5Screate_simple");
  T value{};
  herr_t status = H5Sselect_hyperslab(s, H5S_SELECT_SET, start, nullptr, count, nullptr);
  if (status >= 0) status = H5Dread(d, raw_native<T>(), m, s, H5P_DEFAULT, &value);
  H5Sclose(m);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  if (status < 0) throw std::runtime_error("raw hyperslab read failed");
  return value;
}

/// Opens attribute `attr` of object `object` in a read-only file and hands it to `fn`.
template <class Fn>
void with_raw_attribute(const std::string& file, const std::string& object, const std::string& attr,
                        Fn fn) {
  const hid_t f = must(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const hid_t a = H5Aopen_by_name(f, object.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) {
    H5Fclose(f);
    throw std::runtime_error("raw H5Aopen_by_name failed for " + object + "@" + attr);
  }
  try {
    fn(a);
  } catch (...) {
    H5Aclose(a);
    H5Fclose(f);
    throw;
  }
  H5Aclose(a);
  H5Fclose(f);
}

struct RawStringAttribute {
  bool is_string = false;
  bool is_variable = false;
  H5T_cset_t cset = H5T_CSET_ERROR;
  H5S_class_t space_class = H5S_NO_CLASS;
  std::string value;
};

RawStringAttribute raw_string_attribute(const std::string& file, const std::string& object,
                                        const std::string& attr) {
  RawStringAttribute out;
  with_raw_attribute(file, object, attr, [&](hid_t a) {
    const hid_t t = must(H5Aget_type(a), "H5Aget_type");
    const hid_t s = must(H5Aget_space(a), "H5Aget_space");
    out.space_class = H5Sget_simple_extent_type(s);
    out.is_string = H5Tget_class(t) == H5T_STRING;
    out.is_variable = H5Tis_variable_str(t) > 0;
    out.cset = H5Tget_cset(t);
    if (out.is_string && out.is_variable) {
      const hid_t m = H5Tcopy(H5T_C_S1);
      H5Tset_size(m, H5T_VARIABLE);
      H5Tset_cset(m, H5T_CSET_UTF8);
      char* text = nullptr;
      if (H5Aread(a, m, &text) >= 0 && text != nullptr) {
        out.value = text;
        H5free_memory(text);
      }
      H5Tclose(m);
    }
    H5Sclose(s);
    H5Tclose(t);
  });
  return out;
}

template <class T>
struct RawAttribute {
  H5S_class_t space_class = H5S_NO_CLASS;
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t type_size = 0;
  std::vector<hsize_t> dims;
  std::vector<T> values;
};

template <class T>
RawAttribute<T> raw_attribute(const std::string& file, const std::string& object,
                              const std::string& attr) {
  RawAttribute<T> out;
  with_raw_attribute(file, object, attr, [&](hid_t a) {
    const hid_t t = must(H5Aget_type(a), "H5Aget_type");
    const hid_t s = must(H5Aget_space(a), "H5Aget_space");
    out.space_class = H5Sget_simple_extent_type(s);
    out.type_class = H5Tget_class(t);
    out.type_size = H5Tget_size(t);
    out.dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(s)));
    H5Sget_simple_extent_dims(s, out.dims.data(), nullptr);
    out.values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
    const herr_t status = out.values.empty() ? 0 : H5Aread(a, raw_native<T>(), out.values.data());
    H5Sclose(s);
    H5Tclose(t);
    if (status < 0) throw std::runtime_error("raw H5Aread failed");
  });
  return out;
}

bool raw_link_exists(const std::string& file, const std::string& path) {
  const hid_t f = must(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const htri_t e = H5Lexists(f, path.c_str(), H5P_DEFAULT);
  H5Fclose(f);
  return e > 0;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Runs `fn`, expects an IoError and returns its message (empty, with a failure, otherwise).
template <class Fn>
std::string io_error_of(Fn fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected IoError, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected IoError, nothing was thrown";
  return {};
}

// ---- fixture: one fresh folder per test; no HDF5 identifier may outlive a test --------------

class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("nnsim_test_hdf5_" + std::to_string(getpid()) + "_" +
                                        std::to_string(counter++) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    // Every handle the layer opened must be closed again (files, groups, datasets, ...).
    EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "HDF5 identifiers leaked";
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(dir_, ignored);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// ---- datasets -----------------------------------------------------------------------------

template <class T>
std::vector<T> sample_values(std::size_t n) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
      v[i] = static_cast<T>(0.25 * static_cast<double>(i) - 1.5);
    } else {
      v[i] = static_cast<T>(i * 7 + 1);
    }
  }
  // Extremes that a detour through double or a narrower type would destroy.
  if (n > 0) v[0] = std::numeric_limits<T>::max();
  if (n > 1) v[1] = std::numeric_limits<T>::lowest();
  return v;
}

template <class T>
class Hdf5TypedTest : public Hdf5Test {};
using ScalarTypes =
    ::testing::Types<double, float, std::int64_t, std::uint64_t, std::int32_t, std::uint8_t>;
TYPED_TEST_SUITE(Hdf5TypedTest, ScalarTypes);

template <class T>
void expect_native_type(const RawDataset<T>& raw) {
  EXPECT_EQ(raw.type_size, sizeof(T));
  if constexpr (std::is_floating_point_v<T>) {
    EXPECT_EQ(raw.type_class, H5T_FLOAT);
  } else {
    EXPECT_EQ(raw.type_class, H5T_INTEGER);
    EXPECT_EQ(raw.sign, std::is_signed_v<T> ? H5T_SGN_2 : H5T_SGN_NONE);
  }
}

TYPED_TEST(Hdf5TypedTest, OneDimensionalRoundTripReadRaw) {
  using T = TypeParam;
  const auto path = this->file("one_d.h5");
  const auto data = sample_values<T>(17);
  {
    File f = File::create(path);
    const Dataset d = f.root().write("values", data);
    EXPECT_EQ(d.path(), "/values");
    EXPECT_EQ(d.dims(), std::vector<hsize_t>{17});
    EXPECT_EQ(d.template read<T>(), data);
  }
  const auto raw = raw_read<T>(path, "/values");
  EXPECT_EQ(raw.dims, std::vector<hsize_t>{17});
  expect_native_type(raw);
  EXPECT_EQ(raw.values, data);
}

TYPED_TEST(Hdf5TypedTest, TwoDimensionalRoundTripIsRowMajor) {
  using T = TypeParam;
  const auto path = this->file("two_d.h5");
  const auto data = sample_values<T>(6);  // 2 rows x 3 columns
  {
    File f = File::create(path);
    Group g = f.root().create_group("g");
    const Dataset d = g.write("m", data, {2, 3});
    EXPECT_EQ(d.path(), "/g/m");
    EXPECT_EQ(d.dims(), (std::vector<hsize_t>{2, 3}));
    f.close();
  }
  const auto raw = raw_read<T>(path, "/g/m");
  ASSERT_EQ(raw.dims, (std::vector<hsize_t>{2, 3}));
  expect_native_type(raw);
  EXPECT_EQ(raw.values, data);
  for (hsize_t r = 0; r < 2; ++r) {
    for (hsize_t c = 0; c < 3; ++c) {
      EXPECT_EQ(raw_element<T>(path, "/g/m", r, c), data[r * 3 + c]) << "element " << r << "," << c;
    }
  }
  // The layer's reader agrees with the raw one.
  const File f = File::open_read_only(path);
  EXPECT_EQ(f.root().read<T>("g/m"), data);
}

TEST_F(Hdf5Test, EmptyDatasetWithZeroDims) {
  const auto path = file("empty.h5");
  {
    File f = File::create(path);
    f.root().write("zero", std::vector<double>{}, {0});
    f.root().write("implicit", std::vector<std::int64_t>{});
    f.root().write("zero_rows", std::vector<std::uint8_t>{}, {0, 4});
    const Dataset d = f.root().open_dataset("zero");
    EXPECT_EQ(d.dims(), std::vector<hsize_t>{0});
    EXPECT_TRUE(d.read<double>().empty());
  }
  EXPECT_EQ(raw_read<double>(path, "/zero").dims, std::vector<hsize_t>{0});
  EXPECT_TRUE(raw_read<double>(path, "/zero").values.empty());
  EXPECT_EQ(raw_read<std::int64_t>(path, "/implicit").dims, std::vector<hsize_t>{0});
  EXPECT_EQ(raw_read<std::uint8_t>(path, "/zero_rows").dims, (std::vector<hsize_t>{0, 4}));
}

TEST_F(Hdf5Test, WriteWithWrongDimsThrows) {
  const auto path = file("wrong_dims.h5");
  File f = File::create(path);
  const std::vector<double> six(6, 1.0);
  const auto message = io_error_of([&] { f.root().write("bad", six, {4, 2}); });
  EXPECT_TRUE(contains(message, "/bad")) << message;
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_FALSE(f.root().exists("bad"));
  io_error_of([&] { f.root().write("bad0", six, {0}); });
  io_error_of([&] { f.root().write("bad1", std::vector<double>{}, {3}); });
  EXPECT_FALSE(f.root().exists("bad0"));
}

TEST_F(Hdf5Test, StringDatasetsAreVariableLengthUtf8) {
  const auto path = file("strings.h5");
  const std::vector<std::string> words = {"alpha", "", "γ-ray µ", std::string(300, 'x')};
  {
    File f = File::create(path);
    f.root().write_strings("words", words);
    f.root().write_strings("none", {});
    EXPECT_EQ(f.root().read_strings("words"), words);
    EXPECT_TRUE(f.root().read_strings("none").empty());
    io_error_of([&] { f.root().write_strings("nul", {std::string("a\0b", 3)}); });
  }
  const hid_t fid = must(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const hid_t d = must(H5Dopen2(fid, "words", H5P_DEFAULT), "H5Dopen2");
  const hid_t t = must(H5Dget_type(d), "H5Dget_type");
  EXPECT_EQ(H5Tget_class(t), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(t), 0);
  EXPECT_EQ(H5Tget_cset(t), H5T_CSET_UTF8);
  const hid_t m = H5Tcopy(H5T_C_S1);
  H5Tset_size(m, H5T_VARIABLE);
  H5Tset_cset(m, H5T_CSET_UTF8);
  std::vector<char*> raw(words.size(), nullptr);
  EXPECT_GE(H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), 0);
  for (std::size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(std::string(raw[i] != nullptr ? raw[i] : "<null>"), words[i]);
    H5free_memory(raw[i]);
  }
  H5Tclose(m);
  H5Tclose(t);
  H5Dclose(d);
  H5Fclose(fid);
}

TEST_F(Hdf5Test, ReadingWithAnIncompatibleTypeThrows) {
  const auto path = file("types.h5");
  File f = File::create(path);
  f.root().write_strings("words", {"a"});
  f.root().write("numbers", std::vector<double>{1.0});
  const auto message = io_error_of([&] { f.root().read<double>("words"); });
  EXPECT_TRUE(contains(message, "/words")) << message;
  io_error_of([&] { f.root().read_strings("numbers"); });
}

// ---- attributes ---------------------------------------------------------------------------

TEST_F(Hdf5Test, AttributesReadBackRaw) {
  const auto path = file("attributes.h5");
  {
    File f = File::create(path);
    Group g = f.root().create_group("run");
    Dataset d = g.write("x", std::vector<double>{1, 2, 3});
    for (nnsim::io::Object* o : std::initializer_list<nnsim::io::Object*>{&f.root(), &g, &d}) {
      o->set_attribute("label", "µ-test ✓");
      o->set_attribute("beta", 0.125);
      o->set_attribute("seed", std::int64_t{-9'007'199'254'740'993});  // not exact as a double
      o->set_attribute("alphas", std::vector<double>{0.1, 0.2, 0.3});
      o->set_attribute("code", std::string("v1"));
      o->set_attribute("code", std::string("v2"));  // replaces, does not fail
    }
    EXPECT_EQ(d.string_attribute("label"), "µ-test ✓");
    EXPECT_EQ(g.attribute<double>("beta"), 0.125);
    EXPECT_EQ(g.attribute<std::int64_t>("seed"), -9'007'199'254'740'993);
    EXPECT_EQ(f.root().vector_attribute<double>("alphas"), (std::vector<double>{0.1, 0.2, 0.3}));
    EXPECT_EQ(d.string_attribute("code"), "v2");
    EXPECT_TRUE(d.has_attribute("beta"));
    EXPECT_FALSE(d.has_attribute("gamma"));
    EXPECT_EQ(d.attribute_names(),
              (std::vector<std::string>{"alphas", "beta", "code", "label", "seed"}));
  }
  for (const std::string object : {"/", "/run", "/run/x"}) {
    SCOPED_TRACE(object);
    const auto label = raw_string_attribute(path, object, "label");
    EXPECT_TRUE(label.is_string);
    EXPECT_TRUE(label.is_variable);
    EXPECT_EQ(label.cset, H5T_CSET_UTF8);
    EXPECT_EQ(label.space_class, H5S_SCALAR);
    EXPECT_EQ(label.value, "µ-test ✓");
    EXPECT_EQ(raw_string_attribute(path, object, "code").value, "v2");

    const auto beta = raw_attribute<double>(path, object, "beta");
    EXPECT_EQ(beta.space_class, H5S_SCALAR);
    EXPECT_EQ(beta.type_class, H5T_FLOAT);
    EXPECT_EQ(beta.type_size, 8u);
    EXPECT_EQ(beta.values, std::vector<double>{0.125});

    const auto seed = raw_attribute<std::int64_t>(path, object, "seed");
    EXPECT_EQ(seed.space_class, H5S_SCALAR);
    EXPECT_EQ(seed.type_class, H5T_INTEGER);
    EXPECT_EQ(seed.type_size, 8u);
    EXPECT_EQ(seed.values, std::vector<std::int64_t>{-9'007'199'254'740'993});

    const auto alphas = raw_attribute<double>(path, object, "alphas");
    EXPECT_EQ(alphas.space_class, H5S_SIMPLE);
    EXPECT_EQ(alphas.dims, std::vector<hsize_t>{3});
    EXPECT_EQ(alphas.values, (std::vector<double>{0.1, 0.2, 0.3}));
  }
}

TEST_F(Hdf5Test, AttributeErrorsNameAttributeAndObject) {
  const auto path = file("attribute_errors.h5");
  File f = File::create(path);
  Group g = f.root().create_group("g");
  g.set_attribute("many", std::vector<double>{1, 2});
  g.set_attribute("number", 3.0);
  auto message = io_error_of([&] { g.attribute<double>("missing"); });
  EXPECT_TRUE(contains(message, "missing")) << message;
  EXPECT_TRUE(contains(message, "/g")) << message;
  EXPECT_TRUE(contains(message, path)) << message;
  message = io_error_of([&] { g.attribute<double>("many"); });
  EXPECT_TRUE(contains(message, "many")) << message;
  io_error_of([&] { g.string_attribute("number"); });
}

TEST_F(Hdf5Test, FixedLengthStringAttributesAreRead) {
  const auto path = file("fixed.h5");
  {
    // Written the way other tools (and h5py with numpy bytes) store strings: fixed length.
    const hid_t f =
        must(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
    const hid_t s = H5Screate(H5S_SCALAR);
    const struct {
      const char* name;
      H5T_str_t pad;
      const char* bytes;  // exactly 8 bytes
    } cases[] = {{"nullterm", H5T_STR_NULLTERM, "hello\0\0\0"},
                 {"nullpad", H5T_STR_NULLPAD, "hi\0\0\0\0\0\0"},
                 {"spacepad", H5T_STR_SPACEPAD, "abc     "},
                 {"full", H5T_STR_NULLPAD, "12345678"}};
    for (const auto& c : cases) {
      const hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, 8);
      H5Tset_strpad(t, c.pad);
      const hid_t a = must(H5Acreate2(f, c.name, t, s, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2");
      EXPECT_GE(H5Awrite(a, t, c.bytes), 0);
      H5Aclose(a);
      H5Tclose(t);
    }
    H5Sclose(s);
    H5Fclose(f);
  }
  const File f = File::open_read_only(path);
  EXPECT_EQ(f.root().string_attribute("nullterm"), "hello");
  EXPECT_EQ(f.root().string_attribute("nullpad"), "hi");
  EXPECT_EQ(f.root().string_attribute("spacepad"), "abc");
  EXPECT_EQ(f.root().string_attribute("full"), "12345678");
}

// ---- groups and paths ---------------------------------------------------------------------

TEST_F(Hdf5Test, RequireGroupCreatesIntermediatesAndExistsWalksPaths) {
  const auto path = file("groups.h5");
  {
    File f = File::create(path);
    Group& root = f.root();
    EXPECT_EQ(root.path(), "/");
    EXPECT_FALSE(root.exists("a"));
    EXPECT_FALSE(root.exists("a/b/c"));  // intermediate groups missing: false, not an error
    Group c = root.require_group("a/b/c");
    EXPECT_EQ(c.path(), "/a/b/c");
    EXPECT_TRUE(root.exists("a"));
    EXPECT_TRUE(root.exists("a/b"));
    EXPECT_TRUE(root.exists("a/b/c"));
    EXPECT_TRUE(root.exists("/a/b/c"));
    EXPECT_FALSE(root.exists("a/x/y"));
    EXPECT_FALSE(root.exists("a/b/c/d"));

    Group again = root.require_group("a/b/c");  // existing: opened, not an error
    EXPECT_EQ(again.path(), "/a/b/c");
    Group b = root.open_group("a/b");
    EXPECT_EQ(b.path(), "/a/b");
    EXPECT_TRUE(b.exists("c"));
    Group d = b.require_group("c/d");
    EXPECT_EQ(d.path(), "/a/b/c/d");
    EXPECT_EQ(b.create_group("e").path(), "/a/b/e");
    EXPECT_EQ(root.create_group("x").path(), "/x");

    c.write("data", std::vector<double>{1.0});
    EXPECT_TRUE(root.exists("a/b/c/data"));
    EXPECT_FALSE(root.exists("a/b/c/data/z"));  // a dataset holds no links
    io_error_of([&] { root.require_group("a/b/c/data"); });
    io_error_of([&] { root.create_group("a"); });  // already there
  }
  EXPECT_TRUE(raw_link_exists(path, "/a/b/c/d"));
  EXPECT_TRUE(raw_link_exists(path, "/a/b/e"));
  EXPECT_TRUE(raw_link_exists(path, "/x"));
}

// ---- files and errors ---------------------------------------------------------------------

TEST_F(Hdf5Test, CreateOnExistingFileWithoutTruncateThrowsNamingFile) {
  const auto path = file("exists.h5");
  { File::create(path).root().write("old", std::vector<double>{1.0}); }
  const auto message = io_error_of([&] { File::create(path); });
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(raw_link_exists(path, "/old"));  // untouched
  { File::create(path, /*truncate=*/true).root().write("new", std::vector<double>{2.0}); }
  EXPECT_FALSE(raw_link_exists(path, "/old"));
  EXPECT_TRUE(raw_link_exists(path, "/new"));
}

TEST_F(Hdf5Test, OpeningMissingFileThrowsNamingIt) {
  const auto path = file("missing.h5");
  const auto message = io_error_of([&] { File::open_read_only(path); });
  EXPECT_TRUE(contains(message, path)) << message;
  // The innermost HDF5 description carries the operating system's reason.
  EXPECT_TRUE(contains(message, "No such file or directory")) << message;
}

TEST_F(Hdf5Test, OpeningMissingDatasetThrowsNamingObjectPath) {
  const auto path = file("no_dataset.h5");
  File f = File::create(path);
  Group g = f.root().create_group("results");
  const auto message = io_error_of([&] { g.open_dataset("mean"); });
  EXPECT_TRUE(contains(message, "'/results/mean'")) << message;
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "open dataset")) << message;
  // Innermost error, not the outer "unable to open dataset" wrapper.
  EXPECT_FALSE(contains(message, "unable to open dataset")) << message;
  EXPECT_TRUE(contains(message, "exist")) << message;
  io_error_of([&] { g.open_group("nothing"); });
}

TEST_F(Hdf5Test, CloseReleasesEverythingAndFurtherUseFails) {
  const auto path = file("close.h5");
  File f = File::create(path);
  f.root().write("x", std::vector<double>{1.0});
  f.flush();
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 2);  // the file and its root group
  f.close();
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  f.close();  // idempotent
  io_error_of([&] { f.root().write("y", std::vector<double>{1.0}); });
  io_error_of([&] { f.flush(); });
  // Really closed: the file can be opened for writing again.
  const hid_t raw = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(raw, 0);
  H5Fclose(raw);
}

TEST_F(Hdf5Test, MovedFileStillWorks) {
  const auto path = file("moved.h5");
  File f = File::create(path);
  File g = std::move(f);
  g.root().write("x", std::vector<std::int32_t>{4, 5});
  g.close();
  EXPECT_EQ(raw_read<std::int32_t>(path, "/x").values, (std::vector<std::int32_t>{4, 5}));
}

TEST_F(Hdf5Test, HandleClosesEachKindOfIdentifier) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  const hid_t type = H5Tcopy(H5T_NATIVE_DOUBLE);
  ASSERT_GT(H5Iis_valid(space), 0);
  {
    nnsim::io::Handle a(space);
    nnsim::io::Handle b(plist);
    nnsim::io::Handle c(type);
    nnsim::io::Handle moved(std::move(c));
    EXPECT_FALSE(c.valid());
    EXPECT_TRUE(moved.valid());
    b = std::move(moved);  // closes the property list
    EXPECT_EQ(H5Iis_valid(plist), 0);
    EXPECT_GT(H5Iis_valid(type), 0);
  }
  EXPECT_EQ(H5Iis_valid(space), 0);
  EXPECT_EQ(H5Iis_valid(type), 0);
  nnsim::io::Handle stale(space);  // already closed: reset must not throw or crash
  stale.reset();
  EXPECT_FALSE(stale.valid());
}

// ---- dimension scales ---------------------------------------------------------------------

TEST_F(Hdf5Test, DimensionScaleIsAttached) {
  const auto path = file("scales.h5");
  {
    File f = File::create(path);
    Dataset alpha = f.root().write("alpha", std::vector<double>{0.1, 0.2, 0.3});
    Dataset data = f.root().write("data", std::vector<double>(6, 0.0), {2, 3});
    alpha.make_scale("alpha");
    data.attach_scale(alpha, 1);
    const auto message = io_error_of([&] { data.attach_scale(alpha, 5); });  // no dimension 5
    EXPECT_TRUE(contains(message, "/data")) << message;
  }
  const hid_t f = must(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen");
  const hid_t data = must(H5Dopen2(f, "data", H5P_DEFAULT), "H5Dopen2");
  const hid_t alpha = must(H5Dopen2(f, "alpha", H5P_DEFAULT), "H5Dopen2");
  EXPECT_GT(H5DSis_scale(alpha), 0);
  EXPECT_GT(H5DSis_attached(data, alpha, 1), 0);
  EXPECT_EQ(H5DSis_attached(data, alpha, 0), 0);
  char label[32] = {};
  EXPECT_GT(H5DSget_scale_name(alpha, label, sizeof label), 0);
  EXPECT_STREQ(label, "alpha");
  H5Dclose(alpha);
  H5Dclose(data);
  H5Fclose(f);
}

// ---- AtomicOutput -------------------------------------------------------------------------

TEST_F(Hdf5Test, AtomicOutputAppearsOnlyAtCommit) {
  const auto final_path = file("out.h5");
  AtomicOutput out(final_path, /*overwrite=*/false);
  EXPECT_EQ(out.final_path(), final_path);
  EXPECT_EQ(out.temporary_path(), final_path + ".tmp." + std::to_string(getpid()));
  EXPECT_FALSE(fs::exists(out.temporary_path()));  // the writability probe cleaned up
  {
    File f = File::create(out.temporary_path());
    f.root().write("x", std::vector<double>{1.0, 2.0});
  }
  EXPECT_FALSE(fs::exists(final_path));
  EXPECT_TRUE(fs::exists(out.temporary_path()));
  out.commit();
  EXPECT_TRUE(fs::exists(final_path));
  EXPECT_FALSE(fs::exists(out.temporary_path()));
  EXPECT_EQ(raw_read<double>(final_path, "/x").values, (std::vector<double>{1.0, 2.0}));
  io_error_of([&] { out.commit(); });  // only once
}

TEST_F(Hdf5Test, AtomicOutputWithoutCommitRemovesTemporary) {
  const auto final_path = file("abandoned.h5");
  std::string temporary;
  {
    AtomicOutput out(final_path, false);
    temporary = out.temporary_path();
    File::create(temporary).root().write("x", std::vector<double>{1.0});
    ASSERT_TRUE(fs::exists(temporary));
  }
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(final_path));
}

TEST_F(Hdf5Test, AtomicOutputRefusesExistingFileWithoutOverwrite) {
  const auto final_path = file("taken.h5");
  write_text(final_path, "precious");
  const auto message = io_error_of([&] { AtomicOutput out(final_path, false); });
  EXPECT_TRUE(contains(message, "--force")) << message;
  EXPECT_TRUE(contains(message, final_path)) << message;
  EXPECT_EQ(read_text(final_path), "precious");

  AtomicOutput out(final_path, /*overwrite=*/true);  // with --force: replaced at commit
  write_text(out.temporary_path(), "new");
  EXPECT_EQ(read_text(final_path), "precious");
  out.commit();
  EXPECT_EQ(read_text(final_path), "new");
}

TEST_F(Hdf5Test, AtomicOutputNeverReplacesFileThatAppearedMeanwhile) {
  const auto final_path = file("race.h5");
  AtomicOutput out(final_path, false);
  write_text(out.temporary_path(), "ours");
  write_text(final_path, "theirs");  // another job finished first
  const auto message = io_error_of([&] { out.commit(); });
  EXPECT_TRUE(contains(message, final_path)) << message;
  EXPECT_EQ(read_text(final_path), "theirs");
}

TEST_F(Hdf5Test, AtomicOutputRejectsMissingFolder) {
  const auto final_path = (dir_ / "no_such_folder" / "out.h5").string();
  const auto message = io_error_of([&] { AtomicOutput out(final_path, false); });
  EXPECT_TRUE(contains(message, final_path)) << message;
  EXPECT_TRUE(contains(message, "No such file or directory")) << message;
}

TEST_F(Hdf5Test, AtomicOutputRejectsFolderThatIsAFile) {
  write_text(dir_ / "plain_file", "x");
  const auto final_path = (dir_ / "plain_file" / "out.h5").string();
  const auto message = io_error_of([&] { AtomicOutput out(final_path, false); });
  EXPECT_TRUE(contains(message, final_path)) << message;
  EXPECT_TRUE(contains(message, "Not a directory")) << message;
}

TEST_F(Hdf5Test, AtomicOutputRejectsUnwritableFolder) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write to any folder";
  const auto folder = dir_ / "read_only";
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
  const auto final_path = (folder / "out.h5").string();
  const auto message = io_error_of([&] { AtomicOutput out(final_path, false); });
  fs::permissions(folder, fs::perms::owner_all);
  EXPECT_TRUE(contains(message, final_path)) << message;
  EXPECT_TRUE(contains(message, "Permission denied")) << message;
}

}  // namespace
