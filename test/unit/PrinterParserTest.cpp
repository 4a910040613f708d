//===- PrinterParserTest.cpp - textual graph IR round trips ---------------===//
// print -> parse -> print must be the identity for everything the IR can
// hold; malformed text must give located diagnostics, never a crash.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <unistd.h>

using namespace kiln;
namespace fs = std::filesystem;

namespace {

TensorType f32(std::vector<int64_t> shape) {
  return TensorType(ElementType::F32, shape);
}

/// Prints, parses and prints again; the two texts must match.
std::unique_ptr<Module> roundTrip(const Module &m,
                                  const PrintOptions &options = {},
                                  const std::string &baseDir = ".") {
  std::string first = toText(m, options);
  std::unique_ptr<Module> parsed;
  try {
    parsed = parseModule(first, "<roundtrip>", baseDir);
  } catch (const Error &e) {
    FAIL_CHECK(e.what() << "\nin:\n" << first);
    throw;
  }
  std::string second = toText(*parsed, options);
  CHECK(first == second);
  return parsed;
}

Node *constant(Function &f, Tensor t, const std::string &name) {
  TensorType type = t.type();
  Node *n = f.createNode(OpKind::Constant, {}, {type}, "", {name});
  n->setAttr("value", Attribute(std::move(t)));
  return n;
}

std::string parseError(const std::string &text) {
  try {
    parseModule(text);
  } catch (const Error &e) {
    return e.what();
  }
  return "<no error>";
}

/// "<input>:line:col: ..." (a regex is too slow for the fuzz loop).
bool hasLocation(const std::string &msg) {
  const std::string prefix = "<input>:";
  if (msg.compare(0, prefix.size(), prefix) != 0)
    return false;
  size_t pos = prefix.size();
  for (int field = 0; field < 2; ++field) {
    size_t start = pos;
    while (pos < msg.size() && std::isdigit((unsigned char)msg[pos]))
      ++pos;
    if (pos == start || pos >= msg.size() || msg[pos] != ':')
      return false;
    ++pos;
  }
  return true;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("kiln-printer-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

} // namespace

TEST_CASE("printer writes the documented format", "[printer]") {
  Module m;
  m.metadata()["opset"] = "13";
  m.metadata()["producer"] = "pytorch";
  Function &f = m.addFunction("main");
  TensorType xt(ElementType::F32,
                {Dim(1), Dim(3), Dim::symbol("N"), Dim::symbol("N")});
  Value *x = f.addInput("x", xt);
  Value *w = f.addInput("w", f32({8, 3, 3, 3}));
  Node *conv = f.createNode(
      OpKind::Conv, {x, w, nullptr},
      {TensorType(ElementType::F32,
                  {Dim(1), Dim(8), Dim::symbol("N"), Dim::symbol("N")})},
      "conv1", {"y"});
  conv->setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
  conv->setAttr("group", 1);
  Node *k = constant(f, Tensor::fromVector<int64_t>({3}, {1}), "k");
  Node *topk = f.createNode(OpKind::TopK, {conv->result(), k->result()},
                            {TensorType(ElementType::F32, {Dim()}),
                             TensorType(ElementType::I64, {Dim()})},
                            "", {"v", "i"});
  topk->setAttr("axis", -1);
  f.setOutputs({conv->result(), topk->result(0)});

  const char *expected =
      R"(module {opset = "13", producer = "pytorch"}

func @main(%x: f32[1,3,N,N], %w: f32[8,3,3,3]) {
  %y = Conv(%x, %w, _) {group = 1, pads = [1, 1, 1, 1]} : f32[1,8,N,N] loc("conv1")
  %k = Constant() {value = dense<i64[1]>[3]} : i64[1]
  %v, %i = TopK(%y, %k) {axis = -1} : f32[?], i64[?]
  return %y, %v
}
)";
  CHECK(toText(m) == expected);
  auto parsed = roundTrip(m);
  Function &g = parsed->main();
  REQUIRE(g.numNodes() == 3);
  Node &pconv = *g.nodes().front();
  CHECK(pconv.name() == "conv1");
  CHECK(pconv.numOperands() == 3);
  CHECK(pconv.operand(0) == g.inputs()[0]);
  CHECK(!pconv.hasOperand(2));
  CHECK(pconv.getInts("pads") == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(g.outputs().size() == 2);
  CHECK(g.outputs()[1]->name() == "v");
  CHECK(g.outputs()[1]->producer()->kind() == OpKind::TopK);
  CHECK(parsed->metadata() == m.metadata());
}

TEST_CASE("types of every element type and dim kind round-trip", "[printer]") {
  Module m;
  Function &f = m.addFunction("main");
  std::vector<std::string> names = {"f32", "u8",  "i8",   "u16", "i16",
                                    "i32", "i64", "bool", "f16", "f64",
                                    "u32", "u64", "bf16"};
  std::vector<TensorType> types;
  for (const std::string &name : names)
    types.emplace_back(
        *parseElementType(name),
        std::vector<Dim>{Dim(0), Dim::symbol("batch"), Dim::unknown(), Dim(7)});
  types.push_back(TensorType::unranked(ElementType::F16));
  types.push_back(TensorType(ElementType::F32, std::vector<int64_t>{}));
  types.push_back(
      TensorType(ElementType::F32, {Dim::symbol("batch size"), Dim::symbol("?"),
                                    Dim::symbol("2*seq"), Dim::symbol("_x1")}));
  TensorType q(ElementType::I8, std::vector<int64_t>{4});
  q.setQuant(QuantParams{-1, {0.0078125}, {-3}});
  types.push_back(q);
  TensorType qa(ElementType::U8, std::vector<int64_t>{2, 3});
  qa.setQuant(QuantParams{0, {0.1, 1e-07}, {0, 255}});
  types.push_back(qa);
  TensorType qodd(ElementType::I32, std::vector<int64_t>{2});
  qodd.setQuant(QuantParams{-1, {}, {}}); // malformed but representable
  types.push_back(qodd);
  for (size_t i = 0; i < types.size(); ++i)
    f.addInput("in" + std::to_string(i), types[i]);
  f.setOutputs({f.inputs()[0]});

  CHECK(types[types.size() - 4].str() ==
        R"(f32["batch size","?","2*seq",_x1])");
  CHECK(q.str() == "i8[4]{quant(0.0078125, -3)}");
  CHECK(qa.str() == "u8[2,3]{quant(axis=0, [0.1, 1e-07], [0, 255])}");

  auto parsed = roundTrip(m);
  const Function &g = parsed->main();
  REQUIRE(g.inputs().size() == types.size());
  for (size_t i = 0; i < types.size(); ++i)
    CHECK(g.inputs()[i]->type() == types[i]);
}

TEST_CASE("constants of every element type round-trip bit-exactly",
          "[printer]") {
  using FL = std::numeric_limits<float>;
  using DL = std::numeric_limits<double>;
  Module m;
  Function &f = m.addFunction("main");
  std::vector<Tensor> tensors = {
      Tensor::fromVector<float>({1.0f, 0.1f, -2.5f, FL::infinity(),
                                 -FL::infinity(), FL::quiet_NaN(), -0.0f,
                                 FL::denorm_min(), FL::max(), 123456789.0f},
                                {2, 5}),
      Tensor::fromVector<double>(
          {0.1, DL::denorm_min(), DL::max(), -DL::infinity(), 1e16}, {5}),
      Tensor::fromVector<Half>({Half(0.1f), Half(65504.0f), Half(-1.0f),
                                Half::fromBits(0x0001), Half(FL::infinity())},
                               {5}),
      Tensor::fromVector<BFloat16>(
          {BFloat16(0.1f), BFloat16(3e38f), BFloat16(-7.0f)}, {3}),
      Tensor::fromVector<int8_t>({-128, 127, 0}, {3}),
      Tensor::fromVector<uint8_t>({0, 255}, {2}),
      Tensor::fromVector<int16_t>({-32768, 32767}, {2}),
      Tensor::fromVector<uint16_t>({65535}, {1}),
      Tensor::fromVector<int32_t>({std::numeric_limits<int32_t>::min()}, {1}),
      Tensor::fromVector<uint32_t>({4294967295u}, {1}),
      Tensor::fromVector<int64_t>({std::numeric_limits<int64_t>::min(),
                                   std::numeric_limits<int64_t>::max()},
                                  {2}),
      Tensor::fromVector<uint64_t>({std::numeric_limits<uint64_t>::max()}, {1}),
      Tensor::fromVector<bool>({true, false, true}, {3, 1}),
      Tensor::scalar<float>(42.0f),
      Tensor(ElementType::F32, {0, 3}),
  };
  for (size_t i = 0; i < tensors.size(); ++i)
    constant(f, tensors[i], "c" + std::to_string(i));
  f.setOutputs({f.nodes().front()->result()});

  std::string printed = toText(m);
  CHECK_THAT(printed,
             Catch::Contains("dense<f32[2,5]>[1, 0.1, -2.5, inf, -inf, nan, "
                             "-0, 1e-45, 3.4028235e+38, 123456790]"));
  CHECK_THAT(printed, Catch::Contains("dense<bool[3,1]>[true, false, true]"));
  CHECK_THAT(printed, Catch::Contains("dense<u64[1]>[18446744073709551615]"));
  CHECK_THAT(printed, Catch::Contains("dense<f32[]>[42]"));
  CHECK_THAT(printed, Catch::Contains("dense<f32[0,3]>[]"));

  auto parsed = roundTrip(m);
  size_t i = 0;
  for (const auto &n : parsed->main().nodes()) {
    INFO("constant " << i);
    CHECK(n->getTensor("value").identicalTo(tensors.at(i)));
    ++i;
  }
  CHECK(i == tensors.size());
}

TEST_CASE("attributes of every kind round-trip", "[printer]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput("x", f32({2}));
  Value *xi =
      f.addInput("xi", TensorType(ElementType::I32, std::vector<int64_t>{2}));

  std::string allBytes;
  for (int c = 0; c < 256; ++c)
    allBytes += char(c);
  Node *shift =
      f.createNode(OpKind::BitShift, {xi, xi}, {xi->type()}, "", {"shifted"});
  shift->setAttr("direction", allBytes);

  std::vector<float> specials = {1.0f,
                                 -0.0f,
                                 1e20f,
                                 1e-45f,
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 std::nanf("")};
  for (size_t i = 0; i < specials.size(); ++i) {
    Node *n = f.createNode(OpKind::LeakyRelu, {x}, {x->type()}, "",
                           {"lr" + std::to_string(i)});
    n->setAttr("alpha", specials[i]);
  }
  Node *cast = f.createNode(OpKind::Cast, {x}, {xi->type()}, "", {"cast"});
  cast->setAttr("to", int64_t(std::numeric_limits<int64_t>::min()));

  // RNN: Floats, Strings, empty lists, an Int, and no results at all.
  Node *rnn = f.createNode(OpKind::RNN, {x, x, x}, {}, "rnn with no results");
  rnn->setAttr("activation_alpha", std::vector<float>{0.5f, 2.0f, -1e-3f});
  rnn->setAttr("activation_beta", std::vector<float>{});
  rnn->setAttr("activations",
               std::vector<std::string>{"Tanh", "", "with \"quotes\"\n"});
  Node *rnn2 =
      f.createNode(OpKind::RNN, {x, x, x, nullptr, nullptr, x}, {}, "");
  rnn2->setAttr("activations", std::vector<std::string>{});
  Node *conv = f.createNode(OpKind::Conv, {x, x}, {x->type()}, "", {"conv"});
  conv->setAttr("pads", std::vector<int64_t>{});
  conv->setAttr("strides", std::vector<int64_t>{-1, 0, 9000000000000});
  f.setOutputs({shift->result(), cast->result()});

  std::string printed = toText(m);
  CHECK_THAT(printed, Catch::Contains("{alpha = 1.0}"));
  CHECK_THAT(printed, Catch::Contains("{alpha = -0.0}"));
  CHECK_THAT(printed, Catch::Contains("{alpha = 1e+20}"));
  CHECK_THAT(printed, Catch::Contains("{alpha = -inf}"));
  CHECK_THAT(printed, Catch::Contains("activation_beta = []"));
  CHECK_THAT(printed, Catch::Contains("activation_alpha = [0.5, 2.0, -0.001]"));
  CHECK_THAT(printed, Catch::Contains(R"(loc("rnn with no results"))"));
  CHECK_THAT(printed, Catch::Contains("RNN(%x, %x, %x, _, _, %x)"));

  auto parsed = roundTrip(m);
  auto it = parsed->main().nodes().begin();
  CHECK((*it)->getString("direction") == allBytes);
  for (size_t i = 0; i < specials.size(); ++i) {
    ++it;
    float got = (*it)->getFloat("alpha");
    if (std::isnan(specials[i]))
      CHECK(std::isnan(got));
    else
      CHECK(std::memcmp(&got, &specials[i], sizeof(float)) == 0);
  }
  ++it;
  CHECK((*it)->getInt("to") == std::numeric_limits<int64_t>::min());
  ++it;
  CHECK((*it)->numResults() == 0);
  CHECK((*it)->getStrings("activations")[2] == "with \"quotes\"\n");
  CHECK((*it)->attrs().at("activation_beta").kind() == AttrKind::Floats);
  ++it;
  CHECK((*it)->name().empty());
  CHECK((*it)->numOperands() == 6);
  CHECK(!(*it)->hasOperand(3));
  CHECK((*it)->attrs().at("activations").kind() == AttrKind::Strings);
}

TEST_CASE("arbitrary names are quoted and round-trip", "[printer]") {
  Module m;
  m.metadata()["key with space"] = "value\twith\x01"
                                   "bytes\xff";
  m.metadata()["doc_string"] = "";
  Function &f = m.addFunction("main graph");
  std::vector<std::string> names = {"0",       "1abc",     "a b", "q\"b\\s",
                                    "\n",      "\xc3\xa9", "-",   "%",
                                    "a.b$c-d", "_",        "x^1", "@f"};
  std::vector<Value *> inputs;
  for (const std::string &n : names)
    inputs.push_back(f.addInput(n, f32({1})));
  Node *add = f.createNode(OpKind::Add, {inputs[0], inputs[3]}, {f32({1})},
                           "node \"name\"\n", {"sum 1"});
  f.setOutputs({add->result(), inputs[7]});
  Function &g = m.addFunction("123");
  g.setOutputs({g.addInput("y", f32({}))});

  std::string printed = toText(m);
  CHECK_THAT(printed, Catch::Contains(R"(func @"main graph"(%0: f32[1], )"
                                      R"(%1abc: f32[1], %"a b": f32[1], )"
                                      R"(%"q\"b\\s": f32[1], %"\n": f32[1], )"
                                      R"(%"\xc3\xa9": f32[1], %-: f32[1])"));
  CHECK_THAT(printed, Catch::Contains(R"(%a.b$c-d: f32[1], %_: f32[1])"));
  CHECK_THAT(printed, Catch::Contains("func @123(%y: f32[])"));

  auto parsed = roundTrip(m);
  REQUIRE(parsed->functions().size() == 2);
  const Function &pf = *parsed->functions()[0];
  CHECK(pf.name() == "main graph");
  for (size_t i = 0; i < names.size(); ++i)
    CHECK(pf.inputs()[i]->name() == names[i]);
  CHECK(pf.nodes().front()->name() == "node \"name\"\n");
  CHECK(pf.outputs()[0]->name() == "sum 1");
  CHECK(pf.outputs()[1] == pf.inputs()[7]);
  CHECK(parsed->metadata() == m.metadata());
}

TEST_CASE("subgraphs see enclosing values through the scope chain",
          "[printer]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *cond =
      f.addInput("cond", TensorType(ElementType::Bool, std::vector<int64_t>{}));
  Value *x = f.addInput("x", f32({2}));
  Value *y = f.addInput("y", f32({2}));

  // then: uses outer %x; contains a Loop whose body uses values from one
  // and two levels up, and shadows %x and %t with its own inputs.
  auto thenBody = std::make_shared<Function>("then_body", &f);
  Node *t = thenBody->createNode(OpKind::Relu, {x}, {f32({2})}, "", {"t"});
  auto loopBody = std::make_shared<Function>("loop body", thenBody.get());
  Value *iter = loopBody->addInput(
      "i", TensorType(ElementType::I64, std::vector<int64_t>{}));
  Value *lc = loopBody->addInput("c", cond->type());
  Value *shadowX = loopBody->addInput("x", f32({2}));
  Node *a =
      loopBody->createNode(OpKind::Add, {shadowX, x}, {f32({2})}, "", {"a"});
  Node *b = loopBody->createNode(OpKind::Add, {a->result(), t->result()},
                                 {f32({2})}, "", {"b"});
  loopBody->createNode(OpKind::Add, {b->result(), y}, {f32({2})}, "", {"t"});
  Node *b2 = loopBody->createNode(OpKind::Add, {b->result(), t->result()},
                                  {f32({2})}, "", {"b2"});
  loopBody->setOutputs({lc, b2->result()});
  (void)iter;
  Node *loop = thenBody->createNode(OpKind::Loop, {nullptr, cond, x},
                                    {f32({2})}, "loop", {"l"});
  loop->setAttr("body", Attribute(loopBody));
  thenBody->setOutputs({loop->result()});

  // else: returns an outer value directly.
  auto elseBody = std::make_shared<Function>("else_body", &f);
  elseBody->setOutputs({y});

  Node *ifNode = f.createNode(OpKind::If, {cond}, {f32({2})}, "if", {"r"});
  ifNode->setAttr("then_branch", Attribute(thenBody));
  ifNode->setAttr("else_branch", Attribute(elseBody));
  f.setOutputs({ifNode->result()});

  std::string printed = toText(m);
  CHECK_THAT(printed, Catch::Contains("%a = Add(%x, %x^2) : f32[2]"));
  CHECK_THAT(printed, Catch::Contains("%b2 = Add(%b, %t^1) : f32[2]"));
  CHECK_THAT(printed, Catch::Contains(
                          "  %r = If(%cond) {else_branch = func @else_body() "
                          "{\n    return %y\n  }, then_branch = func "
                          "@then_body() {\n    %t = Relu(%x) : f32[2]\n"));

  auto parsed = roundTrip(m);
  Function &pf = parsed->main();
  Node &pif = *pf.nodes().front();
  Function &pthen = pif.getGraph("then_branch");
  Function &pelse = pif.getGraph("else_branch");
  CHECK(pthen.parentScope() == &pf);
  CHECK(pelse.parentScope() == &pf);
  CHECK(pelse.outputs()[0] == pf.inputs()[2]);
  Node &prelu = *pthen.nodes().front();
  CHECK(prelu.operand(0) == pf.inputs()[1]);
  Node &ploop = *pthen.nodes().back();
  CHECK(!ploop.hasOperand(0));
  Function &pbody = ploop.getGraph("body");
  CHECK(pbody.parentScope() == &pthen);
  auto nodeIt = pbody.nodes().begin();
  CHECK((*nodeIt)->operand(0) == pbody.inputs()[2]);
  CHECK((*nodeIt)->operand(1) == pf.inputs()[1]);
  ++nodeIt;
  CHECK((*nodeIt)->operand(1) == prelu.result()); // %t before the shadow
  ++nodeIt;
  ++nodeIt;
  CHECK((*nodeIt)->operand(1) == prelu.result()); // %t^1 after it
}

TEST_CASE("large constants go to a side file and come back", "[printer]") {
  TempDir dir;
  Module m;
  Function &f = m.addFunction("main");
  std::vector<float> big(1000);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = float(i) * 0.25f - 7.0f;
  std::vector<int8_t> odd(17);
  for (size_t i = 0; i < odd.size(); ++i)
    odd[i] = int8_t(i * 13);
  std::vector<bool> flags(40);
  for (size_t i = 0; i < flags.size(); ++i)
    flags[i] = i % 3 == 0;
  Tensor bigT = Tensor::fromVector(big, {10, 100});
  Tensor oddT = Tensor::fromVector(odd, {17});
  Tensor flagT = Tensor::fromVector(flags, {40});
  Tensor smallT = Tensor::fromVector<float>({1, 2}, {2});
  constant(f, oddT, "odd");
  constant(f, bigT, "big");
  constant(f, smallT, "small");
  Node *c = constant(f, flagT, "flags");
  // A large tensor inside a subgraph uses the same side file.
  auto body = std::make_shared<Function>("then", &f);
  Node *inner = constant(*body, bigT, "inner");
  body->setOutputs({inner->result()});
  Node *ifNode =
      f.createNode(OpKind::If, {c->result()}, {f32({10, 100})}, "", {"r"});
  ifNode->setAttr("then_branch", Attribute(body));
  ifNode->setAttr("else_branch", Attribute(body));
  f.setOutputs({ifNode->result()});

  PrintOptions options;
  options.sideFilePath = (dir.path / "model.kir.bin").string();
  std::string printed = toText(m, options);
  CHECK_THAT(printed, Catch::Contains(R"(blob<i8[17]>("model.kir.bin", 0))"));
  CHECK_THAT(printed,
             Catch::Contains(R"(blob<f32[10,100]>("model.kir.bin", 64))"));
  CHECK_THAT(printed, Catch::Contains("dense<f32[2]>[1, 2]"));
  CHECK_THAT(printed,
             Catch::Contains(R"(blob<bool[40]>("model.kir.bin", 4096))"));
  CHECK_THAT(printed,
             Catch::Contains(R"(blob<f32[10,100]>("model.kir.bin", 4160))"));
  // else_branch and then_branch each print the body: 4160 and 8192.
  CHECK(fs::file_size(options.sideFilePath) == 8192 + 4000);
  {
    std::ofstream out(dir.path / "model.kir");
    out << printed;
  }
  auto parsed = parseModuleFile((dir.path / "model.kir").string());
  auto it = parsed->main().nodes().begin();
  CHECK((*it++)->getTensor("value").identicalTo(oddT));
  CHECK((*it++)->getTensor("value").identicalTo(bigT));
  CHECK((*it++)->getTensor("value").identicalTo(smallT));
  CHECK((*it++)->getTensor("value").identicalTo(flagT));
  CHECK((*it)
            ->getGraph("then_branch")
            .nodes()
            .front()
            ->getTensor("value")
            .identicalTo(bigT));

  // Printing the parsed module again gives the same text and file bytes.
  auto readAll = [](const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string firstBytes = readAll(options.sideFilePath);
  CHECK(toText(*parsed, options) == printed);
  CHECK(readAll(options.sideFilePath) == firstBytes);

  // Without a side file everything is inline.
  std::string inlineText = toText(*parsed);
  CHECK(inlineText.find("blob<") == std::string::npos);
  CHECK(toText(*parseModule(inlineText)) == inlineText);

  SECTION("side-file problems are located diagnostics") {
    std::string base = dir.path.string();
    auto errorOf = [&](const std::string &text) {
      try {
        parseModule(text, "t.kir", base);
      } catch (const Error &e) {
        return std::string(e.what());
      }
      return std::string("<no error>");
    };
    std::string pre = "func @main() {\n  %c = Constant() {value = ";
    std::string post = "} : f32[4]\n  return %c\n}\n";
    CHECK_THAT(errorOf(pre + R"(blob<f32[4]>("missing.bin", 0))" + post),
               Catch::StartsWith("t.kir:2:41: cannot read side file") &&
                   Catch::Contains("missing.bin"));
    CHECK_THAT(errorOf(pre + R"(blob<f32[4]>("model.kir.bin", 99999))" + post),
               Catch::StartsWith("t.kir:2:58: offset 99999 is past the end"));
    std::string trunc =
        pre + R"(blob<f32[4]>("model.kir.bin", )" +
        std::to_string(fs::file_size(options.sideFilePath) - 8) + ")" + post;
    CHECK_THAT(errorOf(trunc), Catch::StartsWith("t.kir:2:58: side file") &&
                                   Catch::Contains("is truncated"));
    CHECK_THAT(errorOf(pre + R"(blob<f32[4]>("model.kir.bin", -1))" + post),
               Catch::StartsWith("t.kir:2:58: a byte offset must not be "
                                 "negative"));
  }
}

TEST_CASE("malformed text gives file:line:col diagnostics", "[printer]") {
  struct Case {
    const char *text;
    const char *expected; // prefix of the message
  };
  const Case cases[] = {
      {"func @main() {\n  %y = Frobnicate() : f32[1]\n  return %y\n}",
       "<input>:2:8: unknown op 'Frobnicate'"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%z) : f32[2]\n  return %y\n}",
       "<input>:2:13: unknown value '%z'"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%z) : f32[2]\n"
       "  %z = Relu(%x) : f32[2]\n  return %y\n}",
       "<input>:2:13: value '%z' is used before its definition"},
      {"func @main(%x: f32[2], %x: f32[2]) {\n  return %x\n}",
       "<input>:1:24: duplicate value name '%x'"},
      {"func @main(%x: f32[2]) {\n  %x = Relu(%x) : f32[2]\n  return %x\n}",
       "<input>:2:3: duplicate value name '%x'"},
      {"func @main(%x: f32[2]) {\n  %y = Add(%x) : f32[2]\n  return %y\n}",
       "<input>:2:8: Add takes 2 operand(s), got 1"},
      {"func @main(%x: f31[2]) {\n  return %x\n}",
       "<input>:1:16: unknown element type 'f31'"},
      {"func @main(%x: f32[-2]) {\n  return %x\n}",
       "<input>:1:20: negative dimension -2"},
      {"func @main(%x: f32[4611686018427387904]) {\n  return %x\n}",
       "<input>:1:20: dimension 4611686018427387904 is too large"},
      {"func @main(%x: f32[1048576,1048576,1048576,1048576]) {\n"
       "  return %x\n}",
       "<input>:1:44: type has too many elements"},
      {"func @main(%x: f32[2]) {\n  %y = LeakyRelu(%x) {alpha = 1.2.3} : "
       "f32[2]\n  return %y\n}",
       "<input>:2:31: malformed number"},
      {"func @main() {\n  %c = Constant() {value = dense<f32[3]>[1, 2]} : "
       "f32[3]\n  return %c\n}",
       "<input>:2:46: tensor of type f32[3] needs 3 elements, got 2"},
      {"func @main() {\n  %c = Constant() {value = dense<f32[1]>[1, 2]} : "
       "f32[1]\n  return %c\n}",
       "<input>:2:45: too many elements"},
      {"func @main() {\n  %c = Constant() {value = "
       "dense<f32[1099511627776]>[1]} : f32[1]\n  return %c\n}",
       "<input>:2:55: tensor of type f32[1099511627776] needs 1099511627776 "
       "elements, got 1"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x) : f32[2] loc(\"abc)\n"
       "  return %y\n}",
       "<input>:2:30: unterminated string"},
      {"func @main(%x: f32[2]) {\n  return %x\n}\n}",
       "<input>:4:1: expected 'func' or end of input, got '}'"},
      {"func @main(%x: f32[2]) {\n  return %x\n}\ngarbage",
       "<input>:4:1: expected 'func' or end of input, got 'garbage'"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x) : f32[2]\n",
       "<input>:3:1: expected an op name or 'return', got end of input"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x) {bogus = 1} : f32[2]\n"
       "  return %y\n}",
       "<input>:2:18: op Relu has no attribute 'bogus'"},
      {"func @main(%x: f32[2]) {\n  %y = LeakyRelu(%x) {alpha = \"a\"} : "
       "f32[2]\n  return %y\n}",
       "<input>:2:31: attribute 'alpha' of LeakyRelu must be float, got "
       "string"},
      {"func @main(%x: f32[2]) {\n  %y, %z = Relu(%x) : f32[2], f32[2]\n"
       "  return %y\n}",
       "<input>:2:12: Relu produces 1 result(s), got 2"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x) : f32[2], f32[2]\n"
       "  return %y\n}",
       "<input>:2:17: 1 result name(s) but 2 result type(s)"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x^1) : f32[2]\n"
       "  return %y\n}",
       "<input>:2:16: there is no enclosing function 1 level(s) up"},
      {"func @main(%x: i8[2]) {\n  %c = Constant() {value = "
       "dense<i8[1]>[300]} : i8[1]\n  return %c\n}",
       "<input>:2:41: 300 does not fit in i8"},
      {"func @main() {\n  %c = Constant() {value = dense<f32[1]>[\"a\"]} : "
       "f32[1]\n  return %c\n}",
       "<input>:2:42: expected a number"},
      {"func @main(%x: f32[2]) {\n  return %x\n}\nfunc @main() {\n"
       "  return\n}",
       "<input>:4:6: duplicate function '@main'"},
      {"func @main(%x: f32[2]) {\n  %y = Relu(%x) : f32[2] # \n}",
       "<input>:2:26: unexpected character \"#\""},
      {"func @main(%x: f32[2]) {\n  %y = Cast(%x) {to = 99999999999999999999}"
       " : f32[2]\n  return %y\n}",
       "<input>:2:23: integer 99999999999999999999 is out of range"},
      {"func @main(%\"a\\q\": f32[2]) {\n  return %x\n}",
       "<input>:1:15: invalid escape sequence"},
      {"func @main(%x: f32[2]) {\n  %y = Conv(%x, %x) {pads = []} : f32[2]\n"
       "  %z = Cast(%x) {to = []} : f32[2]\n  return %y\n}",
       "<input>:3:23: cannot tell the kind of an empty list"},
      {"module {a = \"1\", a = \"2\"}\n",
       "<input>:1:18: duplicate metadata key"},
  };
  for (const Case &c : cases) {
    INFO(c.text);
    CHECK_THAT(parseError(c.text), Catch::StartsWith(c.expected));
  }
}

