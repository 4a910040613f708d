//===- Parser.cpp - text to graph IR --------------------------------------===//
// A recursive-descent parser for the grammar in docs/ir.md. It builds the
// module through the ordinary IR API and never runs type inference; every
// problem is a "file:line:col: message" kiln::Error.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Parser.h"
#include "Lexer.h"
#include "TextSyntax.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

namespace kiln {

using namespace text;

namespace {

// Subgraphs nest a few levels in real models; the limit keeps hostile input
// from exhausting the stack.
constexpr size_t MaxNesting = 64;
// No real dimension comes near this; larger ones are typos or attacks.
constexpr uint64_t MaxDim = uint64_t(1) << 40;
constexpr uint64_t MaxStaticElements = uint64_t(1) << 62;

bool hostIsLittleEndian() {
  const uint16_t probe = 1;
  uint8_t first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

/// An element of a list or tensor literal before its kind is known.
struct Scalar {
  TokKind kind; // Int, Float, String or Ident (true/false)
  std::string text;
  Loc loc;
};

class Parser {
public:
  Parser(std::string_view input, const std::string &filename,
         std::string baseDir)
      : lex_(input, filename), baseDir_(std::move(baseDir)) {}

  std::unique_ptr<Module> parseModule();

private:
  struct Scope {
    Function *function;
    // Values defined so far in this function, by name.
    std::unordered_map<std::string, Value *> defined;
    // Names used here or in a nested body before anything defined them; an
    // error once it is clear whether they come later or never.
    std::map<std::string, Loc> pending;
  };

  template <typename... Args>
  [[noreturn]] void error(Loc loc, fmt::format_string<Args...> format,
                          Args &&...args) {
    lex_.throwAt(loc, fmt::format(format, std::forward<Args>(args)...));
  }
  /// Runs an IR call, turning its kiln::Error into a located diagnostic.
  template <typename Fn> auto located(Loc loc, Fn &&fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const Error &e) {
      lex_.throwAt(loc, e.what());
    }
  }

  const Token &peek() { return lex_.peek(); }
  Token next() { return lex_.next(); }
  bool consumePunct(char c) {
    if (!peek().isPunct(c))
      return false;
    next();
    return true;
  }
  Token expectPunct(char c);
  Token expectKind(TokKind kind, const char *what);
  int64_t parseInt(const Token &tok);
  uint64_t parseUnsigned(const Token &tok, const char *what);
  template <typename T> T parseFloating(const Scalar &s);
  Scalar parseScalar();

  void parseMetadata(Module &module);
  void parseFunction(Function &f, Loc loc);
  void parseNode(Function &f);
  Value *parseOperand(bool &absent);
  void checkNewName(const Function &f, const Token &name);
  void define(Value *v);
  std::map<std::string, Attribute> parseAttrDict(const OpInfo &info);
  Attribute parseAttrValue(const AttrSpec &spec);
  Attribute parseList(std::optional<AttrKind> declared, AttrKind wanted);
  Tensor parseTensor();
  Tensor readBlob(const TensorType &type, const Token &file,
                  const Token &offset);
  TensorType parseType();
  QuantParams parseQuant();

  Lexer lex_;
  std::string baseDir_;
  std::vector<Scope> scopes_;
};

Token Parser::expectPunct(char c) {
  Token t = next();
  if (!t.isPunct(c))
    error(t.loc, "expected '{}', got {}", c, describe(t));
  return t;
}

Token Parser::expectKind(TokKind kind, const char *what) {
  Token t = next();
  if (!t.is(kind))
    error(t.loc, "expected {}, got {}", what, describe(t));
  return t;
}

int64_t Parser::parseInt(const Token &tok) {
  if (!tok.is(TokKind::Int))
    error(tok.loc, "expected an integer, got {}", describe(tok));
  int64_t v = 0;
  const char *end = tok.text.data() + tok.text.size();
  auto [ptr, ec] = std::from_chars(tok.text.data(), end, v);
  if (ec != std::errc() || ptr != end)
    error(tok.loc, "integer {} is out of range", tok.text);
  return v;
}

uint64_t Parser::parseUnsigned(const Token &tok, const char *what) {
  if (!tok.is(TokKind::Int))
    error(tok.loc, "expected {}, got {}", what, describe(tok));
  if (tok.text[0] == '-')
    error(tok.loc, "{} must not be negative, got {}", what, tok.text);
  uint64_t v = 0;
  const char *end = tok.text.data() + tok.text.size();
  auto [ptr, ec] = std::from_chars(tok.text.data(), end, v);
  if (ec != std::errc() || ptr != end)
    error(tok.loc, "integer {} is out of range", tok.text);
  return v;
}

template <typename T> T Parser::parseFloating(const Scalar &s) {
  if (s.kind != TokKind::Int && s.kind != TokKind::Float)
    error(s.loc, "expected a number, got '{}'", s.text);
  bool negative = s.text[0] == '-';
  std::string_view body = std::string_view(s.text).substr(negative ? 1 : 0);
  if (body == "inf")
    return negative ? -std::numeric_limits<T>::infinity()
                    : std::numeric_limits<T>::infinity();
  if (body == "nan")
    return std::copysign(std::numeric_limits<T>::quiet_NaN(),
                         negative ? T(-1) : T(1));
  T v = 0;
  const char *end = s.text.data() + s.text.size();
  auto [ptr, ec] = std::from_chars(s.text.data(), end, v);
  if (ec == std::errc::result_out_of_range)
    error(s.loc, "number {} is out of range", s.text);
  if (ec != std::errc() || ptr != end)
    error(s.loc, "malformed number '{}'", s.text);
  return v;
}

// A number (with -inf, nan), a string, or true/false.
Scalar Parser::parseScalar() {
  Token t = next();
  if (t.is(TokKind::Int) || t.is(TokKind::Float) || t.is(TokKind::String))
    return Scalar{t.kind, t.text, t.loc};
  if (t.isIdent("inf") || t.isIdent("nan"))
    return Scalar{TokKind::Float, t.text, t.loc};
  if (t.isIdent("true") || t.isIdent("false"))
    return Scalar{TokKind::Ident, t.text, t.loc};
  if (t.isPunct('-')) {
    Token u = next();
    if (u.isIdent("inf") || u.isIdent("nan"))
      return Scalar{TokKind::Float, "-" + u.text, t.loc};
    error(u.loc, "expected a number after '-', got {}", describe(u));
  }
  error(t.loc, "expected a literal value, got {}", describe(t));
}

std::unique_ptr<Module> Parser::parseModule() {
  auto module = std::make_unique<Module>();
  if (peek().isIdent("module")) {
    next();
    parseMetadata(*module);
  }
  while (true) {
    Token t = next();
    if (t.is(TokKind::Eof))
      break;
    if (!t.isIdent("func"))
      error(t.loc, "expected 'func' or end of input, got {}", describe(t));
    Token name = expectKind(TokKind::FuncName, "a function name '@name'");
    if (module->lookup(name.text))
      error(name.loc, "duplicate function '@{}'", nameOrQuote(name.text));
    parseFunction(module->addFunction(name.text), name.loc);
  }
  return module;
}

void Parser::parseMetadata(Module &module) {
  expectPunct('{');
  if (consumePunct('}'))
    return;
  do {
    Token key = next();
    if (!key.is(TokKind::Ident) && !key.is(TokKind::String))
      error(key.loc, "expected a metadata key, got {}", describe(key));
    if (module.metadata().count(key.text))
      error(key.loc, "duplicate metadata key '{}'", key.text);
    expectPunct('=');
    Token value = expectKind(TokKind::String, "a string");
    module.metadata()[key.text] = value.text;
  } while (consumePunct(','));
  expectPunct('}');
}

// Parses "(inputs) { nodes return outputs }" after "func @name".
void Parser::parseFunction(Function &f, Loc loc) {
  if (scopes_.size() >= MaxNesting)
    error(loc, "subgraphs are nested more than {} levels deep", MaxNesting);
  scopes_.push_back(Scope{&f, {}, {}});
  expectPunct('(');
  if (!peek().isPunct(')')) {
    do {
      Token name = expectKind(TokKind::ValueName, "an input name '%name'");
      checkNewName(f, name);
      expectPunct(':');
      TensorType type = parseType();
      define(f.addInput(name.text, std::move(type)));
    } while (consumePunct(','));
  }
  expectPunct(')');
  expectPunct('{');
  while (!peek().isIdent("return"))
    parseNode(f);
  next();
  std::vector<Value *> outputs;
  if (peek().is(TokKind::ValueName) || peek().isIdent("_")) {
    do {
      bool absent = false;
      outputs.push_back(parseOperand(absent));
    } while (consumePunct(','));
  }
  f.setOutputs(std::move(outputs));
  expectPunct('}');

  // Names still unresolved may be defined later in an enclosing function.
  Scope done = std::move(scopes_.back());
  scopes_.pop_back();
  if (done.pending.empty())
    return;
  if (scopes_.empty()) {
    auto first = done.pending.begin();
    for (auto it = done.pending.begin(); it != done.pending.end(); ++it)
      if (std::make_pair(it->second.line, it->second.col) <
          std::make_pair(first->second.line, first->second.col))
        first = it;
    error(first->second, "unknown value '%{}'", nameOrQuote(first->first));
  }
  for (auto &[name, useLoc] : done.pending)
    scopes_.back().pending.emplace(name, useLoc);
}

void Parser::checkNewName(const Function &f, const Token &name) {
  if (name.text.empty())
    error(name.loc, "value names must not be empty");
  if (f.isNameTaken(name.text))
    error(name.loc, "duplicate value name '%{}'", nameOrQuote(name.text));
}

void Parser::define(Value *v) {
  Scope &scope = scopes_.back();
  scope.defined[v->name()] = v;
  auto it = scope.pending.find(v->name());
  if (it != scope.pending.end())
    error(it->second, "value '%{}' is used before its definition",
          nameOrQuote(v->name()));
}

// "%name", "%name^levels" or "_" (absent).
Value *Parser::parseOperand(bool &absent) {
  Token t = next();
  if (t.isIdent("_")) {
    absent = true;
    return nullptr;
  }
  if (!t.is(TokKind::ValueName))
    error(t.loc, "expected an operand ('%name' or '_'), got {}", describe(t));
  if (consumePunct('^')) {
    Token levelTok = next();
    uint64_t levels = parseUnsigned(levelTok, "a scope level");
    if (levels == 0 || levels >= scopes_.size())
      error(levelTok.loc, "there is no enclosing function {} level(s) up",
            levels);
    Scope &scope = scopes_[scopes_.size() - 1 - size_t(levels)];
    auto it = scope.defined.find(t.text);
    if (it == scope.defined.end())
      error(t.loc, "unknown value '%{}' in the function {} level(s) up",
            nameOrQuote(t.text), levels);
    return it->second;
  }
  for (size_t i = scopes_.size(); i-- > 0;) {
    auto it = scopes_[i].defined.find(t.text);
    if (it != scopes_[i].defined.end())
      return it->second;
  }
  scopes_.back().pending.emplace(t.text, t.loc);
  return nullptr;
}

static std::string countRange(int min, int max) {
  if (max < 0)
    return fmt::format("at least {}", min);
  if (min == max)
    return std::to_string(min);
  return fmt::format("{} to {}", min, max);
}

// [%r, ... =] Op(operands) [{attrs}] [: types] [loc("name")]
void Parser::parseNode(Function &f) {
  std::vector<Token> results;
  if (peek().is(TokKind::ValueName)) {
    do {
      Token r = expectKind(TokKind::ValueName, "a result name '%name'");
      checkNewName(f, r);
      for (const Token &prev : results)
        if (prev.text == r.text)
          error(r.loc, "duplicate value name '%{}'", nameOrQuote(r.text));
      results.push_back(std::move(r));
    } while (consumePunct(','));
    expectPunct('=');
  }
  Token op = next();
  if (!op.is(TokKind::Ident))
    error(op.loc, "expected an op name or 'return', got {}", describe(op));
  std::optional<OpKind> kind = lookupOp(op.text);
  if (!kind)
    error(op.loc, "unknown op '{}'", op.text);
  const OpInfo &info = getOpInfo(*kind);

  expectPunct('(');
  std::vector<Value *> operands;
  if (!peek().isPunct(')')) {
    do {
      // "_" may stand anywhere: the op table allows absent operands below
      // MaxIn (e.g. Loop's trip count), the verifier judges the rest.
      bool absent = false;
      operands.push_back(parseOperand(absent));
    } while (consumePunct(','));
  }
  expectPunct(')');
  int numOperands = int(operands.size());
  if (numOperands < info.minInputs ||
      (info.maxInputs >= 0 && numOperands > info.maxInputs))
    error(op.loc, "{} takes {} operand(s), got {}", op.text,
          countRange(info.minInputs, info.maxInputs), numOperands);

  std::map<std::string, Attribute> attrs;
  if (peek().isPunct('{'))
    attrs = parseAttrDict(info);

  std::vector<TensorType> types;
  Loc typesLoc = peek().loc;
  if (consumePunct(':')) {
    do
      types.push_back(parseType());
    while (consumePunct(','));
  }
  if (types.size() != results.size())
    error(typesLoc, "{} result name(s) but {} result type(s)", results.size(),
          types.size());
  int numResults = int(results.size());
  if (numResults < info.minOutputs ||
      (info.maxOutputs >= 0 && numResults > info.maxOutputs))
    error(op.loc, "{} produces {} result(s), got {}", op.text,
          countRange(info.minOutputs, info.maxOutputs), numResults);

  std::string nodeName;
  if (peek().isIdent("loc")) {
    next();
    expectPunct('(');
    nodeName = expectKind(TokKind::String, "a node name string").text;
    expectPunct(')');
  }

  std::vector<std::string> names;
  for (const Token &r : results)
    names.push_back(r.text);
  Node *node = located(op.loc, [&] {
    return f.createNode(*kind, operands, types, nodeName, names);
  });
  for (auto &[name, attr] : attrs)
    node->setAttr(name, std::move(attr));
  for (Value *r : node->results())
    define(r);
}

std::map<std::string, Attribute> Parser::parseAttrDict(const OpInfo &info) {
  std::map<std::string, Attribute> attrs;
  expectPunct('{');
  if (consumePunct('}'))
    return attrs;
  do {
    Token name = next();
    if (!name.is(TokKind::Ident) && !name.is(TokKind::String))
      error(name.loc, "expected an attribute name, got {}", describe(name));
    if (attrs.count(name.text))
      error(name.loc, "duplicate attribute '{}'", name.text);
    const AttrSpec *spec = info.findAttr(name.text);
    if (!spec)
      error(name.loc, "op {} has no attribute '{}'", info.name, name.text);
    expectPunct('=');
    Loc valueLoc = peek().loc;
    Attribute value = parseAttrValue(*spec);
    if (value.kind() != spec->kind)
      error(valueLoc, "attribute '{}' of {} must be {}, got {}", name.text,
            info.name, toString(spec->kind), toString(value.kind()));
    attrs.emplace(name.text, std::move(value));
  } while (consumePunct(','));
  expectPunct('}');
  return attrs;
}

// The op table's kind for the attribute lets hand-written text say `1` for a
// float and `[]` for any empty list; printed text never relies on it.
Attribute Parser::parseAttrValue(const AttrSpec &spec) {
  const Token &t = peek();
  if (t.isPunct('['))
    return parseList(std::nullopt, spec.kind);
  if (t.isIdent("ints") || t.isIdent("floats") || t.isIdent("strings")) {
    AttrKind kind = t.text == "ints"     ? AttrKind::Ints
                    : t.text == "floats" ? AttrKind::Floats
                                         : AttrKind::Strings;
    next();
    return parseList(kind, spec.kind);
  }
  if (t.isIdent("dense") || t.isIdent("blob"))
    return Attribute(parseTensor());
  if (t.isIdent("func")) {
    next();
    Token name = expectKind(TokKind::FuncName, "a function name '@name'");
    auto body = std::make_shared<Function>(name.text, scopes_.back().function);
    parseFunction(*body, name.loc);
    return Attribute(std::move(body));
  }
  Scalar s = parseScalar();
  switch (s.kind) {
  case TokKind::String:
    return Attribute(std::move(s.text));
  case TokKind::Int:
    if (spec.kind != AttrKind::Float)
      return Attribute(parseInt(Token{TokKind::Int, s.text, s.loc}));
    [[fallthrough]];
  case TokKind::Float:
    return Attribute(parseFloating<float>(s));
  default:
    error(s.loc, "expected an attribute value, got '{}'", s.text);
  }
}

Attribute Parser::parseList(std::optional<AttrKind> declared, AttrKind wanted) {
  Token open = expectPunct('[');
  std::vector<Scalar> items;
  if (!peek().isPunct(']')) {
    do
      items.push_back(parseScalar());
    while (consumePunct(','));
  }
  expectPunct(']');

  AttrKind kind;
  if (declared) {
    kind = *declared;
  } else if (items.empty()) {
    if (wanted != AttrKind::Ints && wanted != AttrKind::Floats &&
        wanted != AttrKind::Strings)
      error(open.loc, "cannot tell the kind of an empty list; write ints[], "
                      "floats[] or strings[]");
    kind = wanted;
  } else if (items[0].kind == TokKind::String) {
    kind = AttrKind::Strings;
  } else {
    kind = wanted == AttrKind::Floats ? AttrKind::Floats : AttrKind::Ints;
    for (const Scalar &s : items)
      if (s.kind == TokKind::Float)
        kind = AttrKind::Floats;
  }

  switch (kind) {
  case AttrKind::Ints: {
    std::vector<int64_t> v;
    for (const Scalar &s : items)
      v.push_back(parseInt(Token{s.kind, s.text, s.loc}));
    return Attribute(std::move(v));
  }
  case AttrKind::Floats: {
    std::vector<float> v;
    for (const Scalar &s : items)
      v.push_back(parseFloating<float>(s));
    return Attribute(std::move(v));
  }
  default: {
    std::vector<std::string> v;
    for (Scalar &s : items) {
      if (s.kind != TokKind::String)
        error(s.loc, "expected a string, got '{}'", s.text);
      v.push_back(std::move(s.text));
    }
    return Attribute(std::move(v));
  }
  }
}

// dense<type>[elements] or blob<type>("file", offset)
Tensor Parser::parseTensor() {
  Token kw = next();
  expectPunct('<');
  Loc typeLoc = peek().loc;
  TensorType type = parseType();
  expectPunct('>');
  if (!type.hasStaticShape())
    error(typeLoc, "tensor type {} must have a static shape", type.str());
  if (type.quant())
    error(typeLoc, "tensor literal type {} cannot be quantized", type.str());
  std::vector<int64_t> shape = type.staticShape();
  int64_t count = located(typeLoc, [&] { return checkedNumElements(shape); });
  ElementType elem = type.elementType();

  if (kw.text == "blob") {
    expectPunct('(');
    Token file = expectKind(TokKind::String, "a side file name");
    expectPunct(',');
    Token offset = next();
    expectPunct(')');
    return readBlob(type, file, offset);
  }

  // Elements are collected first, so the allocation is bounded by the size of
  // the text, not by the declared shape.
  expectPunct('[');
  std::vector<uint8_t> bytes;
  int64_t seen = 0;
  if (!peek().isPunct(']')) {
    do {
      Scalar s = parseScalar();
      if (seen == count)
        error(s.loc, "too many elements: type {} has {}", type.str(), count);
      visitType(elem, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T v{};
        if constexpr (std::is_same_v<T, bool>) {
          if (s.kind != TokKind::Ident)
            error(s.loc, "expected true or false, got '{}'", s.text);
          v = s.text == "true";
        } else if constexpr (std::is_same_v<T, double>) {
          v = parseFloating<double>(s);
        } else if constexpr (!std::is_integral_v<T>) {
          v = T(parseFloating<float>(s));
        } else if constexpr (std::is_signed_v<T>) {
          int64_t i = parseInt(Token{s.kind, s.text, s.loc});
          if (i < int64_t(std::numeric_limits<T>::min()) ||
              i > int64_t(std::numeric_limits<T>::max()))
            error(s.loc, "{} does not fit in {}", s.text, toString(elem));
          v = T(i);
        } else {
          uint64_t u =
              parseUnsigned(Token{s.kind, s.text, s.loc}, "an unsigned value");
          if (u > uint64_t(std::numeric_limits<T>::max()))
            error(s.loc, "{} does not fit in {}", s.text, toString(elem));
          v = T(u);
        }
        const auto *raw = reinterpret_cast<const uint8_t *>(&v);
        bytes.insert(bytes.end(), raw, raw + sizeof(T));
      });
      ++seen;
    } while (consumePunct(','));
  }
  Token close = expectPunct(']');
  if (seen != count)
    error(close.loc, "tensor of type {} needs {} elements, got {}", type.str(),
          count, seen);
  Tensor t = located(typeLoc, [&] { return Tensor(elem, shape); });
  if (!bytes.empty())
    std::memcpy(t.rawData(), bytes.data(), bytes.size());
  return t;
}

Tensor Parser::readBlob(const TensorType &type, const Token &file,
                        const Token &offsetTok) {
  uint64_t offset = parseUnsigned(offsetTok, "a byte offset");
  std::filesystem::path path(file.text);
  if (path.is_relative())
    path = std::filesystem::path(baseDir_) / path;
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    error(file.loc, "cannot read side file '{}': {}", path.string(),
          ec.message());
  ElementType elem = type.elementType();
  // count <= 2^40 and elements are at most 8 bytes, so this cannot overflow.
  uint64_t bytes = uint64_t(type.numElements()) * byteSize(elem);
  if (offset > size)
    error(offsetTok.loc,
          "offset {} is past the end of side file '{}' ({} bytes)", offset,
          path.string(), size);
  if (bytes > size - offset)
    error(offsetTok.loc,
          "side file '{}' is truncated: {} needs {} bytes at offset {}, but "
          "only {} remain",
          path.string(), type.str(), bytes, offset, size - offset);
  Tensor t =
      located(file.loc, [&] { return Tensor(elem, type.staticShape()); });
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(offset));
  in.read(reinterpret_cast<char *>(t.rawData()), std::streamsize(bytes));
  if (!in)
    error(file.loc, "cannot read side file '{}'", path.string());
  uint8_t *data = t.rawData();
  size_t width = byteSize(elem);
  if (!hostIsLittleEndian() && width > 1)
    for (uint64_t i = 0; i < bytes; i += width)
      std::reverse(data + i, data + i + width);
  if (elem == ElementType::Bool) // any other byte would be an invalid bool
    for (uint64_t i = 0; i < bytes; ++i)
      data[i] = data[i] != 0;
  return t;
}

