#include "io/hdf5.hpp"

#include <algorithm>

#include <fcntl.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <utility>

namespace nnsim::io {
namespace {

/// HDF5 pushes one record per library layer; the deepest one says what actually went wrong
/// ("No such file or directory", "object 'x' doesn't exist"), the outer ones only repeat
/// "unable to open". Walking downward, the last record seen is the innermost one.
herr_t keep_description(unsigned /*n*/, const H5E_error2_t* error, void* client_data) {
  if (error != nullptr && error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(client_data) = error->desc;
  }
  return 0;
}

/// Reads and clears the current error stack, so that a later message never shows stale records.
std::string innermost_hdf5_error() {
  std::string description;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_description, &description);
  H5Eclear2(H5E_DEFAULT);
  return description.empty() ? std::string("no details from HDF5") : description;
}

/// Must run right after the failed call: any further HDF5 API call clears the error stack.
[[noreturn]] void fail(const std::string& action, const std::string& where) {
  throw IoError("cannot " + action + " " + where + ": " + innermost_hdf5_error());
}

hid_t check_id(hid_t id, const std::string& action, const std::string& where) {
  if (id < 0) fail(action, where);
  return id;
}

void check(herr_t status, const std::string& action, const std::string& where) {
  if (status < 0) fail(action, where);
}

bool check_tri(htri_t result, const std::string& action, const std::string& where) {
  if (result < 0) fail(action, where);
  return result > 0;
}

Handle make_handle(hid_t id, const std::string& action, const std::string& where) {
  return Handle(check_id(id, action, where));
}

/// Silences HDF5 once per process, the first time a file is created or opened.
void ensure_silenced() {
  static std::once_flag once;
  std::call_once(once, silence_hdf5_errors);
}

std::string quoted_file(const std::string& path) { return "file '" + path + "'"; }

/// HDF5 path of `name` relative to the object at `base` ("/" + "x" -> "/x", "/a" + "x" -> "/a/x").
std::string join_path(const std::string& base, const std::string& name) {
  if (!name.empty() && name.front() == '/') return name;
  if (base.empty() || base.back() == '/') return base + name;
  return base + "/" + name;
}

template <Scalar T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>) {
    return H5T_NATIVE_DOUBLE;
  } else if constexpr (std::is_same_v<T, float>) {
    return H5T_NATIVE_FLOAT;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return H5T_NATIVE_INT64;
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return H5T_NATIVE_UINT64;
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    return H5T_NATIVE_INT32;
  } else {
    static_assert(std::is_same_v<T, std::uint8_t>);
    return H5T_NATIVE_UINT8;
  }
}

/// Variable-length UTF-8 strings: h5py returns these as `str`, not `bytes`.
Handle vlen_string_type(H5T_cset_t cset, const std::string& where) {
  Handle type = make_handle(H5Tcopy(H5T_C_S1), "copy string type for", where);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "set variable string size for", where);
  check(H5Tset_cset(type.get(), cset), "set string encoding for", where);
  return type;
}

/// Link and attribute names are stored as UTF-8 too, so non-ASCII names survive h5py.
Handle name_plist(hid_t plist_class, bool intermediate_groups, const std::string& where) {
  Handle plist = make_handle(H5Pcreate(plist_class), "create property list for", where);
  check(H5Pset_char_encoding(plist.get(), H5T_CSET_UTF8), "set name encoding for", where);
  if (intermediate_groups) {
    check(H5Pset_create_intermediate_group(plist.get(), 1), "enable intermediate groups for",
          where);
  }
  return plist;
}

/// HDF5 strings end at the first NUL, so a string holding one would be cut silently.
void reject_embedded_nul(const std::string& value, const std::string& where) {
  if (value.find('\0') != std::string::npos) {
    throw IoError("cannot write a string containing a NUL character to " + where);
  }
}

/// Number of elements of a dataspace (1 for a scalar space, 0 for a null space).
std::size_t element_count(hid_t space, const std::string& where) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail("count elements of", where);
  return static_cast<std::size_t>(n);
}

