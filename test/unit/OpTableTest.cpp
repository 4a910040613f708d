// Every op in the table must be complete: type inference and an interpreter
// kernel. The op table's weak symbols make a missing one a run-time error,
// so this test is what keeps the table honest.
#include "kiln/IR/Op.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>

using namespace kiln;

TEST_CASE("every op has type inference and a kernel", "[optable]") {
  std::vector<std::string> missing;
  for (OpKind kind : allOps()) {
    const OpInfo &info = getOpInfo(kind);
    if (!info.infer)
      missing.push_back(std::string(info.name) + " (inference)");
    if (!hasKernel(kind))
      missing.push_back(std::string(info.name) + " (kernel)");
  }
  INFO("incomplete ops: " << fmt::format("{}", fmt::join(missing, ", ")));
  CHECK(missing.empty());
}

TEST_CASE("op names round-trip through lookupOp", "[optable]") {
  for (OpKind kind : allOps())
    CHECK(lookupOp(getOpInfo(kind).name) == kind);
  CHECK(!lookupOp("NoSuchOp"));
}

TEST_CASE("attribute defaults come from the table", "[optable]") {
  const OpInfo &conv = getOpInfo(OpKind::Conv);
  const AttrSpec *group = conv.findAttr("group");
  REQUIRE(group);
  CHECK(group->defaultValue->getInt() == 1);
  CHECK(getOpInfo(OpKind::Concat).findAttr("axis")->required);
}
