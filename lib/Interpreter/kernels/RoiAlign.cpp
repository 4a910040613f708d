//===- RoiAlign.cpp - the RoiAlign kernel ---------------------------------===//
// Pools each region of interest [x1,y1,x2,y2] of image batch_indices[r] into
// an output_height x output_width grid by bilinear sampling, as ONNX Runtime
// does (including its "max of weighted corners" max mode).
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <algorithm>
#include <cmath>

namespace kiln {

void evalRoiAlign(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &rois = ctx.input(1);
  const Tensor &batchIndices = ctx.input(2);
  if (x.rank() != 4)
    ctx.error("X must have rank 4, not {}", x.rank());
  if (rois.rank() != 2 || rois.dim(1) != 4)
    ctx.error("rois has shape {}, expected [num_rois,4]",
              shapeStr(rois.shape()));
  int64_t numRois = rois.dim(0);
  if (batchIndices.shape() != std::vector<int64_t>{numRois})
    ctx.error("batch_indices has shape {}, expected [{}]",
              shapeStr(batchIndices.shape()), numRois);

  const std::string &mode = ctx.node.getString("mode");
  const std::string &ctm = ctx.node.getString("coordinate_transformation_mode");
  if (mode != "avg" && mode != "max")
    ctx.error("unknown mode '{}'", mode);
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    ctx.error("unknown coordinate_transformation_mode '{}'", ctm);
  bool halfPixel = ctm == "half_pixel";
  int64_t oh = ctx.node.getInt("output_height");
  int64_t ow = ctx.node.getInt("output_width");
  int64_t samplingRatio = ctx.node.getInt("sampling_ratio");
  double scale = ctx.node.getFloat("spatial_scale");
  if (oh <= 0 || ow <= 0)
    ctx.error("output_height and output_width must be positive");
  if (samplingRatio < 0)
    ctx.error("sampling_ratio must not be negative");

  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  std::vector<double> src = x.toDoubleVector();
  std::vector<double> r = rois.toDoubleVector();
  Tensor out(x.elementType(), {numRois, c, oh, ow});
  // Caps the per-bin sample grid so a huge ROI cannot stall the kernel.
  const double maxGrid = 1024;
  for (int64_t ri = 0; ri < numRois; ++ri) {
    int64_t b = batchIndices.getInt(ri);
    if (b < 0 || b >= n)
      ctx.error("batch index {} of roi {} is out of range [0, {})", b, ri, n);
    double offset = halfPixel ? 0.5 : 0.0;
    double x1 = r[size_t(ri * 4)] * scale - offset;
    double y1 = r[size_t(ri * 4 + 1)] * scale - offset;
    double x2 = r[size_t(ri * 4 + 2)] * scale - offset;
    double y2 = r[size_t(ri * 4 + 3)] * scale - offset;
    double roiW = x2 - x1, roiH = y2 - y1;
    if (!halfPixel) {
      roiW = std::max(roiW, 1.0);
      roiH = std::max(roiH, 1.0);
    }
    if (!std::isfinite(roiW) || !std::isfinite(roiH) || !std::isfinite(x1) ||
        !std::isfinite(y1))
      ctx.error("roi {} has non-finite coordinates", ri);
    double binH = roiH / double(oh), binW = roiW / double(ow);
    double gridHd = samplingRatio > 0 ? double(samplingRatio)
                                      : std::ceil(roiH / double(oh));
    double gridWd = samplingRatio > 0 ? double(samplingRatio)
                                      : std::ceil(roiW / double(ow));
    int64_t gridH = int64_t(std::clamp(gridHd, 0.0, maxGrid));
    int64_t gridW = int64_t(std::clamp(gridWd, 0.0, maxGrid));
    double count = double(std::max<int64_t>(gridH * gridW, 1));
    for (int64_t ch = 0; ch < c; ++ch) {
      const double *plane =
          h * w > 0 ? &src[size_t((b * c + ch) * h * w)] : nullptr;
      for (int64_t ph = 0; ph < oh; ++ph)
        for (int64_t pw = 0; pw < ow; ++pw) {
          double acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < gridH; ++iy) {
            double yy = y1 + double(ph) * binH +
                        (double(iy) + 0.5) * binH / double(gridH);
            for (int64_t ix = 0; ix < gridW; ++ix) {
              double xx = x1 + double(pw) * binW +
                          (double(ix) + 0.5) * binW / double(gridW);
              // Bilinear weights of the four neighbors; all zero outside.
              double w1 = 0, w2 = 0, w3 = 0, w4 = 0;
              int64_t yLo = 0, yHi = 0, xLo = 0, xHi = 0;
              if (!(yy < -1.0 || yy > double(h) || xx < -1.0 ||
                    xx > double(w)) &&
                  h > 0 && w > 0) {
                double y = std::max(yy, 0.0), xv = std::max(xx, 0.0);
                yLo = int64_t(y);
                xLo = int64_t(xv);
                if (yLo >= h - 1) {
                  yLo = yHi = h - 1;
                  y = double(yLo);
                } else {
                  yHi = yLo + 1;
                }
                if (xLo >= w - 1) {
                  xLo = xHi = w - 1;
                  xv = double(xLo);
                } else {
                  xHi = xLo + 1;
                }
                double ly = y - double(yLo), lx = xv - double(xLo);
                double hy = 1 - ly, hx = 1 - lx;
                w1 = hy * hx;
                w2 = hy * lx;
                w3 = ly * hx;
                w4 = ly * lx;
              }
              double v1 = h > 0 && w > 0 ? plane[yLo * w + xLo] : 0;
              double v2 = h > 0 && w > 0 ? plane[yLo * w + xHi] : 0;
              double v3 = h > 0 && w > 0 ? plane[yHi * w + xLo] : 0;
              double v4 = h > 0 && w > 0 ? plane[yHi * w + xHi] : 0;
              if (mode == "avg") {
                acc += w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;
              } else {
                double m = std::max(std::max(w1 * v1, w2 * v2),
                                    std::max(w3 * v3, w4 * v4));
                acc = first ? m : std::max(acc, m);
                first = false;
              }
            }
          }
          if (mode == "avg")
            acc /= count;
          out.setDouble(((ri * c + ch) * oh + ph) * ow + pw, acc);
        }
    }
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
