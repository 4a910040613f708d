#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Verifier.h"

#include <catch2/catch.hpp>

using namespace kiln;

TEST_CASE("tensor types print dims, symbols and unknowns", "[ir]") {
  TensorType t(ElementType::F32, {Dim(1), Dim::symbol("N"), Dim::unknown()});
  CHECK(t.str() == "f32[1,N,?]");
  CHECK(!t.hasStaticShape());
  CHECK(TensorType::unranked(ElementType::I64).str() == "i64[*]");
  CHECK(TensorType(ElementType::Bool, std::vector<int64_t>{}).str() == "bool[]");
}

TEST_CASE("broadcastDims follows numpy rules", "[ir]") {
  auto d = broadcastDims({Dim(3), Dim(1)}, {Dim(4)});
  REQUIRE(d.size() == 2);
  CHECK(d[0] == Dim(3));
  CHECK(d[1] == Dim(4));
  CHECK_THROWS_AS(broadcastDims({Dim(3)}, {Dim(4)}), Error);
}

TEST_CASE("function builds, infers and verifies", "[ir]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32, std::vector<int64_t>{2, 3}));
  Value *y = f.addInput("y", TensorType(ElementType::F32, std::vector<int64_t>{3}));
  Node *add = f.createNode(OpKind::Add, {x, y}, {TensorType()}, "add0", {"sum"});
  refineResultTypes(*add);
  CHECK(add->result()->type().str() == "f32[2,3]");
  f.setOutputs({add->result()});
  CHECK_NOTHROW(verify(m));
  CHECK(x->uses().size() == 1);

  // A wrong declared type is reported with the node name.
  add->result()->setType(TensorType(ElementType::F32, std::vector<int64_t>{5}));
  CHECK_THROWS_WITH(verify(m), Catch::Contains("node 'add0' (Add)"));
}
