//===- ElementwiseInfer.cpp - inference for elementwise ops ---------------===//
#include "kiln/IR/InferContext.h"

namespace kiln {

void inferSameAsInput(InferContext &ctx) {
  for (size_t i = 0; i < ctx.numResults(); ++i)
    ctx.setResult(i, ctx.input(0));
}

void inferUnaryBool(InferContext &ctx) {
  TensorType t = ctx.input(0);
  t.setElementType(ElementType::Bool);
  t.setQuant(std::nullopt);
  ctx.setResult(0, t);
}

// Broadcast shape of all present operands; element type from operand 0.
static TensorType broadcastAll(InferContext &ctx, bool sameElementType) {
  const TensorType &first = ctx.input(0);
  bool ranked = first.isRanked();
  std::vector<Dim> dims = first.dims();
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    const TensorType &t = ctx.input(i);
    if (sameElementType && t.elementType() != first.elementType())
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(t.elementType()), toString(first.elementType()));
    if (!t.isRanked()) {
      ranked = false;
      continue;
    }
    try {
      dims = broadcastDims(dims, t.dims());
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
  }
  if (!ranked)
    return TensorType::unranked(first.elementType());
  return TensorType(first.elementType(), dims);
}

void inferBroadcast(InferContext &ctx) {
  ctx.setResult(0, broadcastAll(ctx, /*sameElementType=*/true));
}

void inferBroadcastMixed(InferContext &ctx) {
  ctx.setResult(0, broadcastAll(ctx, /*sameElementType=*/false));
}

void inferBroadcastBool(InferContext &ctx) {
  TensorType t = broadcastAll(ctx, /*sameElementType=*/true);
  t.setElementType(ElementType::Bool);
  ctx.setResult(0, t);
}

void inferWhere(InferContext &ctx) {
  if (ctx.input(0).elementType() != ElementType::Bool)
    ctx.error("condition must be bool, not {}",
              toString(ctx.input(0).elementType()));
  if (ctx.input(1).elementType() != ctx.input(2).elementType())
    ctx.error("operands 1 and 2 have different element types {} and {}",
              toString(ctx.input(1).elementType()),
              toString(ctx.input(2).elementType()));
  TensorType t = broadcastAll(ctx, /*sameElementType=*/false);
  t.setElementType(ctx.input(1).elementType());
  ctx.setResult(0, t);
}

void inferCast(InferContext &ctx) {
  int64_t to = ctx.node.getInt("to");
  std::optional<ElementType> elem = fromOnnxDataType(int(to));
  if (!elem)
    ctx.error("unsupported target data type {}", to);
  TensorType t = ctx.input(0);
  t.setElementType(*elem);
  t.setQuant(std::nullopt);
  ctx.setResult(0, t);
}

} // namespace kiln
