//===- OnnxProto.cpp - ONNX protobuf <-> Kiln tensors and types -----------===//
#include "OnnxProto.h"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace kiln::onnxfe {

namespace fs = std::filesystem;
using onnx::TensorProto;

std::string normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

std::string onnxDataTypeName(int dataType) {
  switch (dataType) {
  case TensorProto::FLOAT:
    return "float";
  case TensorProto::UINT8:
    return "uint8";
  case TensorProto::INT8:
    return "int8";
  case TensorProto::UINT16:
    return "uint16";
  case TensorProto::INT16:
    return "int16";
  case TensorProto::INT32:
    return "int32";
  case TensorProto::INT64:
    return "int64";
  case TensorProto::STRING:
    return "string";
  case TensorProto::BOOL:
    return "bool";
  case TensorProto::FLOAT16:
    return "float16";
  case TensorProto::DOUBLE:
    return "double";
  case TensorProto::UINT32:
    return "uint32";
  case TensorProto::UINT64:
    return "uint64";
  case TensorProto::COMPLEX64:
    return "complex64";
  case TensorProto::COMPLEX128:
    return "complex128";
  case TensorProto::BFLOAT16:
    return "bfloat16";
  case TensorProto::UNDEFINED:
    return "undefined";
  }
  return fmt::format("data type {}", dataType);
}

ElementType elementTypeFromOnnx(int dataType, const std::string &what) {
  if (dataType == TensorProto::STRING)
    fail("{}: string tensors are not supported (unsupported type "
         "tensor(string))",
         what);
  std::optional<ElementType> e = fromOnnxDataType(dataType);
  if (!e)
    fail("unsupported type tensor({}) of {}", onnxDataTypeName(dataType), what);
  return *e;
}

std::string typeProtoStr(const onnx::TypeProto &type) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType:
    return "tensor(" + onnxDataTypeName(type.tensor_type().elem_type()) + ")";
  case onnx::TypeProto::kSparseTensorType:
    return "sparse_tensor(" +
           onnxDataTypeName(type.sparse_tensor_type().elem_type()) + ")";
  case onnx::TypeProto::kSequenceType:
    return "seq(" + typeProtoStr(type.sequence_type().elem_type()) + ")";
  case onnx::TypeProto::kMapType:
    return "map(" + onnxDataTypeName(type.map_type().key_type()) + ", " +
           typeProtoStr(type.map_type().value_type()) + ")";
  case onnx::TypeProto::kOptionalType:
    return "optional(" + typeProtoStr(type.optional_type().elem_type()) + ")";
  default:
    return "unknown";
  }
}

std::optional<TensorType> tensorTypeFromProto(const onnx::TypeProto &type,
                                              const std::string &what) {
  if (type.value_case() == onnx::TypeProto::VALUE_NOT_SET)
    return std::nullopt;
  if (type.value_case() != onnx::TypeProto::kTensorType)
    fail("unsupported type {} of {}", typeProtoStr(type), what);
  const auto &tt = type.tensor_type();
  if (tt.elem_type() == TensorProto::UNDEFINED)
    return std::nullopt;
  if (tt.elem_type() == TensorProto::STRING)
    fail("unsupported type tensor(string) of {}: string tensors are not "
         "supported",
         what);
  ElementType elem = elementTypeFromOnnx(tt.elem_type(), what);
  if (!tt.has_shape())
    return TensorType::unranked(elem);
  std::vector<Dim> dims;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value()) {
      check(d.dim_value() >= 0, "{} has a negative dimension {}", what,
            d.dim_value());
      check(d.dim_value() <= MaxDimSize,
            "{} has a dimension {} that is too "
            "large (the limit is 2^40)",
            what, d.dim_value());
      dims.push_back(Dim(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      dims.push_back(Dim::symbol(d.dim_param()));
    } else {
      dims.push_back(Dim::unknown());
    }
  }
  return TensorType(elem, std::move(dims));
}