/// Frees the strings HDF5 allocated for a variable-length read, even if conversion throws.
struct VlenStrings {
  std::vector<char*> pointers;
  explicit VlenStrings(std::size_t n) : pointers(n, nullptr) {}
  VlenStrings(const VlenStrings&) = delete;
  VlenStrings& operator=(const VlenStrings&) = delete;
  ~VlenStrings() {
    for (char* p : pointers) {
      if (p != nullptr) H5free_memory(p);
    }
  }
};

/// Reads `count` strings of the stored type `file_type`, variable- or fixed-length, through
/// `read(memory_type, buffer)` (an H5Aread or H5Dread bound to its object).
template <class ReadFn>
std::vector<std::string> read_string_values(hid_t file_type, std::size_t count, ReadFn read,
                                            const std::string& where) {
  const H5T_class_t type_class = H5Tget_class(file_type);
  if (type_class == H5T_NO_CLASS) fail("get type class of", where);
  if (type_class != H5T_STRING)
    throw IoError("cannot read strings from " + where + ": it does not hold strings");
  const H5T_cset_t cset = H5Tget_cset(file_type);
  if (cset == H5T_CSET_ERROR) fail("get string encoding of", where);
  std::vector<std::string> values;
  values.reserve(count);
  if (check_tri(H5Tis_variable_str(file_type), "inspect string type of", where)) {
    const Handle memory_type = vlen_string_type(cset, where);
    VlenStrings buffer(count);
    if (count > 0)
      check(read(memory_type.get(), buffer.pointers.data()), "read strings from", where);
    for (const char* p : buffer.pointers) values.emplace_back(p != nullptr ? p : "");
    return values;
  }
  const std::size_t size = H5Tget_size(file_type);
  if (size == 0) fail("get string size of", where);
  const H5T_str_t padding = H5Tget_strpad(file_type);
  if (padding == H5T_STR_ERROR) fail("get string padding of", where);
  const Handle memory_type = make_handle(H5Tcopy(file_type), "copy string type of", where);
  std::vector<char> buffer(count * size);
  if (count > 0) check(read(memory_type.get(), buffer.data()), "read strings from", where);
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view text(buffer.data() + i * size, size);
    if (padding == H5T_STR_SPACEPAD) {
      const auto end = text.find_last_not_of(' ');
      text = end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
    } else {
      text = text.substr(0, text.find('\0'));  // NULLTERM and NULLPAD
    }
    values.emplace_back(text);
  }
  return values;
}

/// Collects attribute names for H5Aiterate2; no exception may cross the C library.
herr_t collect_name(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/, void* data) {
  try {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Handle

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
  }
  return *this;
}

void Handle::reset() noexcept {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  // Each kind of identifier has its own close function; an id that is no longer valid (its
  // file was closed with a strong close degree, or the library shut down) is left alone.
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      H5Fclose(id);
      break;
    case H5I_GROUP:
      H5Gclose(id);
      break;
    case H5I_DATASET:
      H5Dclose(id);
      break;
    case H5I_ATTR:
      H5Aclose(id);
      break;
    case H5I_DATASPACE:
      H5Sclose(id);
      break;
    case H5I_DATATYPE:
      H5Tclose(id);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id);
      break;
    case H5I_BADID:
      break;
    default:
      H5Idec_ref(id);
      break;
  }
}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// ---------------------------------------------------------------------------------------------
// Object: attributes

std::string Object::where(const std::string& child) const {
  const std::string path = child.empty() ? path_ : join_path(path_, child);
  return "object '" + path + "' in file '" + file_name_ + "'";
}

namespace {
std::string attribute_where(const std::string& name, const std::string& object_where) {
  return "attribute '" + name + "' of " + object_where;
}

/// Attributes are replaced rather than rejected: re-running a step may set them again.
Handle create_attribute(hid_t object, const std::string& name, hid_t type, hid_t space,
                        const std::string& where) {
  if (check_tri(H5Aexists(object, name.c_str()), "check", where)) {
    check(H5Adelete(object, name.c_str()), "replace", where);
  }
  const Handle acpl = name_plist(H5P_ATTRIBUTE_CREATE, false, where);
  return make_handle(H5Acreate2(object, name.c_str(), type, space, acpl.get(), H5P_DEFAULT),
                     "create", where);
}
}  // namespace

