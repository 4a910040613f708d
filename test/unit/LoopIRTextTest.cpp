//===- LoopIRTextTest.cpp - loop IR printer/parser round trips ------------===//
// print -> parse -> print must be the identity for every node kind; names of
// distinct nodes are made distinct; malformed text gives located errors.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Parser.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Verifier.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace kiln;
using namespace kiln::loop;

namespace {

const DType f32 = DType(ElementType::F32);

/// Prints f, parses it, prints again; returns the parsed function.
PrimFunc roundTrip(const PrimFunc &f) {
  std::string first = printPrimFunc(f);
  std::vector<PrimFunc> parsed;
  try {
    parsed = parsePrimFuncs(first, "<roundtrip>");
  } catch (const Error &e) {
    FAIL(e.what() << "\nin:\n" << first);
  }
  REQUIRE(parsed.size() == 1);
  CHECK(printPrimFunc(parsed[0]) == first);
  return parsed[0];
}

std::string parseError(const std::string &text) {
  try {
    parsePrimFuncs(text, "t.lir");
  } catch (const Error &e) {
    return e.what();
  }
  return "<no error>";
}

// Every expression kind, every binary and unary operator, every loop kind,
// every memory scope and every statement kind.
PrimFunc everything() {
  Buffer a = makeBuffer("a", ElementType::F32, {4, 8});
  Buffer b = std::make_shared<BufferNode>("b", ElementType::I32,
                                          std::vector<int64_t>{4, 3},
                                          std::vector<int64_t>{1, 5});
  Buffer out = makeBuffer("out", ElementType::F32, {4, 8});
  Buffer flags = makeBuffer("flags", ElementType::Bool, {8});
  Buffer big = makeBuffer("big", ElementType::U64, {2});
  Var i("i"), j("j"), j2("j"), n32("n", DType(ElementType::I32)), x("x", f32);
  std::vector<Stmt> body;
  // Arithmetic and comparisons on integers.
  std::vector<Expr> ints;
  for (int op = 0; op <= int(BinaryOp::Shr); ++op) {
    BinaryOp bop = BinaryOp(op);
    if (bop == BinaryOp::And || bop == BinaryOp::Or)
      continue;
    ints.push_back(binary(bop, i * 3 - 1, j));
  }
  Expr sum = intImm(DType(ElementType::I32), 0);
  for (const Expr &e : ints)
    sum = sum + cast(ElementType::I32, e);
  body.push_back(makeStore(b, {i, floorMod(j, 3)}, sum + load(b, {i, 2})));
  // Float maths, precedence and associativity, unary ops, select, calls.
  Expr va = load(a, {i, j});
  auto fc = [](double v) { return floatImm(f32, v); };
  Expr fexpr = (va - (va - 1.5)) * (va / 3.0) + -va -
               unary(UnaryOp::Neg, floatImm(f32, 2));
  fexpr = fexpr + mathCall("exp", va) + mathCall("pow", va, va) +
          mathCall("atan2", va, floatImm(f32, 0.1));
  fexpr = select(logicalOr(logicalAnd(va < fc(0), logicalNot(va >= fc(1))),
                           mathCall("isnan", va)),
                 fexpr, floatImm(f32, -std::numeric_limits<double>::infinity()));
  body.push_back(makeLet(x, fexpr, makeStore(out, {i, j}, x)));
  body.push_back(makeStore(flags, {j}, (va == fc(0)) != (va > fc(2))));
  body.push_back(makeStore(big, {0}, intImm(DType(ElementType::U64), -1)));
  body.push_back(makeStore(
      big, {1}, unary(UnaryOp::BitNot, intImm(DType(ElementType::U64), 7))));
  Stmt inner = makeSeq(body);
  // Vector forms.
  Stmt vec = makeStore(out, {i, ramp(0, 1, 8)},
                       load(a, {broadcast(i, 8), ramp(0, 1, 8)}) +
                           broadcast(floatImm(f32, 0.25), 8));
  Stmt ifs = makeIf(i == 0, makeBarrier(),
                    makeIf(i == 1,
                           makeEvaluate(call(DType(ElementType::I32),
                                             "vta.sync", {i})),
                           makeEvaluate(call(DType(ElementType::I32),
                                             "kiln.nop", {}))));
  std::vector<Stmt> top;
  top.push_back(makeFor(i, 0, 4, ForKind::Parallel,
                        makeSeq({makeFor(j, 0, 8, ForKind::Serial, inner),
                                 vec, ifs})));
  int k = 0;
  for (ForKind kind : {ForKind::Vectorized, ForKind::Unrolled,
                       ForKind::GpuBlockX, ForKind::GpuBlockY,
                       ForKind::GpuBlockZ, ForKind::GpuThreadX,
                       ForKind::GpuThreadY, ForKind::GpuThreadZ}) {
    Var v("k");
    top.push_back(makeFor(v, 1, 2, kind,
                          makeStore(out, {v, k++}, floatImm(f32, 0))));
  }
  // A loop with an i32 variable and computed bounds.
  top.push_back(makeFor(
      n32, intImm(DType(ElementType::I32), 1),
      intImm(DType(ElementType::I32), 2),
      ForKind::Serial,
      makeFor(j2, cast(ElementType::I64, n32), cast(ElementType::I64, n32) * 2,
              ForKind::Serial, makeStore(out, {0, j2}, floatImm(f32, 1)))));
  // Allocations in every non-global scope.
  for (int s = 1; s <= int(MemoryScope::NvdlaCbuf); ++s) {
    Buffer t = makeBuffer("t", ElementType::F16, {2, 2}, MemoryScope(s));
    top.push_back(makeAllocate(
        t, makeStore(t, {1, 1}, cast(ElementType::F16, load(a, {0, 0})))));
  }
  PrimFunc f;
  f.name = "everything";
  f.params = {a, b, out, flags, big};
  f.body = makeSeq(top);
  return f;
}

} // namespace

