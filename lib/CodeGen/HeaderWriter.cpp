//===- HeaderWriter.cpp - the generated C header of a model --------------===//
// Emits <name>.h: everything a C program needs to call a compiled model
// (docs/abi.md is the contract this file implements).
//===----------------------------------------------------------------------===//
#include "kiln/CodeGen/HeaderWriter.h"

#include "kiln/Support/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

using namespace kiln;
using namespace kiln::codegen;
using loop::Program;
using loop::ProgramTensor;

namespace {

const std::set<std::string> &cKeywords() {
  // C99 keywords plus those of C++ that a member name must not be.
  static const std::set<std::string> words = {
      "auto", "break", "case", "char", "const", "continue", "default", "do",
      "double", "else", "enum", "extern", "float", "for", "goto", "if",
      "inline", "int", "long", "register", "restrict", "return", "short",
      "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
      "unsigned", "void", "volatile", "while", "bool", "class", "delete", "new",
      "private", "public", "template", "this", "throw", "try", "catch",
      "operator", "friend", "virtual", "namespace", "using", "typename",
      "protected", "mutable", "explicit", "export", "true", "false", "asm",
      "and", "or", "not", "xor", "compl", "bitand", "bitor", "and_eq", "or_eq",
      "xor_eq", "not_eq", "nullptr", "decltype", "noexcept", "constexpr",
      "static_assert", "alignas", "alignof", "char16_t", "char32_t",
      "thread_local", "wchar_t", "const_cast", "dynamic_cast",
      "reinterpret_cast", "static_cast", "typeid",
      // Predefined by GCC and Clang outside strict ISO modes.
      "linux", "unix", "i386"};
  return words;
}

bool isCIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit((unsigned char)s[0]))
    return false;
  for (char c : s)
    if (!std::isalnum((unsigned char)c) && c != '_')
      return false;
  return !cKeywords().count(s);
}

std::string upper(std::string s) {
  for (char &c : s)
    c = char(std::toupper((unsigned char)c));
  return s;
}

// A C string literal for arbitrary bytes (octal escapes for the rest, so a
// following character can never extend the escape).
std::string cString(const std::string &s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = (unsigned char)ch;
    if (c == '"' || c == '\\')
      out += {'\\', ch};
    else if (c >= 0x20 && c < 0x7f && c != '?') // '?' would allow trigraphs
      out += ch;
    else
      out += fmt::format("\\{:03o}", c);
  }
  return out + "\"";
}

// Text that is safe inside a /* */ comment.
std::string commentSafe(const std::string &s) {
  std::string out;
  for (char ch : s) {
    unsigned char c = (unsigned char)ch;
    if (c < 0x20 || c >= 0x7f ||
        (ch == '/' && !out.empty() && out.back() == '*'))
      out += '_';
    else
      out += ch;
  }
  return out;
}

// Unsuffixed decimal constants take the first of int, long, long long that
// holds them, so they are right on every C99 target.
std::string intLiteral(int64_t v) { return std::to_string(v); }

struct TypeInfo {
  const char *cType;
  const char *dtype;
};

TypeInfo typeInfo(ElementType t) {
  switch (t) {
  case ElementType::F32:
    return {"float", "KILN_F32"};
  case ElementType::U8:
    return {"uint8_t", "KILN_U8"};
  case ElementType::I8:
    return {"int8_t", "KILN_I8"};
  case ElementType::U16:
    return {"uint16_t", "KILN_U16"};
  case ElementType::I16:
    return {"int16_t", "KILN_I16"};
  case ElementType::I32:
    return {"int32_t", "KILN_I32"};
  case ElementType::I64:
    return {"int64_t", "KILN_I64"};
  case ElementType::Bool:
    return {"uint8_t", "KILN_BOOL"};
  case ElementType::F16:
    return {"uint16_t", "KILN_F16"};
  case ElementType::F64:
    return {"double", "KILN_F64"};
  case ElementType::U32:
    return {"uint32_t", "KILN_U32"};
  case ElementType::U64:
    return {"uint64_t", "KILN_U64"};
  case ElementType::BF16:
    return {"uint16_t", "KILN_BF16"};
  }
  fail("invalid element type");
}

// One input or output as the header presents it.
struct Port {
  const ProgramTensor *tensor;
  std::string id;    // lower-case C identifier
  std::string macro; // NAME_INPUT_<ID> or NAME_OUTPUT_<ID>
};