void Object::set_attribute(const std::string& name, const std::string& value) {
  const std::string at = attribute_where(name, where());
  reject_embedded_nul(value, at);
  const Handle type = vlen_string_type(H5T_CSET_UTF8, at);
  const Handle space = make_handle(H5Screate(H5S_SCALAR), "create dataspace for", at);
  const Handle attribute = create_attribute(id(), name, type.get(), space.get(), at);
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &text), "write", at);
}

template <Scalar T>
void Object::set_attribute(const std::string& name, T value) {
  const std::string at = attribute_where(name, where());
  const Handle space = make_handle(H5Screate(H5S_SCALAR), "create dataspace for", at);
  const Handle attribute = create_attribute(id(), name, native_type<T>(), space.get(), at);
  check(H5Awrite(attribute.get(), native_type<T>(), &value), "write", at);
}

template <Scalar T>
void Object::set_attribute(const std::string& name, const std::vector<T>& values) {
  const std::string at = attribute_where(name, where());
  const hsize_t size = values.size();
  const Handle space = make_handle(H5Screate_simple(1, &size, nullptr), "create dataspace for", at);
  const Handle attribute = create_attribute(id(), name, native_type<T>(), space.get(), at);
  if (!values.empty())
    check(H5Awrite(attribute.get(), native_type<T>(), values.data()), "write", at);
}

bool Object::has_attribute(const std::string& name) const {
  return check_tri(H5Aexists(id(), name.c_str()), "check", attribute_where(name, where()));
}

std::string Object::string_attribute(const std::string& name) const {
  const std::string at = attribute_where(name, where());
  const Handle attribute = make_handle(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "open", at);
  const Handle type = make_handle(H5Aget_type(attribute.get()), "get type of", at);
  const Handle space = make_handle(H5Aget_space(attribute.get()), "get dataspace of", at);
  const std::size_t count = element_count(space.get(), at);
  if (count != 1) {
    throw IoError("cannot read " + at + " as one string: it holds " + std::to_string(count) +
                  " values");
  }
  const hid_t attribute_id = attribute.get();
  auto values = read_string_values(
      type.get(), count,
      [attribute_id](hid_t memory_type, void* buffer) {
        return H5Aread(attribute_id, memory_type, buffer);
      },
      at);
  return std::move(values.front());
}

template <Scalar T>
T Object::attribute(const std::string& name) const {
  const std::string at = attribute_where(name, where());
  const Handle attribute = make_handle(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "open", at);
  const Handle space = make_handle(H5Aget_space(attribute.get()), "get dataspace of", at);
  const std::size_t count = element_count(space.get(), at);
  if (count != 1) {
    throw IoError("cannot read " + at + " as one value: it holds " + std::to_string(count) +
                  " values");
  }
  T value{};
  check(H5Aread(attribute.get(), native_type<T>(), &value), "read", at);
  return value;
}

template <Scalar T>
std::vector<T> Object::vector_attribute(const std::string& name) const {
  const std::string at = attribute_where(name, where());
  const Handle attribute = make_handle(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "open", at);
  const Handle space = make_handle(H5Aget_space(attribute.get()), "get dataspace of", at);
  std::vector<T> values(element_count(space.get(), at));
  if (!values.empty()) check(H5Aread(attribute.get(), native_type<T>(), values.data()), "read", at);
  return values;
}

std::vector<std::string> Object::attribute_names() const {
  std::vector<std::string> names;
  hsize_t index = 0;
  check(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names),
        "list attributes of", where());
  return names;
}

namespace {
ValueKind kind_of(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      if (H5Tget_sign(type) == H5T_SGN_NONE) return H5Tget_size(type) == 1 ? ValueKind::kByte : ValueKind::kUnsigned;
      return ValueKind::kSigned;
    case H5T_FLOAT: return ValueKind::kReal;
    case H5T_STRING: return ValueKind::kString;
    default: return ValueKind::kOther;
  }
}
}  // namespace