TEST_CASE("loop IR text: every node kind round-trips", "[loopir][text]") {
  PrimFunc f = everything();
  REQUIRE_NOTHROW(verifyPrimFunc(f));
  PrimFunc g = roundTrip(f);
  CHECK_NOTHROW(verifyPrimFunc(g));
  std::string text = printPrimFunc(f);
  // Spot checks of the syntax.
  CHECK(text.find("func @everything(%a: f32[4,8] global, %b: i32[4,3] "
                  "strides [1,5] global,") == 0);
  CHECK(text.find("for %i in [0, 4) parallel {") != std::string::npos);
  CHECK(text.find("for %n: i32 in [1, 3) serial {") != std::string::npos);
  CHECK(text.find("for %j.1 from cast<i64>(%n) extent cast<i64>(%n) * 2 "
                  "serial {") != std::string::npos);
  CHECK(text.find("for %k.1 in [1, 3) unrolled {") != std::string::npos);
  CHECK(text.find("gpu.thread.z {") != std::string::npos);
  CHECK(text.find("alloc %t.7: f16[2,2] nvdla.cbuf {") != std::string::npos);
  CHECK(text.find("%big[0] = 18446744073709551615:u64") != std::string::npos);
  CHECK(text.find("-inf:f32") != std::string::npos);
  CHECK(text.find("-(2:f32)") != std::string::npos);
  CHECK(text.find("ramp(0, 1, 8)") != std::string::npos);
  CHECK(text.find("broadcast(0.25:f32, 8)") != std::string::npos);
  CHECK(text.find("eval call<i32>(\"vta.sync\", %i)") != std::string::npos);
  CHECK(text.find("eval call<i32>(\"kiln.nop\")") != std::string::npos);
  CHECK(text.find("} else if %i == 1 {") != std::string::npos);
  CHECK(text.find("isnan(%a[%i, %j])") != std::string::npos);
  CHECK(text.find("barrier") != std::string::npos);
  CHECK(text.find("let %x: f32 = select(") != std::string::npos);
}