std::vector<Port> makePorts(const Program &p, const std::vector<size_t> &ids,
                            const std::string &macroPrefix, const char *what) {
  std::vector<std::string> names;
  for (size_t id : ids) {
    check(id < p.tensors.size(), "program {} refers to tensor {} of {}", what,
          id, p.tensors.size());
    names.push_back(p.tensors[id].name);
  }
  std::vector<std::string> cIds = headerIdentifiers(names);
  std::vector<Port> ports;
  for (size_t i = 0; i < ids.size(); ++i) {
    const ProgramTensor &t = p.tensors[ids[i]];
    for (int64_t d : t.shape)
      check(d >= 0,
            "{} '{}' has a dynamic shape; compiled models need "
            "static shapes (pin them with --input-shape)",
            what, t.name);
    ports.push_back({&t, cIds[i], macroPrefix + upper(cIds[i])});
  }
  return ports;
}

std::string shapeList(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : ", ") + intLiteral(d);
  return s;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : ",") + std::to_string(d);
  return "[" + s + "]";
}

class Writer {
public:
  Writer(const Program &p, const HeaderOptions &o)
      : p(p), o(o), name(o.name), NAME(upper(o.name)) {
    check(isCIdentifier(name),
          "model name '{}' is not a C identifier (use letters, digits and "
          "'_', not starting with a digit)",
          name);
    check(!o.weightsSeparate || o.weightsSize >= 0, "negative weights size {}",
          o.weightsSize);
    inputs = makePorts(p, p.inputs, NAME + "_INPUT_", "input");
    outputs = makePorts(p, p.outputs, NAME + "_OUTPUT_", "output");
  }

  std::string write() {
    std::string guard = "KILN_MODEL_" + NAME + "_H";
    out += fmt::format("#ifndef {0}\n#define {0}\n\n", guard);
    writeDocComment();
    out += "#include <stddef.h>\n#include <stdint.h>\n\n"
           "#include \"kiln/runtime.h\"\n\n";
    out += fmt::format("#define {}_ABI_VERSION 1\n", NAME);
    out += "#if !defined(KILN_ABI_VERSION) || KILN_ABI_VERSION != 1\n"
           "#error \"" +
           name +
           ".h needs the Kiln runtime of ABI version 1 (kiln/runtime.h)\"\n"
           "#endif\n\n";
    out += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    out += "/* One arena of this many bytes, 64-byte aligned, holds every "
           "intermediate. */\n";
    out += fmt::format("#define {}_ARENA_SIZE {}\n", NAME,
                       intLiteral(std::max<int64_t>(p.arenaSize, 0)));
    out += fmt::format("#define {}_ARENA_ALIGN 64\n", NAME);
    if (!o.arenaSection.empty()) {
      out += "/* " + name + ".o defines the arena itself (" + NAME +
             "_ARENA_SIZE bytes, 64-byte aligned,\n * zero-filled) in this "
             "linker section: pass " + name + "_arena to " + name +
             "_run. */\n";
      out += fmt::format("#define {}_ARENA_SECTION {}\n", NAME,
                         cString(o.arenaSection));
      out += fmt::format("extern unsigned char {}_arena[];\n", name);
    }
    if (o.weightsSeparate) {
      out += "/* The weights blob: load the file into 64-byte-aligned memory "
             "and pass it\n * as the `weights` argument of " +
             name + "_run. */\n";
      out += fmt::format("#define {}_WEIGHTS_SIZE {}\n", NAME,
                         intLiteral(o.weightsSize));
      out += fmt::format("#define {}_WEIGHTS_FILE {}\n", NAME,
                         cString(o.weightsFile));
    }
    out += fmt::format("\n#define {}_NUM_INPUTS {}\n", NAME, inputs.size());
    out += fmt::format("#define {}_NUM_OUTPUTS {}\n\n", NAME, outputs.size());
    writeAliases();
    for (size_t i = 0; i < inputs.size(); ++i)
      writePortMacros(inputs[i], i);
    for (size_t i = 0; i < outputs.size(); ++i)
      writePortMacros(outputs[i], i);
    writeStruct("inputs", inputs, "const ");
    writeStruct("outputs", outputs, "");
    writeRunDecl();
    writeTables();
    writeRunPtrs();
    out += "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n";
    out += fmt::format("#endif /* {} */\n", guard);
    return std::move(out);
  }

private:
  const Program &p;
  const HeaderOptions &o;
  std::string name, NAME;
  std::vector<Port> inputs, outputs;
  std::string out;

  std::string weightsParam() const {
    return o.weightsSeparate ? ",\n    const void *weights" : "";
  }