ValueKind Object::attribute_kind(const std::string& name) const {
  const std::string at = attribute_where(name, where());
  const Handle attribute = make_handle(H5Aopen(id(), name.c_str(), H5P_DEFAULT), "open", at);
  const Handle type = make_handle(H5Aget_type(attribute.get()), "get type of", at);
  return kind_of(type.get());
}

void Object::copy_scalar_attributes(const Object& from) {
  for (const auto& name : from.attribute_names()) {
    const std::string at = attribute_where(name, from.where());
    const Handle attribute = make_handle(H5Aopen(from.id(), name.c_str(), H5P_DEFAULT), "open", at);
    const Handle space = make_handle(H5Aget_space(attribute.get()), "get dataspace of", at);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) continue;
    switch (from.attribute_kind(name)) {
      case ValueKind::kString: set_attribute(name, from.string_attribute(name)); break;
      case ValueKind::kSigned: set_attribute(name, from.attribute<std::int64_t>(name)); break;
      case ValueKind::kUnsigned: set_attribute(name, from.attribute<std::uint64_t>(name)); break;
      case ValueKind::kByte: set_attribute(name, from.attribute<std::uint8_t>(name)); break;
      case ValueKind::kReal: set_attribute(name, from.attribute<double>(name)); break;
      case ValueKind::kOther: break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dataset

ValueKind Dataset::value_kind() const {
  const Handle type = make_handle(H5Dget_type(id()), "get type of", where());
  return kind_of(type.get());
}

std::vector<hsize_t> Dataset::dims() const {
  const Handle space = make_handle(H5Dget_space(id()), "get dataspace of", where());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("get rank of", where());
  std::vector<hsize_t> result(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), result.data(), nullptr) < 0) {
    fail("get dimensions of", where());
  }
  return result;
}

template <Scalar T>
std::vector<T> Dataset::read() const {
  const Handle space = make_handle(H5Dget_space(id()), "get dataspace of", where());
  std::vector<T> values(element_count(space.get(), where()));
  if (!values.empty()) {
    check(H5Dread(id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "read dataset", where());
  }
  return values;
}

void Dataset::make_scale(const std::string& label) {
  H5Eclear2(H5E_DEFAULT);
  check(H5DSset_scale(id(), label.c_str()), "make a dimension scale of", where());
}

void Dataset::attach_scale(const Dataset& scale, unsigned dim) {
  const std::string action =
      "attach scale '" + scale.path() + "' to dimension " + std::to_string(dim) + " of";
  // H5DSattach_scale reports a bad dimension without any HDF5 error record; say it ourselves.
  const std::size_t rank = dims().size();
  if (dim >= rank) {
    throw IoError("cannot " + action + " " + where() + ": it has " + std::to_string(rank) +
                  " dimension(s)");
  }
  H5Eclear2(H5E_DEFAULT);  // the high-level library does not always clear the stack itself
  check(H5DSattach_scale(id(), scale.id(), dim), action, where());
}

// ---------------------------------------------------------------------------------------------
// Group

Group Group::create_group(const std::string& name) {
  const std::string at = where(name);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, false, at);
  Handle group = make_handle(H5Gcreate2(id(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                             "create group", at);
  return Group(std::move(group), join_path(path_, name), file_name_);
}

Group Group::open_group(const std::string& name) const {
  Handle group = make_handle(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), "open group", where(name));
  return Group(std::move(group), join_path(path_, name), file_name_);
}

Group Group::require_group(const std::string& name) {
  if (exists(name)) return open_group(name);
  const std::string at = where(name);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, true, at);
  Handle group = make_handle(H5Gcreate2(id(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                             "create group", at);
  return Group(std::move(group), join_path(path_, name), file_name_);
}

bool Group::exists(const std::string& name) const {
  // H5Lexists("a/b/c") fails instead of answering when "a" is missing, so walk the path one
  // component at a time; intermediate components must be groups to hold the next one.
  std::string prefix = !name.empty() && name.front() == '/' ? "/" : "";
  std::size_t begin = 0;
  bool any = false;
  while (begin <= name.size()) {
    std::size_t end = name.find('/', begin);
    if (end == std::string::npos) end = name.size();
    const std::string component = name.substr(begin, end - begin);
    begin = end + 1;
    if (component.empty() || component == ".") continue;
    if (any) {
      const std::string at = where(prefix);
      if (!check_tri(H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT), "check", at))
        return false;
      const Handle object = make_handle(H5Oopen(id(), prefix.c_str(), H5P_DEFAULT), "open", at);
      if (H5Iget_type(object.get()) != H5I_GROUP) return false;
    }
    prefix = join_path(prefix, component);
    if (!check_tri(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), "check link", where(prefix))) {
      return false;
    }
    any = true;
  }
  return any || !name.empty();  // "/" or "." name the group itself
}

