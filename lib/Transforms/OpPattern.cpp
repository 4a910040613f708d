//===- OpPattern.cpp - how graph ops combine in fusion groups -------------===//
// The op-kind table of fusion patterns, refined by per-node conditions that
// lowering of a group relies on (constant shape operands, unused results).
//===----------------------------------------------------------------------===//

#include "OpPattern.h"

#include "kiln/IR/Function.h"
#include "kiln/Transforms/GraphUtils.h"

namespace kiln {

const char *toString(OpPattern pattern) {
  switch (pattern) {
  case OpPattern::ElemWise:
    return "elemwise";
  case OpPattern::Injective:
    return "injective";
  case OpPattern::CommReduce:
    return "comm-reduce";
  case OpPattern::OutEWiseFusable:
    return "out-elemwise-fusable";
  case OpPattern::Opaque:
    return "opaque";
  }
  return "?";
}

namespace {

/// The pattern by op kind alone.
OpPattern kindPattern(OpKind kind) {
  switch (kind) {
  case OpKind::Identity:
  case OpKind::Abs:
  case OpKind::Neg:
  case OpKind::Sign:
  case OpKind::Ceil:
  case OpKind::Floor:
  case OpKind::Round:
  case OpKind::Sqrt:
  case OpKind::Reciprocal:
  case OpKind::Exp:
  case OpKind::Log:
  case OpKind::Sin:
  case OpKind::Cos:
  case OpKind::Tan:
  case OpKind::Asin:
  case OpKind::Acos:
  case OpKind::Atan:
  case OpKind::Sinh:
  case OpKind::Cosh:
  case OpKind::Asinh:
  case OpKind::Acosh:
  case OpKind::Atanh:
  case OpKind::Tanh:
  case OpKind::Erf:
  case OpKind::Sigmoid:
  case OpKind::Relu:
  case OpKind::Softplus:
  case OpKind::Softsign:
  case OpKind::HardSwish:
  case OpKind::Not:
  case OpKind::Elu:
  case OpKind::Celu:
  case OpKind::Selu:
  case OpKind::LeakyRelu:
  case OpKind::HardSigmoid:
  case OpKind::ThresholdedRelu:
  case OpKind::Shrink:
  case OpKind::Clip:
  case OpKind::IsNaN:
  case OpKind::IsInf:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Div:
  case OpKind::Pow:
  case OpKind::Mod:
  case OpKind::BitShift:
  case OpKind::And:
  case OpKind::Or:
  case OpKind::Xor:
  case OpKind::PRelu:
  case OpKind::Equal:
  case OpKind::Less:
  case OpKind::LessOrEqual:
  case OpKind::Greater:
  case OpKind::GreaterOrEqual:
  case OpKind::Max:
  case OpKind::Min:
  case OpKind::Sum:
  case OpKind::Mean:
  case OpKind::Where:
  case OpKind::Cast:
  case OpKind::Requantize:
    return OpPattern::ElemWise;

  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Transpose:
  case OpKind::LayoutTransform:
  case OpKind::Expand:
  case OpKind::Slice:
  case OpKind::Concat:
    return OpPattern::Injective;

  case OpKind::ReduceSum:
  case OpKind::ReduceMean:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
  case OpKind::ReduceProd:
  case OpKind::ReduceL1:
  case OpKind::ReduceL2:
  case OpKind::ReduceLogSum:
  case OpKind::ReduceLogSumExp:
  case OpKind::ReduceSumSquare:
    return OpPattern::CommReduce;

  case OpKind::Conv:
  case OpKind::ConvNCHWc:
  case OpKind::WinogradConvNCHWc:
  case OpKind::QConvNCHWc:
  case OpKind::ConvTranspose:
  case OpKind::MatMul:
  case OpKind::Gemm:
  case OpKind::MaxPool:
  case OpKind::AveragePool:
  case OpKind::LpPool:
  case OpKind::GlobalAveragePool:
  case OpKind::GlobalMaxPool:
  case OpKind::GlobalLpPool:
  // The integer run path: i32 accumulators with a bias Add and Requantize
  // as their epilogue.
  case OpKind::ConvInteger:
  case OpKind::MatMulInteger:
    return OpPattern::OutEWiseFusable;

  default:
    // Control flow, Fused itself, random and data-dependent ops, softmax,
    // normalizations, quantization, gathers and scatters.
    return OpPattern::Opaque;
  }
}

/// Whether operands first.. of `node` are absent or constants: lowering reads
/// shapes, axes and slice bounds from them at compile time.
bool paramsAreConstant(const Node &node, size_t first) {
  for (size_t i = first; i < node.numOperands(); ++i)
    if (node.hasOperand(i) && !node.operand(i)->constantValue())
      return false;
  return true;
}

} // namespace

OpPattern opPatternOf(const Node &node) {
  OpPattern pattern = kindPattern(node.kind());
  if (pattern == OpPattern::Opaque)
    return pattern;

  // A group has one output, so at most one result may be live; MaxPool's
  // optional indices in particular have no place in an epilogue.
  int usedResults = 0;
  for (size_t i = 0; i < node.numResults(); ++i)
    if (isUsed(*node.result(i)))
      ++usedResults;
  if (usedResults > 1 ||
      (node.numResults() > 1 && usedResults == 1 && !isUsed(*node.result(0))))
    return OpPattern::Opaque;

  switch (node.kind()) {
  case OpKind::Reshape:
  case OpKind::Expand:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Slice:
  case OpKind::ReduceSum:
  case OpKind::ReduceMean:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
  case OpKind::ReduceProd:
  case OpKind::ReduceL1:
  case OpKind::ReduceL2:
  case OpKind::ReduceLogSum:
  case OpKind::ReduceLogSumExp:
  case OpKind::ReduceSumSquare:
    if (!paramsAreConstant(node, 1))
      return OpPattern::Opaque;
    break;
  default:
    break;
  }
  return pattern;
}

bool isLayoutOnly(const Node &node) {
  switch (node.kind()) {
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Transpose:
  case OpKind::LayoutTransform:
    return opPatternOf(node) == OpPattern::Injective;
  default:
    return false;
  }
}

} // namespace kiln
