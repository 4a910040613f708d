//===- TensorFile.cpp - TensorProto (.pb) and NumPy (.npy) files ----------===//
#include "kiln/Frontend/TensorFile.h"
#include "OnnxProto.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

namespace fs = std::filesystem;

static std::string readWholeFile(const std::string &path,
                                 const std::string &what) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  check(!ec && fs::exists(st), "cannot open {} '{}': no such file", what, path);
  check(!fs::is_directory(st), "cannot read {} '{}': it is a directory", what,
        path);
  std::ifstream in(path, std::ios::binary);
  check(bool(in), "cannot open {} '{}'", what, path);
  std::ostringstream ss;
  ss << in.rdbuf();
  check(!in.bad(), "cannot read {} '{}'", what, path);
  return ss.str();
}

static void writeWholeFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  check(bool(out), "cannot open '{}' for writing", path);
  out.write(data.data(), std::streamsize(data.size()));
  out.close();
  check(bool(out), "cannot write '{}'", path);
}

//===----------------------------------------------------------------------===//
// TensorProto
//===----------------------------------------------------------------------===//

Tensor tensorFromProtoBytes(const std::string &bytes,
                            const std::string &baseDir) {
  onnx::TensorProto proto;
  check(onnxfe::parseProtoQuietly(proto, bytes),
        "cannot parse TensorProto: the data is truncated or corrupt");
  std::string what = proto.name().empty()
                         ? std::string("tensor")
                         : fmt::format("tensor '{}'", proto.name());
  return onnxfe::tensorFromProto(proto, baseDir, what);
}

Tensor readTensorProtoFile(const std::string &path) {
  std::string bytes = readWholeFile(path, "tensor file");
  onnx::TensorProto proto;
  check(onnxfe::parseProtoQuietly(proto, bytes),
        "cannot parse tensor file '{}': not a valid TensorProto", path);
  std::string dir = fs::path(path).parent_path().string();
  return onnxfe::tensorFromProto(proto, dir.empty() ? "." : dir,
                                 fmt::format("tensor file '{}'", path));
}

void writeTensorProtoFile(const std::string &path, const Tensor &t) {
  onnx::TensorProto proto = onnxfe::tensorToProto(t, "");
  std::string bytes;
  check(proto.SerializeToString(&bytes), "cannot serialize tensor for '{}'",
        path);
  writeWholeFile(path, bytes);
}

//===----------------------------------------------------------------------===//
// NumPy .npy
//===----------------------------------------------------------------------===//

namespace {

struct NpyType {
  const char *code; // descr without the byte-order character
  ElementType type;
};

const NpyType NpyTypes[] = {
    {"f4", ElementType::F32}, {"f8", ElementType::F64},
    {"f2", ElementType::F16}, {"i1", ElementType::I8},
    {"u1", ElementType::U8},  {"i2", ElementType::I16},
    {"u2", ElementType::U16}, {"i4", ElementType::I32},
    {"u4", ElementType::U32}, {"i8", ElementType::I64},
    {"u8", ElementType::U64}, {"b1", ElementType::Bool},
};

// A tiny reader for the Python dict literal in a .npy header.
class HeaderParser {
public:
  HeaderParser(const std::string &text, const std::string &path)
      : s_(text), path_(path) {}

  void parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      std::string key = parseString();
      expect(':');
      skipSpace();
      if (key == "descr") {
        descr = parseString();
        haveDescr = true;
      } else if (key == "fortran_order") {
        fortran = parseBool();
        haveOrder = true;
      } else if (key == "shape") {
        shape = parseTuple();
        haveShape = true;
      } else {
        bad("unknown header key '" + key + "'");
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}')
        bad("expected ',' or '}'");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      bad("the header lacks 'descr', 'fortran_order' or 'shape'");
  }

private:
  [[noreturn]] void bad(const std::string &why) const {
    fail("cannot read .npy file '{}': malformed header: {}", path_, why);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_]))
      ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c)
      bad(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string parseString() {
    skipSpace();
    char q = peek();
    if (q != '\'' && q != '"')
      bad("expected a string");
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos)
      bad("unterminated string");
    std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return v;
  }
  bool parseBool() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    bad("expected True or False");
  }
  std::vector<int64_t> parseTuple() {
    std::vector<int64_t> dims;
    expect('(');
    while (true) {
      skipSpace();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      if (!std::isdigit((unsigned char)peek()))
        bad("expected a dimension");
      int64_t v = 0;
      while (std::isdigit((unsigned char)peek())) {
        if (v > (int64_t(1) << 50))
          bad("dimension too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      // Python writes 3L for longs in very old files.
      if (peek() == 'L')
        ++pos_;
      dims.push_back(v);
      skipSpace();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        bad("expected ',' or ')'");
    }
  }

  const std::string &s_;
  const std::string &path_;
  size_t pos_ = 0;
};

uint32_t readLE(const std::string &b, size_t pos, size_t width) {
  uint32_t v = 0;
  for (size_t i = 0; i < width; ++i)
    v |= uint32_t(uint8_t(b[pos + i])) << (8 * i);
  return v;
}

} // namespace