TEST_CASE("loop IR text: operator precedence keeps the tree",
          "[loopir][text]") {
  Var x("x"), y("y"), z("z");
  CHECK(printExpr(x - (y - z)) == "%x - (%y - %z)");
  CHECK(printExpr((x - y) - z) == "%x - %y - %z");
  CHECK(printExpr((x + y) * z) == "(%x + %y) * %z");
  CHECK(printExpr(x + y * z) == "%x + %y * %z");
  CHECK(printExpr(-(x + 1)) == "-(%x + 1)");
  CHECK(printExpr(-Expr(4)) == "-(4)");
  CHECK(printExpr(Expr(-4) * x) == "-4 * %x");
  CHECK(printExpr(x - Expr(-4)) == "%x - -4");
  CHECK(printExpr(logicalOr(logicalAnd(x < y, y < z), x == z)) ==
        "%x < %y && %y < %z || %x == %z");
  CHECK(printExpr(logicalAnd(x < y, logicalOr(y < z, x == z))) ==
        "%x < %y && (%y < %z || %x == %z)");
  CHECK(printExpr(floorDiv(x, 2) % 3) == "floordiv(%x, 2) % 3");
  CHECK(printExpr(intImm(DType(ElementType::I8), -128)) == "-128:i8");
  CHECK(printExpr(boolImm(true)) == "true");
  CHECK(printExpr(intImm(DType::boolean(4), 0)) == "false:boolx4");
  // Each of these round-trips through a function body.
  Buffer o = makeBuffer("o", ElementType::I64, {1});
  for (Expr e : {x - (y - z), (x - y) - z, -(x + 1), -Expr(4), Expr(-4) * x,
                 x - Expr(-4), -(-Expr(4)), -(Expr(-4)), x % 3 / 2,
                 x / (y % 3), -(-x),
                 Expr(std::numeric_limits<int64_t>::min()),
                 unary(UnaryOp::BitNot, -x)}) {
    Stmt s = makeFor(Var(x), 0, 1, ForKind::Serial,
                     makeFor(Var(y), 0, 1, ForKind::Serial,
                             makeFor(Var(z), 0, 1, ForKind::Serial,
                                     makeStore(o, {0}, e))));
    PrimFunc f{"p", {o}, s};
    roundTrip(f);
  }
}

TEST_CASE("loop IR text: floats print exactly", "[loopir][text]") {
  Buffer o = makeBuffer("o", ElementType::F64, {16});
  const double values[] = {0.1,
                           -0.0,
                           1.0,
                           1e300,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::nan(""),
                           -std::nan(""),
                           double(3.14159274f),
                           123456789012345678.0,
                           1.0 / 3.0};
  std::vector<Stmt> stores;
  int k = 0;
  for (double v : values)
    stores.push_back(makeStore(o, {k++}, floatImm(DType(ElementType::F64), v)));
  PrimFunc f{"floats", {o}, makeSeq(stores)};
  PrimFunc g = roundTrip(f);
  auto *seq = g.body.as<SeqNode>();
  REQUIRE(seq);
  for (size_t i = 0; i < std::size(values); ++i) {
    auto *imm = seq->stmts[i].as<StoreNode>()->value.as<FloatImmNode>();
    REQUIRE(imm);
    if (std::isnan(values[i])) {
      CHECK(std::isnan(imm->value));
      CHECK(std::signbit(imm->value) == std::signbit(values[i]));
    } else {
      uint64_t x, y;
      std::memcpy(&x, &values[i], 8);
      std::memcpy(&y, &imm->value, 8);
      CHECK(x == y);
    }
  }
  std::string text = printPrimFunc(f);
  CHECK(text.find("%o[0] = 0.1:f64") != std::string::npos);
  CHECK(text.find("%o[1] = -0:f64") != std::string::npos);
  CHECK(text.find("%o[8] = nan:f64") != std::string::npos);
  CHECK(text.find("%o[9] = -nan:f64") != std::string::npos);
}