Dataset Group::write_rows(const std::string& name, const double* data, hsize_t rows, hsize_t row_stride,
                          hsize_t column, hsize_t width, const std::vector<std::pair<hsize_t, hsize_t>>& row_runs,
                          std::vector<hsize_t> dims) {
  const std::string at = where(name);
  hsize_t selected = 0;
  hsize_t previous_end = 0;
  for (const auto& [first, end] : row_runs) {
    if (first >= end || end > rows || first < previous_end) {
      throw IoError("cannot write dataset " + at + ": row ranges are not ascending, disjoint and inside the matrix");
    }
    previous_end = end;
    selected += end - first;
  }
  hsize_t product = 1;
  for (const hsize_t d : dims) product *= d;
  if (column + width > row_stride || product != selected * width) {
    throw IoError("cannot write dataset " + at + ": the selection does not fill its shape");
  }
  const Handle file_space =
      make_handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                  "create dataspace for dataset", at);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, false, at);
  Handle dataset = make_handle(H5Dcreate2(id(), name.c_str(), H5T_NATIVE_DOUBLE, file_space.get(), lcpl.get(),
                                          H5P_DEFAULT, H5P_DEFAULT),
                               "create dataset", at);
  if (selected == 0 || width == 0) return Dataset(std::move(dataset), join_path(path_, name), file_name_);
  const hsize_t memory_dims[2] = {rows, row_stride};
  const Handle memory_space = make_handle(H5Screate_simple(2, memory_dims, nullptr), "create memory space for", at);
  if (row_runs.size() == 1) {
    // One block of rows: HDF5 reads the columns straight from the matrix.
    const hsize_t start[2] = {row_runs[0].first, column};
    const hsize_t count[2] = {row_runs[0].second - row_runs[0].first, width};
    check(H5Sselect_hyperslab(memory_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
          "select rows in memory for", at);
    check(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), H5S_ALL, H5P_DEFAULT, data), "write", at);
  } else {
    // Many runs (a checkpoint of scattered done tasks): a union of thousands of hyperslabs is
    // slow in HDF5 (measured: 85 s for 26,000 runs of 1000 values), so the rows go through a
    // staging buffer of at most 8 MB, written as consecutive rows of a 2-D dataset.
    if (dims.size() != 2 || dims[1] != width) {
      throw IoError("cannot write dataset " + at + ": scattered rows need a [rows, width] dataset");
    }
    const hsize_t batch_rows = std::max<hsize_t>(1, (hsize_t{1} << 20) / width);
    std::vector<double> staging(static_cast<std::size_t>(std::min(batch_rows, selected) * width));
    hsize_t staged = 0, written = 0;
    auto flush = [&] {
      if (staged == 0) return;
      const hsize_t file_start[2] = {written, 0};
      const hsize_t file_count[2] = {staged, width};
      const Handle file_selection = make_handle(H5Dget_space(dataset.get()), "get dataspace of", at);
      check(H5Sselect_hyperslab(file_selection.get(), H5S_SELECT_SET, file_start, nullptr, file_count, nullptr),
            "select rows of", at);
      const Handle staging_space = make_handle(H5Screate_simple(2, file_count, nullptr), "create memory space for", at);
      check(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, staging_space.get(), file_selection.get(), H5P_DEFAULT,
                     staging.data()),
            "write", at);
      written += staged;
      staged = 0;
    };
    for (const auto& [first, end] : row_runs) {
      for (hsize_t r = first; r < end; ++r) {
        std::copy_n(data + r * row_stride + column, width, staging.data() + staged * width);
        if (++staged == batch_rows) flush();
      }
    }
    flush();
  }
  return Dataset(std::move(dataset), join_path(path_, name), file_name_);
}

