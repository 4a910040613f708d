//===- ResampleInfer.cpp - inference for Resize, GridSample, RoiAlign -----===//
// Resize's output shape is static only when its scales or sizes operand is a
// constant; otherwise the rank is kept and the dimensions are unknown.
//===----------------------------------------------------------------------===//
#include "kiln/IR/InferContext.h"

#include <cmath>

namespace kiln {

void inferResize(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  size_t rank = x.rank();
  std::vector<Dim> dims(rank, Dim::unknown());
  // An empty scales tensor means "use sizes" (opset 13 form).
  bool hasScales = ctx.hasInput(2) && !(ctx.input(2).hasStaticShape() &&
                                        ctx.input(2).numElements() == 0);
  bool hasSizes = ctx.hasInput(3);
  if (!hasScales && !hasSizes)
    ctx.error("one of scales and sizes must be given");
  if (hasSizes && hasScales && ctx.input(2).hasStaticShape())
    ctx.error("only one of scales and sizes may be given");
  if (hasSizes) {
    if (!isInteger(ctx.input(3).elementType()))
      ctx.error("sizes must be an integer tensor");
    if (const Tensor *sizes = ctx.constant(3)) {
      if (size_t(sizes->numElements()) != rank)
        ctx.error("sizes has {} elements, expected {}", sizes->numElements(),
                  rank);
      for (size_t i = 0; i < rank; ++i) {
        int64_t s = sizes->getInt(int64_t(i));
        if (s < 0)
          ctx.error("sizes[{}] is negative ({})", i, s);
        dims[i] = Dim(s);
      }
    }
  } else if (const Tensor *scales = ctx.constant(2)) {
    if (!isFloat(scales->elementType()))
      ctx.error("scales must be a float tensor");
    if (size_t(scales->numElements()) != rank)
      ctx.error("scales has {} elements, expected {}", scales->numElements(),
                rank);
    for (size_t i = 0; i < rank; ++i) {
      double s = scales->getDouble(int64_t(i));
      if (!(s > 0) || !std::isfinite(s))
        ctx.error("scales[{}] must be positive, not {}", i, s);
      if (x.dim(i).isStatic())
        dims[i] = Dim(int64_t(std::floor(double(x.dim(i).size()) * s)));
      else if (s == 1.0)
        dims[i] = x.dim(i);
    }
  }
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferGridSample(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &grid = ctx.input(1);
  if (x.isRanked() && x.rank() != 4)
    ctx.error("X must have rank 4, not {}", x.rank());
  if (grid.isRanked() && grid.rank() != 4)
    ctx.error("grid must have rank 4, not {}", grid.rank());
  if (grid.isRanked() && grid.dim(3).isStatic() && grid.dim(3).size() != 2)
    ctx.error("grid's last dimension must be 2, not {}", grid.dim(3).size());
  Dim n, c, h, w;
  if (x.isRanked()) {
    n = x.dim(0);
    c = x.dim(1);
  }
  if (grid.isRanked()) {
    if (n.isUnknown())
      n = grid.dim(0);
    h = grid.dim(1);
    w = grid.dim(2);
  }
  ctx.setResult(0, TensorType(x.elementType(), {n, c, h, w}));
}

void inferRoiAlign(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &rois = ctx.input(1);
  if (x.isRanked() && x.rank() != 4)
    ctx.error("X must have rank 4, not {}", x.rank());
  if (rois.isRanked() && rois.rank() != 2)
    ctx.error("rois must have rank 2, not {}", rois.rank());
  if (!isInteger(ctx.input(2).elementType()))
    ctx.error("batch_indices must be an integer tensor");
  int64_t oh = ctx.node.getInt("output_height");
  int64_t ow = ctx.node.getInt("output_width");
  if (oh <= 0 || ow <= 0)
    ctx.error("output_height and output_width must be positive");
  Dim num = rois.isRanked() ? rois.dim(0) : Dim::unknown();
  Dim c = x.isRanked() ? x.dim(1) : Dim::unknown();
  ctx.setResult(0, TensorType(x.elementType(), {num, c, Dim(oh), Dim(ow)}));
}

} // namespace kiln