TEST_CASE("loop IR text: distinct nodes get distinct names",
          "[loopir][text]") {
  // Two buffers and three loop variables share one name; a fourth variable
  // is named like the first duplicate's suffix.
  Buffer p = makeBuffer("x", ElementType::F32, {4});
  Buffer q = makeBuffer("x", ElementType::F32, {4});
  Var a("x"), b("x"), c("x.1"), e("");
  Stmt s = makeSeq(
      {makeFor(a, 0, 4, ForKind::Serial, makeStore(q, {a}, load(p, {a}))),
       makeFor(b, 0, 4, ForKind::Serial, makeStore(q, {b}, load(p, {b}))),
       makeFor(c, 0, 4, ForKind::Serial,
               makeFor(e, 0, 1, ForKind::Serial,
                       makeStore(q, {c + e}, load(p, {c}))))});
  PrimFunc f{"names", {p, q}, s};
  std::string text = printPrimFunc(f);
  CHECK(text.find("func @names(%x: f32[4] global, %x.1: f32[4] global)") == 0);
  CHECK(text.find("for %x.2 in [0, 4) serial {\n    %x.1[%x.2] = %x[%x.2]") !=
        std::string::npos);
  CHECK(text.find("for %x.3 in") != std::string::npos);
  CHECK(text.find("for %x.1.1 in") != std::string::npos);
  CHECK(text.find("for %v in [0, 1)") != std::string::npos);
  PrimFunc g = roundTrip(f);
  // The parsed function has four distinct loop variables and two buffers.
  auto *seq = g.body.as<SeqNode>();
  REQUIRE(seq);
  REQUIRE(seq->stmts.size() == 3);
  CHECK(!seq->stmts[0].as<ForNode>()->var.same(seq->stmts[1].as<ForNode>()->var));
  CHECK(g.params[0] != g.params[1]);
  CHECK(seq->stmts[0].as<ForNode>()->body.as<StoreNode>()->buffer == g.params[1]);
  // One node bound by two sibling loops (invalid, but printable): each
  // binding gets its own name, so the text still reads back the same.
  Var r("r");
  PrimFunc twice{"twice", {q},
                 makeSeq({makeFor(r, 0, 4, ForKind::Serial,
                                  makeStore(q, {r}, floatImm(f32, 0))),
                          makeFor(r, 0, 4, ForKind::Serial,
                                  makeStore(q, {r}, floatImm(f32, 1)))})};
  CHECK(printPrimFunc(twice).find("for %r.1 in [0, 4) serial {\n    "
                                  "%x[%r.1] = 1:f32") != std::string::npos);
  roundTrip(twice);
  // Names that need quoting survive too.
  Buffer odd = makeBuffer("my buffer\"1", ElementType::F32, {1});
  PrimFunc h{"odd name", {odd}, makeStore(odd, {0}, floatImm(f32, 1))};
  CHECK(printPrimFunc(h).find("func @\"odd name\"(%\"my buffer\\\"1\": ") == 0);
  roundTrip(h);
}

TEST_CASE("loop IR text: buffer views", "[loopir][text]") {
  Buffer a = makeBuffer("a", ElementType::F32, {4, 8});
  Buffer out = makeBuffer("out", ElementType::F32, {32});
  Buffer flat = reshapeView(a, {32});
  Buffer tail = std::make_shared<BufferNode>(
      "tail", ElementType::F32, std::vector<int64_t>{2, 2},
      std::vector<int64_t>{1, 4}, MemoryScope::Global, a, 5);
  Buffer t = makeBuffer("t", ElementType::F32, {8}, MemoryScope::Stack);
  Buffer tv = reshapeView(t, {2, 4});
  Var i("i");
  PrimFunc f{"views", {a, out},
             makeSeq({makeFor(i, 0, 32, ForKind::Serial,
                              makeStore(out, {i}, load(flat, {i}))),
                      makeStore(tail, {1, 1}, floatImm(f32, 0)),
                      makeAllocate(t, makeStore(out, {0}, load(tv, {1, 3})))})};
  REQUIRE_NOTHROW(verifyPrimFunc(f));
  std::string text = printPrimFunc(f);
  CHECK(text == "func @views(%a: f32[4,8] global, %out: f32[32] global) {\n"
                "  view %a_view: f32[32] global of %a\n"
                "  view %tail: f32[2,2] strides [1,4] global of %a offset 5\n"
                "  for %i in [0, 32) serial {\n"
                "    %out[%i] = %a_view[%i]\n"
                "  }\n"
                "  %tail[1, 1] = 0:f32\n"
                "  alloc %t: f32[8] stack {\n"
                "    view %t_view: f32[2,4] stack of %t\n"
                "    %out[0] = %t_view[1, 3]\n"
                "  }\n"
                "}\n");
  PrimFunc g = roundTrip(f);
  CHECK_NOTHROW(verifyPrimFunc(g));
  CHECK(g.body.as<SeqNode>()->stmts[1].as<StoreNode>()->buffer->viewOf ==
        g.params[0]);
  // A view reaching past its root is rejected.
  Buffer over = std::make_shared<BufferNode>(
      "over", ElementType::F32, std::vector<int64_t>{4}, std::vector<int64_t>{},
      MemoryScope::Global, a, 30);
  PrimFunc h{"k", {a}, makeStore(over, {0}, floatImm(f32, 0))};
  CHECK_THROWS_WITH(verifyPrimFunc(h),
                    "loop IR verifier: func @k: view 'over' of 'a' reaches "
                    "outside the 32 elements of 'a'");
  CHECK(parseError("func @f(%a: f32[4] global) {\n  view %v: f32[2] global "
                   "of %nope\n}\n") == "t.lir:2:29: '%nope' is not a buffer");
}