Tensor readNpyFile(const std::string &path) {
  std::string bytes = readWholeFile(path, ".npy file");
  static const char Magic[] = "\x93NUMPY";
  check(bytes.size() >= 10 && bytes.compare(0, 6, Magic, 6) == 0,
        "cannot read .npy file '{}': bad magic (not a NumPy file)", path);
  int major = uint8_t(bytes[6]);
  check(major >= 1 && major <= 3,
        "cannot read .npy file '{}': unsupported format version {}.{}", path,
        major, int(uint8_t(bytes[7])));
  size_t lenWidth = major == 1 ? 2 : 4;
  check(bytes.size() >= 8 + lenWidth, "cannot read .npy file '{}': truncated",
        path);
  size_t headerLen = readLE(bytes, 8, lenWidth);
  size_t dataStart = 8 + lenWidth + headerLen;
  check(dataStart <= bytes.size(),
        "cannot read .npy file '{}': truncated header", path);
  std::string header = bytes.substr(8 + lenWidth, headerLen);

  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  HeaderParser(header, path).parse(descr, fortran, shape);

  check(descr.size() >= 2, "cannot read .npy file '{}': bad dtype '{}'", path,
        descr);
  char order = descr[0];
  std::string code = descr.substr(1);
  if (std::isalpha((unsigned char)order)) { // no byte-order mark
    order = '|';
    code = descr;
  }
  check(order != '>',
        "cannot read .npy file '{}': big-endian data ('{}') is "
        "not supported",
        path, descr);
  check(order == '<' || order == '|' || order == '=',
        "cannot read .npy file '{}': bad byte order in dtype '{}'", path,
        descr);
  const NpyType *type = nullptr;
  for (const NpyType &t : NpyTypes)
    if (code == t.code)
      type = &t;
  check(type != nullptr,
        "cannot read .npy file '{}': dtype '{}' is not "
        "supported",
        path, descr);
  size_t nonUnit = 0;
  for (int64_t d : shape)
    nonUnit += d != 1;
  check(!fortran || nonUnit <= 1,
        "cannot read .npy file '{}': Fortran-order "
        "arrays are not supported",
        path);

  Tensor t;
  try {
    t = Tensor(type->type, shape);
  } catch (const Error &e) {
    fail("cannot read .npy file '{}': {}", path, e.what());
  }
  check(bytes.size() - dataStart == t.byteSize(),
        "cannot read .npy file '{}': {} data bytes, but shape {} of {} "
        "needs {}",
        path, bytes.size() - dataStart, shapeStr(shape), descr, t.byteSize());
  if (t.byteSize()) {
    std::memcpy(t.rawData(), bytes.data() + dataStart, t.byteSize());
    if (t.elementType() == ElementType::Bool)
      for (size_t i = 0; i < t.byteSize(); ++i)
        t.rawData()[i] = t.rawData()[i] != 0;
  }
  return t;
}

void writeNpyFile(const std::string &path, const Tensor &t) {
  const NpyType *type = nullptr;
  for (const NpyType &nt : NpyTypes)
    if (nt.type == t.elementType())
      type = &nt;
  check(type != nullptr, "cannot write '{}': NumPy has no {} dtype", path,
        toString(t.elementType()));
  bool singleByte = byteSize(t.elementType()) == 1;
  std::string shape = "(";
  for (size_t i = 0; i < t.rank(); ++i)
    shape += fmt::format("{}{}", t.dim(i),
                         t.rank() == 1 ? "," : (i + 1 < t.rank() ? ", " : ""));
  shape += ")";
  std::string dict = fmt::format("{{'descr': '{}{}', 'fortran_order': False, "
                                 "'shape': {}, }}",
                                 singleByte ? '|' : '<', type->code, shape);
  // Pad with spaces so the data starts at a multiple of 64 bytes.
  bool v2 = dict.size() + 64 > 0xffff;
  size_t total = (v2 ? 12 : 10) + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY", 6);
  out += char(v2 ? 2 : 1);
  out += char(0);
  size_t len = dict.size();
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i)
    out += char((len >> (8 * i)) & 0xff);
  out += dict;
  out.append(reinterpret_cast<const char *>(t.rawData()), t.byteSize());
  writeWholeFile(path, out);
}

Tensor readTensorFile(const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  for (char &c : ext)
    c = char(std::tolower((unsigned char)c));
  if (ext == ".npy")
    return readNpyFile(path);
  return readTensorProtoFile(path);
}

} // namespace kiln