onnx::TypeProto typeProtoFromTensorType(const TensorType &type) {
  onnx::TypeProto p;
  auto *tt = p.mutable_tensor_type();
  tt->set_elem_type(toOnnxDataType(type.elementType()));
  if (!type.isRanked())
    return p;
  auto *shape = tt->mutable_shape();
  for (const Dim &d : type.dims()) {
    auto *pd = shape->add_dim();
    if (d.isStatic())
      pd->set_dim_value(d.size());
    else if (d.isSymbol())
      pd->set_dim_param(d.symbolName());
  }
  return p;
}

bool parseProtoQuietly(google::protobuf::MessageLite &msg,
                       const std::string &bytes) {
  google::protobuf::LogSilencer silence;
  return msg.ParseFromString(bytes);
}

namespace {

int64_t parseIntKey(const std::string &text, const std::string &key,
                    const std::string &what) {
  check(!text.empty() && text.size() <= 18 &&
            std::all_of(text.begin(), text.end(),
                        [](char c) { return c >= '0' && c <= '9'; }),
        "{}: external data {} '{}' is not a non-negative integer", what, key,
        text);
  return std::stoll(text);
}

// True if `path` lies inside `dir` (both already canonical).
bool isInside(const fs::path &path, const fs::path &dir) {
  auto [d, p] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return d == dir.end();
}

// Reads `expectedBytes` bytes of external data described by the proto.
std::string readExternalData(const TensorProto &proto,
                             const std::string &baseDir,
                             const std::string &what, size_t expectedBytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : proto.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = parseIntKey(kv.value(), "offset", what);
    else if (kv.key() == "length")
      length = parseIntKey(kv.value(), "length", what);
  }
  check(!location.empty(), "{}: external data has no 'location'", what);
  fs::path rel(location);
  check(!rel.is_absolute(),
        "{}: external data location '{}' must be relative to the model "
        "directory",
        what, location);
  std::error_code ec;
  fs::path base =
      fs::weakly_canonical(fs::path(baseDir.empty() ? "." : baseDir), ec);
  check(!ec, "{}: cannot resolve model directory '{}'", what, baseDir);
  fs::path full = fs::weakly_canonical(base / rel, ec);
  check(!ec && isInside(full, base),
        "{}: external data location '{}' escapes the model directory", what,
        location);
  fs::file_status st = fs::status(full, ec);
  check(!ec && fs::exists(st), "{}: external data file '{}' not found in '{}'",
        what, location, base.string());
  check(fs::is_regular_file(st), "{}: external data '{}' is not a file", what,
        location);
  uintmax_t fileSize = fs::file_size(full, ec);
  check(!ec, "{}: cannot read external data file '{}'", what, location);
  if (length < 0)
    length = int64_t(expectedBytes);
  check(uintmax_t(offset) <= fileSize &&
            uintmax_t(length) <= fileSize - uintmax_t(offset),
        "{}: external data range [{}, {}) is outside file '{}' of {} bytes",
        what, offset, offset + length, location, fileSize);
  check(size_t(length) == expectedBytes,
        "{}: external data has {} bytes, but the shape needs {}", what, length,
        expectedBytes);
  std::ifstream in(full, std::ios::binary);
  check(bool(in), "{}: cannot open external data file '{}'", what, location);
  std::string data(size_t(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  check(bool(in), "{}: cannot read {} bytes at offset {} of '{}'", what, length,
        offset, location);
  return data;
}

template <typename T, typename Field>
void copyTyped(Tensor &t, const Field &field, const std::string &what,
               const char *fieldName) {
  check(int64_t(field.size()) == t.numElements(),
        "{}: {} has {} values, but shape {} needs {}", what, fieldName,
        field.size(), shapeStr(t.shape()), t.numElements());
  T *out = t.data<T>();
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = T(field.Get(int(i)));
}

// Float16/bfloat16 are stored as bit patterns in int32_data.
template <typename T>
void copyHalfBits(Tensor &t, const google::protobuf::RepeatedField<int32_t> &f,
                  const std::string &what) {
  check(int64_t(f.size()) == t.numElements(),
        "{}: int32_data has {} values, but shape {} needs {}", what, f.size(),
        shapeStr(t.shape()), t.numElements());
  T *out = t.data<T>();
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = T::fromBits(uint16_t(f.Get(int(i))));
}

void copyRaw(Tensor &t, const std::string &raw, const std::string &what) {
  size_t expected = t.byteSize();
  check(raw.size() == expected,
        "{}: raw data has {} bytes, but shape {} of {} needs {}", what,
        raw.size(), shapeStr(t.shape()), toString(t.elementType()), expected);
  if (expected == 0)
    return;
  // Kiln only runs on little-endian hosts, like ONNX's raw_data encoding.
  std::memcpy(t.rawData(), raw.data(), expected);
  if (t.elementType() == ElementType::Bool) {
    uint8_t *b = t.rawData();
    for (size_t i = 0; i < expected; ++i)
      b[i] = b[i] != 0;
  }
}

void copyTypedData(Tensor &t, const TensorProto &p, const std::string &what) {
  switch (t.elementType()) {
  case ElementType::F32:
    return copyTyped<float>(t, p.float_data(), what, "float_data");
  case ElementType::F64:
    return copyTyped<double>(t, p.double_data(), what, "double_data");
  case ElementType::I64:
    return copyTyped<int64_t>(t, p.int64_data(), what, "int64_data");
  case ElementType::U32:
    return copyTyped<uint32_t>(t, p.uint64_data(), what, "uint64_data");
  case ElementType::U64:
    return copyTyped<uint64_t>(t, p.uint64_data(), what, "uint64_data");
  case ElementType::I32:
    return copyTyped<int32_t>(t, p.int32_data(), what, "int32_data");
  case ElementType::I16:
    return copyTyped<int16_t>(t, p.int32_data(), what, "int32_data");
  case ElementType::U16:
    return copyTyped<uint16_t>(t, p.int32_data(), what, "int32_data");
  case ElementType::I8:
    return copyTyped<int8_t>(t, p.int32_data(), what, "int32_data");
  case ElementType::U8:
    return copyTyped<uint8_t>(t, p.int32_data(), what, "int32_data");
  case ElementType::Bool: {
    check(int64_t(p.int32_data_size()) == t.numElements(),
          "{}: int32_data has {} values, but shape {} needs {}", what,
          p.int32_data_size(), shapeStr(t.shape()), t.numElements());
    bool *out = t.data<bool>();
    for (int64_t i = 0; i < t.numElements(); ++i)
      out[i] = p.int32_data(int(i)) != 0;
    return;
  }
  case ElementType::F16:
    return copyHalfBits<Half>(t, p.int32_data(), what);
  case ElementType::BF16:
    return copyHalfBits<BFloat16>(t, p.int32_data(), what);
  }
}

} // namespace

void validateTensorProto(const TensorProto &proto, const std::string &what) {
  if (proto.data_type() == TensorProto::STRING)
    return; // rejected when decoded, after unsupported ops are listed
  ElementType elem = elementTypeFromOnnx(proto.data_type(), what);
  check(!proto.has_segment(), "{}: segmented tensors are not supported", what);
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    check(d >= 0, "{}: negative dimension {} in shape {}", what, d,
          shapeStr(shape));
  int64_t n = 0;
  try {
    n = checkedNumElements(shape);
  } catch (const Error &e) {
    fail("{}: {}", what, e.what());
  }
  if (proto.data_location() == TensorProto::EXTERNAL)
    return; // checked when it is read
  if (proto.has_raw_data()) {
    size_t expected = size_t(n) * byteSize(elem);
    check(proto.raw_data().size() == expected,
          "{}: raw data has {} bytes, but shape {} of {} needs {}", what,
          proto.raw_data().size(), shapeStr(shape), toString(elem), expected);
    return;
  }
  int count = 0;
  const char *field = "int32_data";
  switch (elem) {
  case ElementType::F32:
    count = proto.float_data_size();
    field = "float_data";
    break;
  case ElementType::F64:
    count = proto.double_data_size();
    field = "double_data";
    break;
  case ElementType::I64:
    count = proto.int64_data_size();
    field = "int64_data";
    break;
  case ElementType::U32:
  case ElementType::U64:
    count = proto.uint64_data_size();
    field = "uint64_data";
    break;
  default:
    count = proto.int32_data_size();
    break;
  }
  check(int64_t(count) == n, "{}: {} has {} values, but shape {} needs {}",
        what, field, count, shapeStr(shape), n);
}

void validateTypeDims(const onnx::TypeProto &type, const std::string &what) {
  const onnx::TensorShapeProto *shape = nullptr;
  if (type.has_tensor_type() && type.tensor_type().has_shape())
    shape = &type.tensor_type().shape();
  else if (type.has_sparse_tensor_type() &&
           type.sparse_tensor_type().has_shape())
    shape = &type.sparse_tensor_type().shape();
  else if (type.has_sequence_type())
    return validateTypeDims(type.sequence_type().elem_type(), what);
  else if (type.has_optional_type())
    return validateTypeDims(type.optional_type().elem_type(), what);
  if (!shape)
    return;
  for (const auto &d : shape->dim()) {
    if (!d.has_dim_value())
      continue;
    check(d.dim_value() >= 0, "{} has a negative dimension {}", what,
          d.dim_value());
    check(d.dim_value() <= MaxDimSize,
          "{} has a dimension {} that is too large (the limit is 2^40)", what,
          d.dim_value());
  }
}

Tensor tensorFromProto(const TensorProto &proto, const std::string &baseDir,
                       const std::string &what) {
  ElementType elem = elementTypeFromOnnx(proto.data_type(), what);
  validateTensorProto(proto, what);
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  Tensor t;
  try {
    t = Tensor(elem, shape);
  } catch (const Error &e) {
    fail("{}: {}", what, e.what());
  }
  if (proto.data_location() == TensorProto::EXTERNAL) {
    copyRaw(t, readExternalData(proto, baseDir, what, t.byteSize()), what);
  } else if (proto.has_raw_data()) {
    copyRaw(t, proto.raw_data(), what);
  } else {
    copyTypedData(t, proto, what);
  }
  return t;
}

Tensor tensorFromSparseProto(const onnx::SparseTensorProto &proto,
                             const std::string &baseDir,
                             const std::string &what) {
  Tensor values = tensorFromProto(proto.values(), baseDir, what + " values");
  Tensor indices = tensorFromProto(proto.indices(), baseDir, what + " indices");
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  Tensor dense;
  try {
    dense = Tensor(values.elementType(), shape);
  } catch (const Error &e) {
    fail("{}: {}", what, e.what());
  }
  check(values.rank() == 1, "{}: sparse values must be 1-D", what);
  int64_t nnz = values.numElements();
  int64_t rank = int64_t(shape.size());
  std::vector<int64_t> idx = indices.toIntVector();
  bool linear = indices.rank() == 1;
  check(linear ? indices.dim(0) == nnz
               : indices.rank() == 2 && indices.dim(0) == nnz &&
                     indices.dim(1) == rank,
        "{}: sparse indices of shape {} do not match {} values of rank {}",
        what, shapeStr(indices.shape()), nnz, rank);
  size_t elem = byteSize(values.elementType());
  for (int64_t i = 0; i < nnz; ++i) {
    int64_t flat = 0;
    if (linear) {
      flat = idx[size_t(i)];
    } else {
      for (int64_t k = 0; k < rank; ++k) {
        int64_t v = idx[size_t(i * rank + k)];
        check(v >= 0 && v < shape[size_t(k)],
              "{}: sparse index {} is out of range", what, v);
        flat = flat * shape[size_t(k)] + v;
      }
    }
    check(flat >= 0 && flat < dense.numElements(),
          "{}: sparse index {} is out of range", what, flat);
    std::memcpy(dense.rawData() + size_t(flat) * elem,
                values.rawData() + size_t(i) * elem, elem);
  }
  return dense;
}

TensorProto tensorToProto(const Tensor &t, const std::string &name) {
  TensorProto p;
  if (!name.empty())
    p.set_name(name);
  p.set_data_type(toOnnxDataType(t.elementType()));
  for (int64_t d : t.shape())
    p.add_dims(d);
  p.set_raw_data(
      std::string(reinterpret_cast<const char *>(t.rawData()), t.byteSize()));
  return p;
}

} // namespace kiln::onnxfe
