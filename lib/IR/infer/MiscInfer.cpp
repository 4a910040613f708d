//===- MiscInfer.cpp - inference for signal, detection and loss ops -------===//
// Shapes that depend on operand values (window sizes, DFT lengths, frame
// counts) are static only when those operands are constants.
//===----------------------------------------------------------------------===//
#include "kiln/IR/InferContext.h"

namespace kiln {

// The scalar integer value of a constant operand, if known.
static std::optional<int64_t> constantInt(const InferContext &ctx, size_t i) {
  const Tensor *t = ctx.constant(i);
  if (!t || t->numElements() != 1)
    return std::nullopt;
  return t->getInt(0);
}

static ElementType outputDataType(const InferContext &ctx) {
  int64_t id = ctx.node.getInt("output_datatype");
  std::optional<ElementType> elem = fromOnnxDataType(int(id));
  if (!elem)
    ctx.error("unsupported output_datatype {}", id);
  return *elem;
}

void inferNonMaxSuppression(InferContext &ctx) {
  const TensorType &boxes = ctx.input(0);
  const TensorType &scores = ctx.input(1);
  if (boxes.isRanked() && boxes.rank() != 3)
    ctx.error("boxes must have rank 3, not {}", boxes.rank());
  if (scores.isRanked() && scores.rank() != 3)
    ctx.error("scores must have rank 3, not {}", scores.rank());
  ctx.setResult(0, TensorType(ElementType::I64, {Dim::unknown(), Dim(3)}));
}

void inferDet(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("input must be a float tensor");
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  if (x.rank() < 2)
    ctx.error("input must have rank 2 or more, not {}", x.rank());
  const Dim &m = x.dim(x.rank() - 2), &n = x.dim(x.rank() - 1);
  if (m.isStatic() && n.isStatic() && m.size() != n.size())
    ctx.error("matrices must be square, not {}x{}", m.size(), n.size());
  std::vector<Dim> dims(x.dims().begin(), x.dims().end() - 2);
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferWindow(InferContext &ctx) {
  ElementType elem = outputDataType(ctx);
  Dim size;
  if (std::optional<int64_t> n = constantInt(ctx, 0)) {
    if (*n < 0)
      ctx.error("window size must not be negative, not {}", *n);
    size = Dim(*n);
  }
  ctx.setResult(0, TensorType(elem, {size}));
}

void inferDFT(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("input must be a float tensor");
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  int64_t rank = int64_t(x.rank());
  if (rank < 2)
    ctx.error("input must have rank 2 or more, not {}", rank);
  const Dim &last = x.dim(size_t(rank - 1));
  if (last.isStatic() && last.size() != 1 && last.size() != 2)
    ctx.error("last dimension must be 1 (real) or 2 (complex), not {}",
              last.size());
  int64_t axis = ctx.node.getInt("axis");
  if (axis < -rank || axis >= rank - 1 || axis == -1)
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0)
    axis += rank;
  std::vector<Dim> dims = x.dims();
  Dim length = dims[size_t(axis)];
  if (ctx.hasInput(1)) {
    length = Dim::unknown();
    if (std::optional<int64_t> n = constantInt(ctx, 1)) {
      if (*n <= 0)
        ctx.error("dft_length must be positive, not {}", *n);
      length = Dim(*n);
    }
  }
  if (ctx.node.getInt("onesided") && length.isStatic())
    length = Dim(length.size() / 2 + 1);
  else if (ctx.node.getInt("onesided"))
    length = Dim::unknown();
  dims[size_t(axis)] = length;
  dims.back() = Dim(2);
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferSTFT(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("signal must be a float tensor");
  if (x.isRanked() && x.rank() != 3)
    ctx.error("signal must have rank 3 [batch, length, 1|2], not {}", x.rank());
  Dim batch = x.isRanked() ? x.dim(0) : Dim::unknown();
  Dim frames, bins;
  std::optional<int64_t> frameLength;
  if (ctx.hasInput(3))
    frameLength = constantInt(ctx, 3);
  else if (ctx.hasInput(2) && ctx.input(2).isRanked() &&
           ctx.input(2).rank() == 1 && ctx.input(2).dim(0).isStatic())
    frameLength = ctx.input(2).dim(0).size();
  else if (!ctx.hasInput(2) && x.isRanked() && x.dim(1).isStatic())
    frameLength = x.dim(1).size();
  std::optional<int64_t> step = constantInt(ctx, 1);
  if (frameLength) {
    if (*frameLength <= 0)
      ctx.error("frame_length must be positive, not {}", *frameLength);
    bins = ctx.node.getInt("onesided") ? Dim(*frameLength / 2 + 1)
                                       : Dim(*frameLength);
    if (step && x.isRanked() && x.dim(1).isStatic()) {
      if (*step <= 0)
        ctx.error("frame_step must be positive, not {}", *step);
      int64_t len = x.dim(1).size();
      if (len < *frameLength)
        ctx.error("signal length {} is shorter than frame_length {}", len,
                  *frameLength);
      frames = Dim((len - *frameLength) / *step + 1);
    }
  }
  ctx.setResult(0, TensorType(x.elementType(), {batch, frames, bins, Dim(2)}));
}

void inferMelWeightMatrix(InferContext &ctx) {
  ElementType elem = outputDataType(ctx);
  Dim bins, mels;
  if (std::optional<int64_t> n = constantInt(ctx, 0))
    mels = Dim(*n);
  if (std::optional<int64_t> n = constantInt(ctx, 1))
    bins = Dim(*n / 2 + 1);
  ctx.setResult(0, TensorType(elem, {bins, mels}));
}

// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: input [N, C, d...],
// target [N, d...]; the optional second result is SCE's log-probabilities.
void inferLoss(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &target = ctx.input(1);
  if (!isFloat(x.elementType()))
    ctx.error("input must be a float tensor");
  if (target.elementType() != ElementType::I32 &&
      target.elementType() != ElementType::I64)
    ctx.error("target must be i32 or i64, not {}",
              toString(target.elementType()));
  if (ctx.hasInput(2) && ctx.input(2).elementType() != x.elementType())
    ctx.error("weight must have the input's element type");
  if (x.isRanked() && x.rank() < 2)
    ctx.error("input must have rank 2 or more, not {}", x.rank());
  if (x.isRanked() && target.isRanked() && target.rank() + 1 != x.rank())
    ctx.error("target has rank {}, expected {}", target.rank(), x.rank() - 1);
  const std::string &reduction = ctx.node.getString("reduction");
  if (reduction == "none") {
    if (target.isRanked()) {
      ctx.setResult(0, TensorType(x.elementType(), target.dims()));
    } else if (x.isRanked()) {
      std::vector<Dim> dims = x.dims();
      dims.erase(dims.begin() + 1);
      ctx.setResult(0, TensorType(x.elementType(), dims));
    } else {
      ctx.setResult(0, TensorType::unranked(x.elementType()));
    }
  } else if (reduction == "sum" || reduction == "mean") {
    ctx.setResult(0, TensorType(x.elementType(), std::vector<Dim>{}));
  } else {
    ctx.error("unknown reduction '{}'", reduction);
  }
  if (ctx.numResults() > 1)
    ctx.setResult(1, x);
}

} // namespace kiln