template <Scalar T>
Dataset Group::write(const std::string& name, const std::vector<T>& data,
                     std::vector<hsize_t> dims) {
  const std::string at = where(name);
  if (dims.empty()) dims.push_back(data.size());
  hsize_t product = 1;
  bool overflow = false;
  for (const hsize_t d : dims) {
    if (d != 0 && product > static_cast<hsize_t>(-1) / d) overflow = true;
    product *= d;
  }
  if (overflow || product != data.size()) {
    std::string shape;
    for (const hsize_t d : dims) {
      if (!shape.empty()) shape += 'x';
      shape += std::to_string(d);
    }
    throw IoError("cannot write dataset " + at + ": shape " + shape + " does not hold " +
                  std::to_string(data.size()) + " elements");
  }
  const Handle space =
      make_handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                  "create dataspace for dataset", at);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, false, at);
  Handle dataset = make_handle(H5Dcreate2(id(), name.c_str(), native_type<T>(), space.get(),
                                          lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                               "create dataset", at);
  if (!data.empty()) {
    check(H5Dwrite(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
          "write dataset", at);
  }
  return Dataset(std::move(dataset), join_path(path_, name), file_name_);
}

template <Scalar T>
Dataset Group::write_scalar(const std::string& name, T value) {
  const std::string at = where(name);
  const Handle space = make_handle(H5Screate(H5S_SCALAR), "create dataspace for dataset", at);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, false, at);
  Handle dataset = make_handle(H5Dcreate2(id(), name.c_str(), native_type<T>(), space.get(),
                                          lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                               "create dataset", at);
  check(H5Dwrite(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), "write dataset", at);
  return Dataset(std::move(dataset), join_path(path_, name), file_name_);
}

Dataset Group::write_strings(const std::string& name, const std::vector<std::string>& data) {
  const std::string at = where(name);
  std::vector<const char*> pointers;
  pointers.reserve(data.size());
  for (const auto& value : data) {
    reject_embedded_nul(value, "dataset " + at);
    pointers.push_back(value.c_str());
  }
  const hsize_t size = data.size();
  const Handle type = vlen_string_type(H5T_CSET_UTF8, at);
  const Handle space =
      make_handle(H5Screate_simple(1, &size, nullptr), "create dataspace for dataset", at);
  const Handle lcpl = name_plist(H5P_LINK_CREATE, false, at);
  Handle dataset = make_handle(
      H5Dcreate2(id(), name.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
      "create dataset", at);
  if (!data.empty()) {
    check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
          "write dataset", at);
  }
  return Dataset(std::move(dataset), join_path(path_, name), file_name_);
}

Dataset Group::open_dataset(const std::string& name) const {
  Handle dataset =
      make_handle(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), "open dataset", where(name));
  return Dataset(std::move(dataset), join_path(path_, name), file_name_);
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const Dataset dataset = open_dataset(name);
  const std::string at = "dataset " + where(name);
  const Handle type = make_handle(H5Dget_type(dataset.id()), "get type of", at);
  const Handle space = make_handle(H5Dget_space(dataset.id()), "get dataspace of", at);
  const hid_t dataset_id = dataset.id();
  return read_string_values(
      type.get(), element_count(space.get(), at),
      [dataset_id](hid_t memory_type, void* buffer) {
        return H5Dread(dataset_id, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      },
      at);
}

// ---------------------------------------------------------------------------------------------
// File

namespace {
Handle open_root(hid_t file, const std::string& path) {
  return make_handle(H5Gopen2(file, "/", H5P_DEFAULT), "open root group of", quoted_file(path));
}
}  // namespace

File::File(Handle handle, std::string path)
    : path_(std::move(path)),
      root_(open_root(handle.get(), path_), "/", path_),
      file_(std::move(handle)) {}

File File::create(const std::string& path, bool truncate) {
  ensure_silenced();
  const unsigned flags = truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL;
  Handle file = make_handle(H5Fcreate(path.c_str(), flags, H5P_DEFAULT, H5P_DEFAULT), "create HDF5",
                            quoted_file(path));
  return File(std::move(file), path);
}

File File::open_read_only(const std::string& path) {
  ensure_silenced();
  Handle file = make_handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open HDF5",
                            quoted_file(path));
  return File(std::move(file), path);
}