TEST_CASE("loop IR text: parses the documented example", "[loopir][text]") {
  std::string text = R"(// comment
func @add(%a: f32[4,8] global, %b: f32[8] global, %out: f32[4,8] global) {
  for %i0 in [0, 4) serial {
    for %i1 in [0, 8) vectorized {
      %out[%i0, %i1] = add(%a[%i0, %i1], %b[%i1])  // function-style add
    }
  }
}
func @empty() {
}
)";
  std::vector<PrimFunc> fs = parsePrimFuncs(text, "x.lir");
  REQUIRE(fs.size() == 2);
  CHECK(fs[0].name == "add");
  verifyPrimFunc(fs[0]);
  CHECK(printPrimFuncs(fs) ==
        "func @add(%a: f32[4,8] global, %b: f32[8] global, %out: f32[4,8] "
        "global) {\n"
        "  for %i0 in [0, 4) serial {\n"
        "    for %i1 in [0, 8) vectorized {\n"
        "      %out[%i0, %i1] = %a[%i0, %i1] + %b[%i1]\n"
        "    }\n"
        "  }\n"
        "}\n"
        "\n"
        "func @empty() {\n"
        "}\n");
}

TEST_CASE("loop IR text: parse errors are located", "[loopir][text]") {
  const std::string head = "func @f(%a: f32[4] global) {\n";
  CHECK(parseError(head + "  %a[0] = %b\n}\n") ==
        "t.lir:2:11: undefined name '%b'");
  CHECK(parseError(head + "  %a[0] = 1.5\n}\n") ==
        "t.lir:2:11: float literal 1.5 needs a float type suffix, e.g. "
        "1.5:f32");
  CHECK(parseError(head + "  %a[0] = 1\n}\n") ==
        "t.lir:2:3: store of i64 into 'a' of f32");
  CHECK(parseError(head + "  for %i in [0, 4) sideways {\n  }\n}\n") ==
        "t.lir:2:20: unknown loop kind 'sideways'");
  CHECK(parseError("func @f(%a: f32[4] nowhere) {\n}\n") ==
        "t.lir:1:20: unknown memory scope 'nowhere'");
  CHECK(parseError("func @f(%a: f33[4] global) {\n}\n") ==
        "t.lir:1:13: unknown element type 'f33'");
  CHECK(parseError(head + "  %a[0] = frob(1)\n}\n") ==
        "t.lir:2:11: unknown function 'frob'");
  CHECK(parseError(head + "  %a[0] = exp(1.0:f32, 2.0:f32)\n}\n") ==
        "t.lir:2:11: 'exp' takes 1 operands, got 2");
  CHECK(parseError(head + "  for %i in [0, 4) serial {\n    for %i in [0, 2) "
                          "serial {\n    }\n  }\n}\n") ==
        "t.lir:3:9: '%i' is already defined");
  CHECK(parseError(head + "  %a[0] = 99999999999999999999\n}\n") ==
        "t.lir:2:11: integer literal 99999999999999999999 is out of range");
  CHECK(parseError(head + "  %a[0] = \"abc\n}\n") ==
        "t.lir:2:11: unterminated string");
  CHECK(parseError(head) == "t.lir:2:1: expected '}', got end of input");
  CHECK(parseError("func @f() {\n}\nfunc @f() {\n}\n") ==
        "t.lir:3:1: function @f is defined twice");
  CHECK(parseError(head + "  %a[0] = #\n}\n") ==
        "t.lir:2:11: unexpected character '#'");
  CHECK(parseError(head + "  %a[0] = " + std::string(5000, '('))
            .find(": nesting too deep") != std::string::npos);
  CHECK(parseError(head + "  %a[0] = " + std::string(5000, '-') + "%a[0]")
            .find("nesting too deep") != std::string::npos);
  CHECK(parseError("func @f(%a: f32[1048576,1048577] global) {\n}\n") ==
        "t.lir:1:13: buffer '%a' is too large");
  CHECK(parseError("func @f(%a: f32[2,2] strides [1,9223372036854775807] "
                   "global) {\n}\n") ==
        "t.lir:1:13: buffer '%a' is too large");
  CHECK(parseError(head + "  let %x: i32 = 1 {\n  }\n}\n") ==
        "t.lir:2:3: let 'x' of i32 bound to i64");
}