// elem[dims]{quant(...)}, elem[*]
TensorType Parser::parseType() {
  Token e = next();
  if (!e.is(TokKind::Ident))
    error(e.loc, "expected a tensor type, got {}", describe(e));
  std::optional<ElementType> elem = parseElementType(e.text);
  if (!elem)
    error(e.loc, "unknown element type '{}'", e.text);
  expectPunct('[');
  TensorType type;
  if (consumePunct('*')) {
    expectPunct(']');
    type = TensorType::unranked(*elem);
  } else {
    std::vector<Dim> dims;
    uint64_t product = 1;
    if (!peek().isPunct(']')) {
      do {
        Token d = next();
        if (d.is(TokKind::Int)) {
          if (d.text[0] == '-')
            error(d.loc, "negative dimension {}", d.text);
          uint64_t size = parseUnsigned(d, "a dimension");
          if (size > MaxDim)
            error(d.loc, "dimension {} is too large", d.text);
          if (size != 0 && product > MaxStaticElements / size)
            error(d.loc, "type has too many elements");
          product *= size;
          dims.emplace_back(int64_t(size));
        } else if (d.is(TokKind::Ident)) {
          dims.push_back(Dim::symbol(d.text));
        } else if (d.is(TokKind::String)) {
          if (d.text.empty())
            error(d.loc, "dimension symbol must not be empty");
          dims.push_back(Dim::symbol(d.text));
        } else if (d.isPunct('?')) {
          dims.push_back(Dim::unknown());
        } else {
          error(d.loc, "expected a dimension (size, symbol or '?'), got {}",
                describe(d));
        }
      } while (consumePunct(','));
    }
    expectPunct(']');
    type = TensorType(*elem, std::move(dims));
  }
  if (peek().isPunct('{'))
    type.setQuant(parseQuant());
  return type;
}