void File::flush() {
  check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "flush HDF5", quoted_file(path_));
}

void File::close() {
  if (!file_.valid()) return;  // closing twice is harmless
  // Flush explicitly so that a write error (disk full) is reported; Handle::reset cannot.
  std::exception_ptr error;
  unsigned intent = 0;
  if (H5Fget_intent(file_.get(), &intent) >= 0 && (intent & H5F_ACC_RDWR) != 0) {
    try {
      flush();
    } catch (...) {
      error = std::current_exception();
    }
  }
  root_.handle_.reset();
  file_.reset();
  if (error) std::rethrow_exception(error);
}

// ---------------------------------------------------------------------------------------------
// AtomicOutput

AtomicOutput::AtomicOutput(std::string final_path, bool overwrite)
    : final_path_(std::move(final_path)),
      temporary_path_(final_path_ + ".tmp." + std::to_string(getpid())),
      overwrite_(overwrite) {
  struct stat info {};
  if (::lstat(final_path_.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw IoError("output path '" + final_path_ + "' is a directory");
    if (!overwrite_)
      throw IoError("output file '" + final_path_ + "' exists; pass --force to overwrite it");
  }
  // Creating the temporary file is the only reliable test that the folder exists and accepts
  // new files (access() ignores read-only mounts and ACLs); fail now, not after the run.
  const int fd = ::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int error = errno;
    std::string folder = std::filesystem::path(final_path_).parent_path().string();
    if (folder.empty()) folder = ".";
    throw IoError("cannot write output file '" + final_path_ + "': cannot create '" +
                  temporary_path_ + "' in folder '" + folder + "': " + errno_text(error));
  }
  ::close(fd);
  ::unlink(temporary_path_.c_str());
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) ::unlink(temporary_path_.c_str());
}

void AtomicOutput::commit() {
  if (committed_) throw IoError("output file '" + final_path_ + "' was already committed");
  if (overwrite_) {
    if (std::rename(temporary_path_.c_str(), final_path_.c_str()) != 0) {
      const int error = errno;
      throw IoError("cannot rename '" + temporary_path_ + "' to '" + final_path_ +
                    "': " + errno_text(error));
    }
  } else {
    // link() fails with EEXIST instead of replacing, so a file that appeared under the final
    // name while we ran (another job) is never destroyed.
    if (::link(temporary_path_.c_str(), final_path_.c_str()) != 0) {
      const int error = errno;
      if (error == EEXIST) {
        throw IoError("output file '" + final_path_ +
                      "' appeared while running; not replaced (pass --force to overwrite it)");
      }
      throw IoError("cannot link '" + temporary_path_ + "' to '" + final_path_ +
                    "': " + errno_text(error));
    }
    ::unlink(temporary_path_.c_str());
  }
  committed_ = true;
}

// ---------------------------------------------------------------------------------------------
// Explicit instantiations for every Scalar type

#define NNSIM_IO_INSTANTIATE(T)                                                      \
  template void Object::set_attribute<T>(const std::string&, T);                     \
  template void Object::set_attribute<T>(const std::string&, const std::vector<T>&); \
  template T Object::attribute<T>(const std::string&) const;                         \
  template std::vector<T> Object::vector_attribute<T>(const std::string&) const;     \
  template std::vector<T> Dataset::read<T>() const;                                  \
  template Dataset Group::write<T>(const std::string&, const std::vector<T>&, std::vector<hsize_t>); \
  template Dataset Group::write_scalar<T>(const std::string&, T);

NNSIM_IO_INSTANTIATE(double)
NNSIM_IO_INSTANTIATE(float)
NNSIM_IO_INSTANTIATE(std::int64_t)
NNSIM_IO_INSTANTIATE(std::uint64_t)
NNSIM_IO_INSTANTIATE(std::int32_t)
NNSIM_IO_INSTANTIATE(std::uint8_t)

#undef NNSIM_IO_INSTANTIATE

}  // namespace nnsim::io
