//===- FusedLoweringTest.cpp - one kernel per fusion group ----------------===//
// Hand-written graphs with Fused nodes: each lowers to a single kernel with
// no intermediate buffers and computes what the interpreter computes, in the
// loop-IR evaluator and compiled for the host.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/Lowering/Lowering.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + 1))
    ++n;
  return n;
}

std::vector<Tensor> randomInputs(const Function &f) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < f.inputs().size(); ++i)
    inputs.push_back(makeRandomTensor(f.inputs()[i]->type(), 7 + i));
  return inputs;
}

void checkSame(const std::vector<Tensor> &actual,
               const std::vector<Tensor> &expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t k = 0; k < actual.size(); ++k) {
    CompareResult r = compareTensors(actual[k], expected[k], 1e-5, 1e-6);
    INFO("output " << k << ": " << r.message);
    CHECK(r.passed);
  }
}

// Lowers `text` (main holds one Fused node and maybe constants), checks it
// gives one kernel without global temporaries and that the evaluator and
// the host agree with the interpreter. Returns the kernel's text.
std::string lowerFusedGraph(const std::string &text, int globalAllocs = 0) {
  std::unique_ptr<Module> m = parseModule(text);
  verify(*m);
  const Function &f = m->main();
  std::vector<Tensor> inputs = randomInputs(f);
  std::vector<Tensor> expected = Interpreter().run(f, inputs);

  loop::Program p = lowerFunction(f, "m");
  std::string kernel;
  for (const auto &fn : p.funcs)
    kernel += loop::printPrimFunc(fn);
  INFO(kernel);
  CHECK(p.funcs.size() == 1);
  CHECK(count(kernel, "global {") == globalAllocs);
  checkSame(loop::runProgram(p, inputs), expected);

  std::unique_ptr<Module> fresh = parseModule(text);
  CompileOptions options;
  options.name = "fused";
  auto compiled = CompiledModel::compile(*fresh, options, "host");
  checkSame(compiled->run(inputs), expected);
  return kernel;
}

} // namespace

TEST_CASE("Conv, Add and Relu lower to one kernel", "[fused]") {
  std::string k = lowerFusedGraph(R"(
func @main(%x: f32[1,2,5,5], %w: f32[3,2,3,3], %b: f32[1,3,1,1]) {
  %y = Fused(%x, %w, %b) {body = func @g(%a: f32[1,2,5,5], %k: f32[3,2,3,3], %c: f32[1,3,1,1]) {
    %t = Conv(%a, %k) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,3,5,5]
    %s = Add(%t, %c) : f32[1,3,5,5]
    %r = Relu(%s) : f32[1,3,5,5]
    return %r
  }} : f32[1,3,5,5]
  return %y
}
)");
  // The convolution's final store applies the epilogue.
  CHECK(count(k, "%y[") == 1);
  CHECK(k.find("%y[0, %i1, %i2, %i3] = select(%t_acc[0] + %b[0, %i1, 0, 0] < "
               "0:f32") != std::string::npos);
}

TEST_CASE("Relu and Exp fuse into ReduceSum", "[fused]") {
  lowerFusedGraph(R"(
func @main(%x: f32[3,5]) {
  %y = Fused(%x) {body = func @g(%a: f32[3,5]) {
    %r = Relu(%a) : f32[3,5]
    %e = Exp(%r) : f32[3,5]
    %ax = Constant() {value = dense<i64[1]>[1]} : i64[1]
    %s = ReduceSum(%e, %ax) {keepdims = 0} : f32[3]
    return %s
  }} : f32[3]
  return %y
}
)");
}

TEST_CASE("GlobalAveragePool and Flatten lower to one kernel", "[fused]") {
  std::string k = lowerFusedGraph(R"(
func @main(%x: f32[2,3,4,4]) {
  %y = Fused(%x) {body = func @g(%a: f32[2,3,4,4]) {
    %p = GlobalAveragePool(%a) : f32[2,3,1,1]
    %f = Flatten(%p) {axis = 1} : f32[2,3]
    return %f
  }} : f32[2,3]
  return %y
}
)");
  // The pool's final store writes the flattened output through a view.
  CHECK(count(k, "%y_view[") == 1);
  CHECK(k.find("%y_view[%i0, %i1, 0, 0] = ") != std::string::npos);
}

TEST_CASE("Transpose and Relu lower to one kernel", "[fused]") {
  std::string k = lowerFusedGraph(R"(
func @main(%x: f32[2,3,4]) {
  %y = Fused(%x) {body = func @g(%a: f32[2,3,4]) {
    %t = Transpose(%a) {perm = [0, 2, 1]} : f32[2,4,3]
    %r = Relu(%t) : f32[2,4,3]
    return %r
  }} : f32[2,4,3]
  return %y
}
)");
  CHECK(count(k, "alloc") == 0);
}

// A reshape whose shape is an operand of the Fused node, a second output
// that is a body input (copied) and an output also read inside the body.
TEST_CASE("fused bodies with constant operands and several outputs",
          "[fused]") {
  std::string k = lowerFusedGraph(R"(
func @main(%x: f32[2,12]) {
  %shape = Constant() {value = dense<i64[3]>[2, 3, 4]} : i64[3]
  %y, %z, %u = Fused(%x, %shape) {body = func @g(%a: f32[2,12], %s: i64[3]) {
    %n = Neg(%a) : f32[2,12]
    %r = Reshape(%n, %s) : f32[2,3,4]
    %e = Exp(%r) : f32[2,3,4]
    %v = Add(%e, %r) : f32[2,3,4]
    return %v, %a, %r
  }} : f32[2,3,4], f32[2,12], f32[2,3,4]
  return %y, %z, %u
}
)");
  CHECK(count(k, "alloc") == 0);
}