  void writeDocComment() {
    out += fmt::format("/* {}.h - the model '{}' compiled by Kiln. Generated: "
                       "do not edit.\n *\n",
                       name, commentSafe(p.name.empty() ? name : p.name));
    out += " * Call sequence (see docs/abi.md):\n"
           " *   1. Allocate " +
           NAME + "_ARENA_SIZE bytes aligned to " + NAME +
           "_ARENA_ALIGN (64) once,\n"
           " *      e.g. with posix_memalign or a static aligned array.\n";
    if (o.weightsSeparate)
      out += " *   2. Load the file " + NAME + "_WEIGHTS_FILE (" + NAME +
             "_WEIGHTS_SIZE bytes) into 64-byte-aligned\n"
             " *      memory.\n";
    else
      out += " *   2. (Weights are linked into the object.)\n";
    out += " *   3. Point the members of struct " + name +
           "_inputs at the "
           "input data and those\n"
           " *      of struct " +
           name + "_outputs at buffers of " + NAME +
           "_OUTPUT_<ID>_BYTES bytes.\n"
           " *   4. Call " +
           name + "_run(&inputs, &outputs, arena" +
           (o.weightsSeparate ? ", weights" : "") +
           "); it returns KILN_OK "
           "(0)\n"
           " *      or a kiln_status code (kiln_status_string names it).\n"
           " * " +
           name +
           "_run never allocates and may be called again with "
           "the same arena;\n"
           " * calls sharing one arena must not overlap. Parallel loops use "
           "the runtime's\n"
           " * thread pool (kiln_set_num_threads). Generic programs can use " +
           name +
           "_run_ptrs\n"
           " * with " +
           name + "_input_info / " + name +
           "_output_info "
           "instead of the structs.\n *\n";
    auto list = [&](const char *what, const std::vector<Port> &ports) {
      for (const Port &port : ports)
        out += fmt::format(" * {} {:<12} {}{} (\"{}\")\n", what, port.id,
                           toString(port.tensor->elem),
                           shapeText(port.tensor->shape),
                           commentSafe(port.tensor->name));
    };
    list("input ", inputs);
    list("output", outputs);
    out += " */\n\n";
  }

  // Generic programs paste the lower-case model name (examples/hosted).
  void writeAliases() {
    out += "/* Lower-case aliases for code that pastes the model name. */\n";
    out += fmt::format("#define {}_arena_size {}_ARENA_SIZE\n", name, NAME);
    out += fmt::format("#define {}_num_inputs {}_NUM_INPUTS\n", name, NAME);
    out += fmt::format("#define {}_num_outputs {}_NUM_OUTPUTS\n", name, NAME);
    out += fmt::format("#define {}_weights_separate {}\n", name,
                       o.weightsSeparate ? 1 : 0);
    if (o.weightsSeparate) {
      out +=
          fmt::format("#define {}_weights_size {}_WEIGHTS_SIZE\n", name, NAME);
      out +=
          fmt::format("#define {}_weights_file {}_WEIGHTS_FILE\n", name, NAME);
    }
    out += "\n";
  }

  void writePortMacros(const Port &port, size_t index) {
    const ProgramTensor &t = *port.tensor;
    out += fmt::format("#define {}_INDEX {}\n", port.macro, index);
    out += fmt::format("#define {}_RANK {}\n", port.macro, t.shape.size());
    if (t.shape.empty())
      out +=
          fmt::format("/* {} is a scalar: it has no _SHAPE. */\n", port.macro);
    else
      out += fmt::format("#define {}_SHAPE {{{}}}\n", port.macro,
                         shapeList(t.shape));
    out += fmt::format("#define {}_SIZE {}\n", port.macro,
                       intLiteral(t.numElements()));
    out += fmt::format("#define {}_BYTES {}\n", port.macro,
                       intLiteral(t.byteSize()));
    out += fmt::format("#define {}_DTYPE {}\n\n", port.macro,
                       typeInfo(t.elem).dtype);
  }

  void writeStruct(const char *what, const std::vector<Port> &ports,
                   const char *qualifier) {
    out += fmt::format("struct {}_{} {{\n", name, what);
    for (const Port &port : ports)
      out += fmt::format("  {}{} *{}; /* {}{} */\n", qualifier,
                         typeInfo(port.tensor->elem).cType, port.id,
                         toString(port.tensor->elem),
                         shapeText(port.tensor->shape));
    if (ports.empty()) // C forbids empty structs
      out += fmt::format("  {}void *unused; /* the model has no {} */\n",
                         qualifier, what);
    out += "};\n\n";
  }

