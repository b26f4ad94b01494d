#pragma once
// A thin RAII layer over the HDF5 C API. Every C call is checked; a failure becomes an
// nnsim::io::IoError whose message names the file, the object and the innermost HDF5 error.
// Handles close themselves (all of them must be gone before MPI_Finalize).

#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace nnsim::io {

class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Owns one HDF5 identifier and closes it with the matching H5?close function.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// Element types the layer reads and writes.
template <class T>
concept Scalar = std::is_same_v<T, double> || std::is_same_v<T, float> ||
                 std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
                 std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint8_t>;

/// What kind of values an attribute or dataset holds (HDF5 type class, sign and size).
enum class ValueKind { kSigned, kUnsigned, kByte, kReal, kString, kOther };

/// Anything that can carry attributes (file root, group, dataset).
class Object {
 public:
  hid_t id() const { return handle_.get(); }
  /// Full HDF5 path of the object ("/results/x/mean") and the file it lives in, for messages.
  const std::string& path() const { return path_; }
  const std::string& file_name() const { return file_name_; }

  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, const char* value) { set_attribute(name, std::string(value)); }
  template <Scalar T> void set_attribute(const std::string& name, T value);
  template <Scalar T> void set_attribute(const std::string& name, const std::vector<T>& values);

  bool has_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  template <Scalar T> T attribute(const std::string& name) const;
  template <Scalar T> std::vector<T> vector_attribute(const std::string& name) const;
  std::vector<std::string> attribute_names() const;
  /// kByte is an unsigned 8-bit integer (how booleans are stored).
  ValueKind attribute_kind(const std::string& name) const;
  /// Copies every scalar attribute of `from` (strings, integers, reals) onto this object,
  /// replacing same-named ones; others (arrays, references) are left out.
  void copy_scalar_attributes(const Object& from);

 protected:
  Object(Handle handle, std::string path, std::string file_name)
      : handle_(std::move(handle)), path_(std::move(path)), file_name_(std::move(file_name)) {}
  std::string where(const std::string& child = "") const;  // "object '/a/b' in file 'x.h5'"
  Handle handle_;
  std::string path_;
  std::string file_name_;
};

class Dataset : public Object {
 public:
  std::vector<hsize_t> dims() const;
  ValueKind value_kind() const;
  /// Reads the whole dataset (converted to T by HDF5) in row-major order.
  template <Scalar T> std::vector<T> read() const;
  /// Marks this dataset as a dimension scale (H5DSset_scale) with the given label.
  void make_scale(const std::string& label);
  /// Attaches `scale` to dimension `dim` of this dataset (H5DSattach_scale).
  void attach_scale(const Dataset& scale, unsigned dim);

 private:
  friend class Group;
  using Object::Object;
};

class Group : public Object {
 public:
  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  /// Creates intermediate groups as needed ("results/x" creates "results" if missing).
  Group require_group(const std::string& name);
  bool exists(const std::string& name) const;  // link exists (relative path, may be nested)

  /// Writes a new dataset of shape `dims` (row-major, product(dims) == data.size()).
  /// An empty `dims` means one dimension of data.size() elements.
  template <Scalar T>
  Dataset write(const std::string& name, const std::vector<T>& data, std::vector<hsize_t> dims = {});
  /// Writes a new float64 dataset of shape `dims` from a selection of a row-major matrix in
  /// memory, without copying it: columns [column, column + width) of the rows in `row_runs`
  /// (half-open [first, end) ranges, ascending and disjoint) of the rows x row_stride matrix at
  /// `data`, in row-major order. product(dims) must equal (rows selected) x width.
  Dataset write_rows(const std::string& name, const double* data, hsize_t rows, hsize_t row_stride,
                     hsize_t column, hsize_t width, const std::vector<std::pair<hsize_t, hsize_t>>& row_runs,
                     std::vector<hsize_t> dims);
  /// A scalar dataset (rank 0: h5py reads it with d[()]).
  template <Scalar T>
  Dataset write_scalar(const std::string& name, T value);
  /// Variable-length UTF-8 strings, one dimension.
  Dataset write_strings(const std::string& name, const std::vector<std::string>& data);

  Dataset open_dataset(const std::string& name) const;
  template <Scalar T> std::vector<T> read(const std::string& name) const {
    return open_dataset(name).read<T>();
  }
  std::vector<std::string> read_strings(const std::string& name) const;

 private:
  friend class File;
  using Object::Object;
};

/// An HDF5 file opened by one process (the serial sec2 driver; rank 0 writes).
class File {
 public:
  /// Creates a new file; fails if `path` exists unless `truncate` is true.
  static File create(const std::string& path, bool truncate = false);
  static File open_read_only(const std::string& path);
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  /// Closes the file; errors here are swallowed, so call close() to see a failed flush.
  ~File() {
    try {
      close();
    } catch (...) {
    }
  }
  Group& root() { return root_; }
  const Group& root() const { return root_; }
  const std::string& path() const { return path_; }
  void flush();
  /// Closes every handle of the file; further use is an error. Called by the destructor too.
  void close();

 private:
  File(Handle handle, std::string path);
  std::string path_;
  Group root_;
  Handle file_;
};

/// Writes go to a temporary name beside `final_path`; commit() renames it into place
/// atomically. Without commit() the destructor removes the temporary file, so a failed or
/// interrupted run never leaves a half-written output under the final name.
class AtomicOutput {
 public:
  /// Throws IoError if `final_path` exists and `overwrite` is false, or if its folder is
  /// missing or not writable (checked by actually creating the temporary file).
  AtomicOutput(std::string final_path, bool overwrite);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();
  const std::string& temporary_path() const { return temporary_path_; }
  const std::string& final_path() const { return final_path_; }
  /// Renames the temporary file to the final name (replacing it when overwrite was given).
  void commit();

 private:
  std::string final_path_;
  std::string temporary_path_;
  bool overwrite_;
  bool committed_ = false;
};

/// Turns off HDF5's automatic error printing for this process (the layer reports instead).
void silence_hdf5_errors();

}  // namespace nnsim::io
