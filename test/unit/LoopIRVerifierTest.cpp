//===- LoopIRVerifierTest.cpp - loop IR verifier diagnostics --------------===//
// Well-formed kernels pass; each broken invariant gives a diagnostic that
// names the function and the problem.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Parser.h"
#include "kiln/LoopIR/Verifier.h"

#include <catch2/catch.hpp>

using namespace kiln;
using namespace kiln::loop;

namespace {

std::string verifyError(const PrimFunc &f) {
  try {
    verifyPrimFunc(f);
  } catch (const Error &e) {
    return e.what();
  }
  return "<no error>";
}

std::string verifyError(const Program &p) {
  try {
    verifyProgram(p);
  } catch (const Error &e) {
    return e.what();
  }
  return "<no error>";
}

/// The verifier's message for a one-function text.
std::string textError(const std::string &body,
                      const std::string &params = "%a: f32[4,8] global") {
  return verifyError(parsePrimFunc("func @k(" + params + ") {\n" + body +
                                   "}\n"));
}

const std::string kPrefix = "loop IR verifier: func @k: ";

} // namespace

TEST_CASE("loop IR verifier accepts well-formed kernels", "[loopir][verify]") {
  CHECK(textError("for %i in [0, 4) parallel {\n"
                  "  for %j in [0, 8) vectorized {\n"
                  "    let %x: f32 = %a[%i, %j] * 2:f32 {\n"
                  "      %a[%i, %j] = exp(%x)\n"
                  "    }\n"
                  "  }\n"
                  "}\n"
                  "alloc %t: f32[262144] stack {\n"
                  "  %t[262143] = %a[3, 7]\n"
                  "}\n"
                  "alloc %g: f32[1048576] global {\n"
                  "  %g[0] = 0:f32\n"
                  "}\n"
                  "%a[0, ramp(0, 1, 8)] = broadcast(1:f32, 8)\n"
                  "eval call<i32>(\"vta.load\", 1, 2)\n"
                  "barrier\n") == "<no error>");
  // The same variable name in sibling loops is two variables.
  CHECK(textError("for %i in [0, 4) serial {\n  %a[%i, 0] = 0:f32\n}\n"
                  "for %i in [0, 4) serial {\n  %a[%i, 1] = 0:f32\n}\n") ==
        "<no error>");
}

TEST_CASE("loop IR verifier rejects scoping errors", "[loopir][verify]") {
  Buffer a = makeBuffer("a", ElementType::F32, {4});
  Var i("i");
  // A variable used after its loop.
  PrimFunc f{"k", {a},
             makeSeq({makeFor(i, 0, 4, ForKind::Serial,
                              makeStore(a, {i}, floatImm(DType(ElementType::F32), 0))),
                      makeStore(a, {i}, floatImm(DType(ElementType::F32), 1))})};
  CHECK(verifyError(f) == kPrefix + "variable 'i' is used outside the "
                                    "for/let that defines it");
  // A loop variable used in its own bounds.
  Var j("j");
  f.body = makeFor(j, 0, j, ForKind::Serial, makeBarrier());
  CHECK(verifyError(f) == kPrefix + "variable 'j' is used outside the "
                                    "for/let that defines it");
  // The same Var node bound by two loops.
  f.body = makeSeq({makeFor(i, 0, 4, ForKind::Serial, makeBarrier()),
                    makeFor(i, 0, 4, ForKind::Serial, makeBarrier())});
  CHECK(verifyError(f) ==
        kPrefix + "variable 'i' is defined twice (second time by a for)");
  f.body = makeFor(i, 0, 4, ForKind::Serial, makeLet(i, 1, makeBarrier()));
  CHECK(verifyError(f) ==
        kPrefix + "variable 'i' is defined twice (second time by a let)");
  // A buffer that is neither a parameter nor allocated.
  Buffer stray = makeBuffer("stray", ElementType::F32, {4});
  f.body = makeStore(a, {0}, load(stray, {0}));
  CHECK(verifyError(f) ==
        kPrefix + "load from buffer 'stray', which is neither a parameter "
                  "nor allocated around its use");
  // An allocated buffer used after its Allocate.
  Buffer t = makeBuffer("t", ElementType::F32, {4}, MemoryScope::Stack);
  f.body = makeSeq({makeAllocate(t, makeStore(t, {0}, load(a, {0}))),
                    makeStore(t, {1}, load(a, {1}))});
  CHECK(verifyError(f) ==
        kPrefix + "store to buffer 't', which is neither a parameter nor "
                  "allocated around its use");
  f.body = makeAllocate(t, makeAllocate(t, makeBarrier()));
  CHECK(verifyError(f) == kPrefix + "buffer 't' is defined twice");
  f.params = {a, a};
  f.body = makeBarrier();
  CHECK(verifyError(f) == kPrefix + "buffer 'a' is passed as two parameters");
}

