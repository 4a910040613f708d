//===- NonMaxSuppression.cpp - the NonMaxSuppression kernel ---------------===//
// Greedy per-(batch, class) selection by descending score (ties: lower box
// index first); a box is dropped when its IoU with a selected box exceeds
// iou_threshold. Output rows are [batch, class, box], i64.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <algorithm>
#include <cmath>

namespace kiln {

namespace {

struct Box {
  double y1, x1, y2, x2; // normalized so that y1 <= y2, x1 <= x2
  double area() const { return (y2 - y1) * (x2 - x1); }
};

bool suppresses(const Box &a, const Box &b, double iouThreshold) {
  double ix1 = std::max(a.x1, b.x1), iy1 = std::max(a.y1, b.y1);
  double ix2 = std::min(a.x2, b.x2), iy2 = std::min(a.y2, b.y2);
  if (ix2 <= ix1 || iy2 <= iy1)
    return false;
  double inter = (ix2 - ix1) * (iy2 - iy1);
  double areaA = a.area(), areaB = b.area();
  double uni = areaA + areaB - inter;
  if (areaA <= 0 || areaB <= 0 || uni <= 0)
    return false;
  return inter / uni > iouThreshold;
}

} // namespace

void evalNonMaxSuppression(EvalContext &ctx) {
  const Tensor &boxesT = ctx.input(0);
  const Tensor &scoresT = ctx.input(1);
  if (boxesT.rank() != 3 || boxesT.dim(2) != 4)
    ctx.error("boxes has shape {}, expected [batches,boxes,4]",
              shapeStr(boxesT.shape()));
  if (scoresT.rank() != 3 || scoresT.dim(0) != boxesT.dim(0) ||
      scoresT.dim(2) != boxesT.dim(1))
    ctx.error("scores has shape {}, expected [{},classes,{}]",
              shapeStr(scoresT.shape()), boxesT.dim(0), boxesT.dim(1));
  auto scalarOperand = [&](size_t i, const char *name) -> const Tensor * {
    const Tensor *t = ctx.inputOrNull(i);
    if (t && t->numElements() != 1)
      ctx.error("{} must be a scalar, not shape {}", name,
                shapeStr(t->shape()));
    return t;
  };
  const Tensor *maxOut = scalarOperand(2, "max_output_boxes_per_class");
  const Tensor *iouT = scalarOperand(3, "iou_threshold");
  const Tensor *scoreT = scalarOperand(4, "score_threshold");
  int64_t maxPerClass = maxOut ? std::max<int64_t>(maxOut->getInt(0), 0) : 0;
  double iouThreshold = iouT ? iouT->getDouble(0) : 0.0;
  if (iouThreshold < 0 || iouThreshold > 1)
    ctx.error("iou_threshold must be in [0, 1], not {}", iouThreshold);
  bool centerPoint = ctx.node.getInt("center_point_box") != 0;

  int64_t batches = boxesT.dim(0), numBoxes = boxesT.dim(1);
  int64_t classes = scoresT.dim(1);
  std::vector<double> coords = boxesT.toDoubleVector();
  std::vector<double> scores = scoresT.toDoubleVector();
  std::vector<int64_t> selected;
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<Box> boxes(static_cast<size_t>(numBoxes));
    for (int64_t i = 0; i < numBoxes; ++i) {
      const double *c = &coords[size_t((b * numBoxes + i) * 4)];
      Box &box = boxes[size_t(i)];
      if (centerPoint) {
        box = {c[1] - c[3] / 2, c[0] - c[2] / 2, c[1] + c[3] / 2,
               c[0] + c[2] / 2};
      } else {
        box = {std::min(c[0], c[2]), std::min(c[1], c[3]), std::max(c[0], c[2]),
               std::max(c[1], c[3])};
      }
    }
    for (int64_t cl = 0; cl < classes && maxPerClass > 0; ++cl) {
      const double *s = &scores[size_t((b * classes + cl) * numBoxes)];
      std::vector<int64_t> order;
      for (int64_t i = 0; i < numBoxes; ++i)
        // NaN scores are never selected (and would break the sort).
        if (!std::isnan(s[i]) && (!scoreT || s[i] > scoreT->getDouble(0)))
          order.push_back(i);
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t l, int64_t r) { return s[l] > s[r]; });
      std::vector<int64_t> kept;
      for (int64_t i : order) {
        if (int64_t(kept.size()) >= maxPerClass)
          break;
        bool drop = false;
        for (int64_t k : kept)
          drop = drop ||
                 suppresses(boxes[size_t(k)], boxes[size_t(i)], iouThreshold);
        if (drop)
          continue;
        kept.push_back(i);
        selected.insert(selected.end(), {b, cl, i});
      }
    }
  }
  ctx.outputs[0] =
      Tensor::fromVector<int64_t>(selected, {int64_t(selected.size() / 3), 3});
}

} // namespace kiln
