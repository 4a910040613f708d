//===- TensorEinsum.cpp - lowering of Einsum ------------------------------===//
// A loop nest over the output labels around a reduction over the other
// labels (in label order, as the interpreter enumerates them): each term is
// the product of the operand elements the labels select. Repeated labels in
// an operand read its diagonal; size-1 dims broadcast under an ellipsis.
// Floats accumulate in f64, integers wrap.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

#include "kiln/IR/Einsum.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

void lowerEinsum(LowerContext &ctx) {
  const Buffer &out = ctx.output(0);
  ElementType e = ctx.input(0)->elem;
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  std::vector<int64_t> ranks;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (ctx.input(i)->elem != e)
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(ctx.input(i)->elem), toString(e));
    ranks.push_back(int64_t(ctx.input(i)->rank()));
  }
  EinsumEquation eq;
  try {
    eq = parseEinsum(ctx.node.getString("equation"), ranks);
  } catch (const Error &err) {
    ctx.error("{}", err.what());
  }
  // Label sizes, with the interpreter's ellipsis broadcasting rule.
  std::vector<int64_t> size(size_t(eq.numLabels), -1);
  for (size_t i = 0; i < eq.inputs.size(); ++i)
    for (size_t j = 0; j < eq.inputs[i].size(); ++j) {
      size_t l = size_t(eq.inputs[i][j]);
      int64_t d = ctx.input(i)->shape[j];
      if (size[l] < 0 || (l >= 52 && size[l] == 1))
        size[l] = d;
      else if (d != size[l] && !(l >= 52 && d == 1))
        ctx.error("operand {} dimension {} has size {}, but its label has "
                  "size {}",
                  i, j, d, size[l]);
    }
  std::vector<int> outPos(size_t(eq.numLabels), -1);
  std::vector<int64_t> outShape;
  for (size_t j = 0; j < eq.output.size(); ++j) {
    size_t l = size_t(eq.output[j]);
    if (size[l] < 0)
      ctx.error("output label is not used by any operand");
    if (outPos[l] >= 0)
      ctx.error("output repeats a label");
    outPos[l] = int(j);
    outShape.push_back(size[l]);
  }
  if (outShape != out->shape)
    ctx.error("result shape differs from the equation's");
  // Reduced labels in label order: the interpreter's summation order.
  std::vector<int> reduced;
  std::vector<int> redPos(size_t(eq.numLabels), -1);
  Reduction red;
  for (int l = 0; l < eq.numLabels; ++l)
    if (size[size_t(l)] >= 0 && outPos[size_t(l)] < 0) {
      redPos[size_t(l)] = int(reduced.size());
      reduced.push_back(l);
      red.shape.push_back(size[size_t(l)]);
    }
  red.accType = isFloat(e) ? ElementType::F64 : ElementType::I64;
  red.init = makeConst(DType(red.accType), 0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Expr prod;
    for (size_t i = 0; i < eq.inputs.size(); ++i) {
      const Buffer &in = ctx.input(i);
      Indices idx;
      for (size_t j = 0; j < eq.inputs[i].size(); ++j) {
        size_t l = size_t(eq.inputs[i][j]);
        if (in->shape[j] == 1)
          idx.push_back(Expr(0)); // size 1 or broadcast
        else
          idx.push_back(outPos[l] >= 0 ? o[size_t(outPos[l])]
                                       : r[size_t(redPos[l])]);
      }
      Expr v = cast(red.accType, toCompute(load(in, idx)));
      prod = prod ? prod * v : v;
    }
    return prod ? prod : makeConst(DType(red.accType), 1);
  };
  red.finalize = [&](Expr acc, const Indices &) {
    return isFloat(e) ? fromDouble(acc, e) : cast(e, acc);
  };
  ctx.emit(reduce(out, red));
}

} // namespace kiln