TEST_CASE("loop IR verifier rejects type and shape errors",
          "[loopir][verify]") {
  Buffer a = makeBuffer("a", ElementType::F32, {4, 8});
  Var i("i");
  Expr zero = floatImm(DType(ElementType::F32), 0);
  PrimFunc f{"k", {a}, Stmt()};
  // Wrong index count and non-integer indices (built without the checks).
  f.body = std::make_shared<StoreNode>(a, std::vector<Expr>{Expr(0)}, zero);
  CHECK(verifyError(f) ==
        kPrefix + "store to 'a' with 1 indices; the buffer has rank 2");
  f.body = std::make_shared<StoreNode>(a, std::vector<Expr>{zero, Expr(0)},
                                       zero);
  CHECK(verifyError(f) == kPrefix + "index 0 of 'a' is of type f32, not an "
                                    "integer: 0:f32");
  // Constant indices out of bounds, also through a ramp.
  f.body = makeStore(a, {3, 8}, zero);
  CHECK(verifyError(f) == kPrefix + "index 1 of 'a' is out of bounds: 8 is "
                                    "not within [0, 8)");
  f.body = makeStore(a, {-1, 0}, zero);
  CHECK(verifyError(f) == kPrefix + "index 0 of 'a' is out of bounds: -1 is "
                                    "not within [0, 4)");
  f.body = makeStore(a, {0, ramp(1, 1, 8)}, broadcast(zero, 8));
  CHECK(verifyError(f) == kPrefix + "index 1 of 'a' is out of bounds: "
                                    "ramp(1, 1, 8) is not within [0, 8)");
  // Loop and let variable types.
  Var i32v("n", DType(ElementType::I32));
  f.body = std::make_shared<ForNode>(i32v, Expr(0), Expr(4), ForKind::Serial,
                                     makeBarrier());
  CHECK(verifyError(f) ==
        kPrefix + "loop 'n' of type i32 has bounds of type i64 and i64");
  Var fv("x", DType(ElementType::F32));
  f.body = std::make_shared<LetNode>(fv, Expr(1), makeBarrier());
  CHECK(verifyError(f) == kPrefix + "let 'x' of type f32 is bound to a "
                                    "value of type i64");
  // A vectorized loop needs a constant extent.
  Var n("n");
  f.body = makeFor(n, 0, 4, ForKind::Serial,
                   makeFor(i, 0, n, ForKind::Vectorized, makeBarrier()));
  CHECK(verifyError(f) ==
        kPrefix + "vectorized loop 'i' has a non-constant extent %n");
  // Store value type.
  f.body = std::make_shared<StoreNode>(a, std::vector<Expr>{Expr(0), Expr(0)},
                                       Expr(1));
  CHECK(verifyError(f) ==
        kPrefix + "store of i64 into 'a' whose accesses are f32");
  // Stack allocations are limited to 1 MiB; global ones are not.
  Buffer big = makeBuffer("big", ElementType::F32, {262145}, MemoryScope::Stack);
  f.body = makeAllocate(big, makeBarrier());
  CHECK(verifyError(f) == kPrefix + "stack buffer 'big' takes 1048580 bytes, "
                                    "more than the 1048576 allowed");
  Buffer huge = std::make_shared<BufferNode>(
      "huge", ElementType::F64,
      std::vector<int64_t>{int64_t(1) << 40, int64_t(1) << 40},
      std::vector<int64_t>{int64_t(1) << 40, 1}, MemoryScope::Stack);
  f.body = makeAllocate(huge, makeBarrier());
  CHECK(verifyError(f) == kPrefix + "stack buffer 'huge' takes too many "
                                    "bytes, more than the 1048576 allowed");
  // Null parts never crash.
  f.body = Stmt();
  CHECK(verifyError(f) == kPrefix + "the body is null");
  f.body = std::make_shared<StoreNode>(a, std::vector<Expr>{Expr(), Expr(0)},
                                       zero);
  CHECK(verifyError(f) == kPrefix + "an expression is null");
}