  void writeRunDecl() {
    out += fmt::format("/* Runs the model; returns KILN_OK or a kiln_status "
                       "code. */\n"
                       "int {0}_run(const struct {0}_inputs *inputs,\n"
                       "    struct {0}_outputs *outputs, void *arena{1});\n\n",
                       name, weightsParam());
  }

  void writeTables() {
    out += "#ifdef __GNUC__\n";
    out +=
        fmt::format("#define {}_MAYBE_UNUSED_ __attribute__((unused))\n", NAME);
    out += "#else\n";
    out += fmt::format("#define {}_MAYBE_UNUSED_\n", NAME);
    out += "#endif\n\n";
    writeTable("input", inputs);
    writeTable("output", outputs);
  }

  void writeTable(const char *what, const std::vector<Port> &ports) {
    std::string unused = NAME + "_MAYBE_UNUSED_";
    for (const Port &port : ports)
      if (!port.tensor->shape.empty())
        out += fmt::format(
            "static const int64_t {}_{}_{}_shape[{}] {} = {{{}}};\n", name,
            what, port.id, port.tensor->shape.size(), unused,
            shapeList(port.tensor->shape));
    out += fmt::format("static const struct kiln_tensor_info {}_{}_info[{}] "
                       "{} = {{\n",
                       name, what, std::max<size_t>(ports.size(), 1), unused);
    for (const Port &port : ports) {
      const ProgramTensor &t = *port.tensor;
      std::string shape =
          t.shape.empty() ? std::string("0")
                          : fmt::format("{}_{}_{}_shape", name, what, port.id);
      out += fmt::format("  {{{}, {}, {}, {}, {}}},\n", cString(t.name),
                         typeInfo(t.elem).dtype, t.shape.size(), shape,
                         intLiteral(t.numElements()));
    }
    if (ports.empty())
      out += fmt::format("  {{0, KILN_F32, 0, 0, 0}} /* no {}s */\n", what);
    out += "};\n\n";
  }

  void writeRunPtrs() {
    out += fmt::format(
        "/* Calls {0}_run with inputs[i] / outputs[i] in {0}_input_info / "
        "{0}_output_info\n * order. */\n"
        "static inline int {0}_run_ptrs(const void *const *inputs,\n"
        "    void *const *outputs, void *arena{1}) {{\n"
        "  struct {0}_inputs in;\n  struct {0}_outputs out;\n",
        name, weightsParam());
    if (!inputs.empty())
      out += "  if (!inputs)\n    return KILN_ERROR_NULL_ARGUMENT;\n";
    if (!outputs.empty())
      out += "  if (!outputs)\n    return KILN_ERROR_NULL_ARGUMENT;\n";
    auto assign = [&](const char *var, const char *arr,
                      const std::vector<Port> &ports, const char *qualifier) {
      if (ports.empty())
        out += fmt::format("  (void){};\n  {}.unused = 0;\n", arr, var);
      for (size_t i = 0; i < ports.size(); ++i)
        out += fmt::format("  {}.{} = ({}{} *){}[{}];\n", var, ports[i].id,
                           qualifier, typeInfo(ports[i].tensor->elem).cType,
                           arr, i);
    };
    assign("in", "inputs", inputs, "const ");
    assign("out", "outputs", outputs, "");
    out += fmt::format("  return {}_run(&in, &out, arena{});\n}}\n\n", name,
                       o.weightsSeparate ? ", weights" : "");
  }
};

} // namespace

std::vector<std::string>
kiln::codegen::headerIdentifiers(const std::vector<std::string> &names) {
  std::vector<std::string> ids;
  std::set<std::string> used;
  for (const std::string &n : names) {
    // Runs of '_' collapse and trailing ones go: C++ reserves "__".
    std::string id;
    for (char c : n) {
      char d = std::isalnum((unsigned char)c) ? char(std::tolower(c)) : '_';
      if (d != '_' || (!id.empty() && id.back() != '_'))
        id += d;
    }
    while (!id.empty() && id.back() == '_')
      id.pop_back();
    // A leading '_' could make a reserved identifier.
    if (id.empty() || !std::isalpha((unsigned char)id[0]))
      id = "t" + id;
    if (cKeywords().count(id))
      id = "t_" + id;
    std::string unique = id;
    for (int k = 2; used.count(unique); ++k)
      unique = id + "_" + std::to_string(k);
    used.insert(unique);
    ids.push_back(unique);
  }
  return ids;
}

std::string kiln::codegen::writeModelHeader(const Program &p,
                                            const HeaderOptions &o) {
  return Writer(p, o).write();
}