TEST_CASE("loop IR text: malformed text never crashes", "[loopir][text]") {
  std::string good = printPrimFunc(everything());
  std::mt19937 rng(1234);
  const std::string junk = "()[]{}<>,:=+-*/%!~@\"0123456789.xe \nfor if";
  int errors = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::string text = good;
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % text.size();
      switch (rng() % 3) {
      case 0: text.erase(pos, 1 + rng() % 8); break;
      case 1: text.insert(pos, 1, junk[rng() % junk.size()]); break;
      default: text = text.substr(0, pos); break;
      }
      if (text.empty())
        text = "f";
    }
    try {
      parsePrimFuncs(text, "fuzz.lir");
    } catch (const Error &) {
      ++errors;
    }
  }
  CHECK(errors > 200);
}

TEST_CASE("loop IR text: program listing", "[loopir][text]") {
  Buffer x = makeBuffer("x", ElementType::F32, {4});
  Buffer w = makeBuffer("w", ElementType::F32, {4});
  Buffer y = makeBuffer("y", ElementType::F32, {4});
  Var i("i");
  Program p;
  p.name = "net";
  p.funcs.push_back(PrimFunc{
      "add", {x, w, y},
      makeFor(i, 0, 4, ForKind::Serial,
              makeStore(y, {i}, load(x, {i}) + load(w, {i})))});
  p.tensors = {
      ProgramTensor{"x", ElementType::F32, {4}, StorageKind::Input, 0, -1, {}},
      ProgramTensor{"w", ElementType::F32, {4}, StorageKind::Constant, -1, -1,
                    Tensor(ElementType::F32, {4})},
      ProgramTensor{"t", ElementType::F32, {4}, StorageKind::Arena, -1, 64, {}},
      ProgramTensor{"y", ElementType::F32, {4}, StorageKind::Output, 0, -1,
                    {}}};
  p.inputs = {0};
  p.outputs = {3};
  p.arenaSize = 128;
  KernelCall c{0, {0, 1, 2}, 0, 0, {2, 0}};
  p.calls = {c, KernelCall{0, {2, 1, 3}, 0, 64, {-1, -1}}};
  CHECK_NOTHROW(verifyProgram(p));
  CHECK(printProgram(p) ==
        "// program \"net\": 4 tensors, 1 kernels, 2 calls, arena 128 bytes\n"
        "tensors {\n"
        "  #0 \"x\": f32[4] input 0 size 16\n"
        "  #1 \"w\": f32[4] constant size 16\n"
        "  #2 \"t\": f32[4] arena offset 64 size 16\n"
        "  #3 \"y\": f32[4] output 0 size 16\n"
        "}\n"
        "inputs (#0)\n"
        "outputs (#3)\n"
        "calls {\n"
        "  @add(#0, #1, #2) inplace 2 <- 0\n"
        "  @add(#2, #1, #3) workspace 64 at 0\n"
        "}\n"
        "\n"
        "func @add(%x: f32[4] global, %w: f32[4] global, %y: f32[4] global) "
        "{\n"
        "  for %i in [0, 4) serial {\n"
        "    %y[%i] = %x[%i] + %w[%i]\n"
        "  }\n"
        "}\n");
}

TEST_CASE("loop IR text: canonical text ignores names only", "[loopir][text]") {
  const char *text = R"(
func @scale(%x: f32[8] global, %y: f32[8] global) {
  for %i in [0, 8) serial {
    %y[%i] = %x[%i] * 2:f32
  }
}

func @other_name(%in: f32[8] global, %out: f32[8] global) {
  for %k in [0, 8) serial {
    %out[%k] = %in[%k] * 2:f32
  }
}

func @other_constant(%x: f32[8] global, %y: f32[8] global) {
  for %i in [0, 8) serial {
    %y[%i] = %x[%i] * 3:f32
  }
}

func @swapped(%x: f32[8] global, %y: f32[8] global) {
  for %i in [0, 8) serial {
    %x[%i] = %y[%i] * 2:f32
  }
}
)";
  std::vector<PrimFunc> f = parsePrimFuncs(text, "t.lir");
  REQUIRE(f.size() == 4);
  CHECK(printPrimFuncCanonical(f[0]) == printPrimFuncCanonical(f[1]));
  CHECK(printPrimFuncCanonical(f[0]) != printPrimFuncCanonical(f[2]));
  // Same names, but the parameters play other roles.
  CHECK(printPrimFuncCanonical(f[0]) != printPrimFuncCanonical(f[3]));
}