TEST_CASE("loop IR verifier checks calls", "[loopir][verify]") {
  CHECK(textError("%a[0, 0] = call<f32>(\"frobnicate\", 1:f32)\n") ==
        kPrefix + "call to unknown function 'frobnicate'");
  CHECK(textError("%a[0, 0] = call<f32>(\"exp\", 1:f32, 2:f32)\n") ==
        kPrefix + "'exp' takes 1 operands, got 2");
  CHECK(textError("%a[0, 0] = call<f32>(\"vta.gemm\", 1:f32)\n") ==
        kPrefix + "target intrinsic 'vta.gemm' may only be called by an eval "
                  "statement: call<f32>(\"vta.gemm\", 1:f32)");
  CHECK(textError("eval call<i32>(\"cuda.syncthreads\")\n"
                  "eval call<i32>(\"nvdla.submit\", 1)\n"
                  "eval call<i32>(\"kiln.dma_copy\", 1, 2, 3)\n") ==
        "<no error>");
  CHECK(textError("eval call<i32>(\"foo.bar\")\n") ==
        kPrefix + "call to unknown function 'foo.bar'");
}

TEST_CASE("loop IR program verifier", "[loopir][verify]") {
  Buffer x = makeBuffer("x", ElementType::F32, {4});
  Buffer y = makeBuffer("y", ElementType::F32, {4});
  Var i("i");
  Program p;
  p.name = "net";
  p.funcs.push_back(PrimFunc{
      "copy", {x, y},
      makeFor(i, 0, 4, ForKind::Serial, makeStore(y, {i}, load(x, {i})))});
  ProgramTensor in{"in", ElementType::F32, {4}, StorageKind::Input, 0, -1, {}};
  ProgramTensor mid{"mid", ElementType::F32, {4}, StorageKind::Arena, -1, -1, {}};
  ProgramTensor out{"out", ElementType::F32, {4}, StorageKind::Output, 0, -1, {}};
  p.tensors = {in, mid, out};
  p.inputs = {0};
  p.outputs = {2};
  p.calls.push_back(KernelCall{0, {0, 1}});
  p.calls.push_back(KernelCall{0, {1, 2}});
  CHECK(verifyError(p) == "<no error>");

  const std::string prefix = "loop IR verifier: program 'net': ";
  Program q = p;
  q.calls[1].args = {1};
  CHECK(verifyError(q) ==
        prefix + "call 1 passes 1 tensors to @copy, which takes 2");
  q = p;
  q.tensors[1].shape = {2, 2};
  CHECK(verifyError(q) == prefix + "call 0 to @copy: argument 1 is tensor "
                                   "'mid' of f32[2,2], but parameter 'y' is "
                                   "f32[4]");
  q = p;
  q.tensors[1].elem = ElementType::I32;
  CHECK(verifyError(q) == prefix + "call 0 to @copy: argument 1 is tensor "
                                   "'mid' of i32[4], but parameter 'y' is "
                                   "f32[4]");
  q = p;
  q.calls[0].args = {0, 7};
  CHECK(verifyError(q) == prefix + "call 0 to @copy: argument 1 is tensor "
                                   "#7, which does not exist");
  q = p;
  q.calls[0].func = 3;
  CHECK(verifyError(q) ==
        prefix + "call 0 names kernel 3, which does not exist");
  q = p;
  q.inputs = {1};
  CHECK(verifyError(q) == prefix + "input 0 is tensor #1 'mid', which is not "
                                   "marked as input 0");
  q = p;
  q.outputs = {};
  CHECK(verifyError(q) == prefix + "tensor #2 'out' claims to be output 0, "
                                   "which it is not");
  q = p;
  q.tensors[1].storage = StorageKind::Constant;
  q.tensors[1].value = Tensor(ElementType::F32, {4});
  CHECK(verifyError(q) == prefix + "call 0 to @copy: parameter 'y' is stored "
                                   "to, but its argument 'mid' is a constant");
  q.tensors[1].value = Tensor(ElementType::F32, {5});
  CHECK(verifyError(q) == prefix + "constant tensor #1 'mid' holds data of "
                                   "type f32[5], not f32[4]");
  q = p;
  q.arenaSize = 64;
  q.tensors[1].offset = 56;
  CHECK(verifyError(q) == prefix + "tensor #1 'mid' at offset 56 (16 bytes) "
                                   "overruns the arena of 64 bytes");
  q = p;
  q.calls[0].inPlace = {1, 2};
  CHECK(verifyError(q) == prefix + "call 0 to @copy has an in-place pair "
                                   "(1, 2) outside its 2 arguments");
  // A broken kernel is reported through its own diagnostic.
  q = p;
  q.funcs[0].body = makeStore(y, {0}, load(makeBuffer("z", ElementType::F32,
                                                      {1}), {0}));
  CHECK(verifyError(q) ==
        "loop IR verifier: func @copy: load from buffer 'z', which is "
        "neither a parameter nor allocated around its use");
}
