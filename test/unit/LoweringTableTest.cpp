//===- LoweringTableTest.cpp - every op has a compute definition ----------===//

#include "kiln/Lowering/LowerContext.h"

#include <catch2/catch.hpp>

#include <set>

using namespace kiln;

TEST_CASE("every op in the table has a lowering", "[optable][lowering]") {
  // Output shapes that depend on input data cannot be compiled to a static
  // arena (docs/lowering.md, docs/conformance.md).
  const std::set<std::string> dataDependent = {"NonZero", "Unique",
                                               "NonMaxSuppression"};
  std::vector<std::string> missing;
#define KILN_OP(NAME, ...)                                                     \
  if (!lowerFunctionFor(OpKind::NAME) && !dataDependent.count(#NAME))          \
    missing.push_back(#NAME);
#include "kiln/IR/ops/Ops.def"
  std::string list;
  for (const auto &m : missing)
    list += m + " ";
  INFO("ops without a lowering: " << list);
  CHECK(missing.empty());
  for (const auto &name : dataDependent)
    CHECK_FALSE(lowerFunctionFor(*lookupOp(name)));
}