TEST_CASE("deep nesting is refused, not a stack overflow", "[printer]") {
  std::string text = "func @main(%c: bool[]) {\n";
  const int depth = 10000;
  for (int i = 0; i < depth; ++i)
    text += "%r = If(%c) {else_branch = func @e() { return %c }, "
            "then_branch = func @t() {\n";
  CHECK_THAT(parseError(text),
             Catch::Contains("subgraphs are nested more than 64 levels deep"));
  CHECK_THAT(parseError(std::string(100000, '[')),
             Catch::StartsWith("<input>:1:1: expected 'func'"));
}

TEST_CASE("truncated and mutated text never crashes the parser", "[printer]") {
  Module m;
  m.metadata()["opset"] = "17";
  Function &f = m.addFunction("main");
  Value *c =
      f.addInput("c", TensorType(ElementType::Bool, std::vector<int64_t>{}));
  Value *x =
      f.addInput("x", TensorType(ElementType::F32, {Dim::symbol("N"), Dim(2)}));
  Node *k = constant(f, Tensor::fromVector<float>({1.5f, -2}, {2}), "k");
  auto body = std::make_shared<Function>("b", &f);
  Node *inner =
      body->createNode(OpKind::Add, {x, k->result()}, {x->type()}, "in", {"s"});
  body->setOutputs({inner->result()});
  Node *ifNode = f.createNode(OpKind::If, {c}, {x->type()}, "if", {"r"});
  ifNode->setAttr("then_branch", Attribute(body));
  ifNode->setAttr("else_branch", Attribute(body));
  Node *lr = f.createNode(OpKind::LeakyRelu, {ifNode->result()}, {x->type()},
                          "", {"y"});
  lr->setAttr("alpha", 0.5f);
  f.setOutputs({lr->result()});
  std::string text = toText(m);
  REQUIRE_NOTHROW(parseModule(text));

  size_t errors = 0, parsed = 0;
  std::vector<std::string> unlocated;
  auto attempt = [&](const std::string &input) {
    try {
      parseModule(input);
      ++parsed;
    } catch (const Error &e) {
      ++errors;
      if (!hasLocation(e.what()))
        unlocated.push_back(e.what());
    }
  };
  for (size_t len = 0; len < text.size(); ++len)
    attempt(text.substr(0, len));
  std::mt19937 rng(1234);
  const std::string alphabet = "%@\"\\{}[]()<>,=:^?*-_0123456789.e aZ\n\x01";
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = text;
    int edits = 1 + int(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % mutated.size();
      switch (rng() % 3) {
      case 0:
        mutated[pos] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        mutated.erase(pos, 1 + rng() % 4);
        break;
      default:
        mutated.insert(pos, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    attempt(mutated);
  }
  CHECK(unlocated.empty());
  CHECK(errors > 1000);
  CHECK(parsed > 0);
}

TEST_CASE("hand-written text may rely on the op table", "[printer]") {
  auto m = parseModule(R"(// a comment
func @main(%x: f32[2]) {
  %y = LeakyRelu(%x) {alpha = 2} : f32[2]   // int literal for a float
  RNN(%x, %x, %x) {activation_alpha = [1, 2], activations = []}
  return %y
}
)");
  Node &lr = *m->main().nodes().front();
  CHECK(lr.getFloat("alpha") == 2.0f);
  Node &rnn = *m->main().nodes().back();
  CHECK(rnn.getFloats("activation_alpha") == std::vector<float>{1.0f, 2.0f});
  CHECK(rnn.attrs().at("activations").kind() == AttrKind::Strings);
  CHECK(m->metadata().empty());
}