// {quant(scale, zeroPoint)} or {quant(axis=A, [scales], [zeroPoints])}
QuantParams Parser::parseQuant() {
  expectPunct('{');
  Token kw = next();
  if (!kw.isIdent("quant"))
    error(kw.loc, "expected 'quant', got {}", describe(kw));
  expectPunct('(');
  QuantParams q;
  if (peek().isIdent("axis")) {
    next();
    expectPunct('=');
    q.axis = parseInt(next());
    expectPunct(',');
    expectPunct('[');
    if (!peek().isPunct(']')) {
      do
        q.scales.push_back(parseFloating<double>(parseScalar()));
      while (consumePunct(','));
    }
    expectPunct(']');
    expectPunct(',');
    expectPunct('[');
    if (!peek().isPunct(']')) {
      do
        q.zeroPoints.push_back(parseInt(next()));
      while (consumePunct(','));
    }
    expectPunct(']');
  } else {
    q.scales.push_back(parseFloating<double>(parseScalar()));
    expectPunct(',');
    q.zeroPoints.push_back(parseInt(next()));
  }
  expectPunct(')');
  expectPunct('}');
  return q;
}

} // namespace

std::unique_ptr<Module> parseModule(std::string_view text,
                                    const std::string &filename,
                                    const std::string &baseDir) {
  return Parser(text, filename, baseDir).parseModule();
}

std::unique_ptr<Module> parseModuleFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  check(in.is_open(), "cannot open '{}'", path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  check(!in.bad(), "cannot read '{}'", path);
  std::string dir = std::filesystem::path(path).parent_path().string();
  return parseModule(buffer.str(), path, dir.empty() ? "." : dir);
}

} // namespace kiln
