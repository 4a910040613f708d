//===- InferUtils.h - helpers shared by type inference functions -*- C++
//-*-===//
// Sliding-window geometry (conv/pool output sizes, auto_pad resolution) and
// small shape helpers used by several inference functions and kernels.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_INFERUTILS_H
#define KILN_IR_INFERUTILS_H

#include "kiln/IR/InferContext.h"

#include <string>

namespace kiln {

/// The geometry of a convolution or pooling window over `rank()` spatial
/// dimensions, read from the ONNX attributes auto_pad, pads, strides,
/// dilations and ceil_mode.
struct WindowParams {
  std::vector<int64_t> kernel;    // spatial kernel size per dim
  std::vector<int64_t> strides;   // default 1
  std::vector<int64_t> dilations; // default 1
  std::vector<int64_t> pads;      // begin..., end...; default 0
  std::string autoPad = "NOTSET"; // NOTSET, SAME_UPPER, SAME_LOWER, VALID
  bool ceilMode = false;

  size_t rank() const { return kernel.size(); }
  /// (kernel - 1) * dilation + 1 for dim i.
  int64_t effectiveKernel(size_t i) const {
    return (kernel[i] - 1) * dilations[i] + 1;
  }
};

/// Reads the window attributes of `node` for a window of size `kernel`.
/// Absent lists get their defaults; wrong lengths or non-positive values
/// throw kiln::Error. ceil_mode is read only if the op has it.
WindowParams readWindowParams(const Node &node,
                              const std::vector<int64_t> &kernel);

/// Output size of one spatial dimension of a conv/pool with input size `in`.
/// With auto_pad SAME_* the output is ceil(in / stride); with VALID the pads
/// are zero; otherwise the explicit pads apply, rounding down or, with
/// ceil_mode, up (dropping a last window that would start in the end pad).
/// Throws if the result would be smaller than 1.
int64_t convOutputSize(const WindowParams &p, size_t i, int64_t in);

/// Output spatial dims for input spatial dims `in` (unknown/symbolic input
/// dims give unknown output dims).
std::vector<Dim> convOutputDims(const WindowParams &p,
                                const std::vector<Dim> &in);

/// The explicit begin/end pads actually applied for static input spatial
/// sizes: resolves SAME_UPPER/SAME_LOWER/VALID, returns `p.pads` otherwise.
std::vector<int64_t> resolvePads(const WindowParams &p,
                                 const std::vector<int64_t> &in);

/// ConvTranspose output sizes and the (possibly negative) begin/end pads
/// cropped from the full transposed output.
struct ConvTransposeGeometry {
  std::vector<int64_t> outSizes;
  std::vector<int64_t> pads; // begin..., end...
};

/// Resolves ConvTranspose geometry for static input spatial sizes `in`.
/// `outputPadding` and `outputShape` may be empty (absent); `outputShape`
/// may list the spatial sizes only or the full output shape.
ConvTransposeGeometry
convTransposeGeometry(const WindowParams &p, const std::vector<int64_t> &in,
                      const std::vector<int64_t> &outputPadding,
                      const std::vector<int64_t> &outputShape);

/// Static integer list from a constant operand, or nullopt if unknown.
std::optional<std::vector<int64_t>> constantInts(const InferContext &ctx,
                                                 size_t i);

/// Normalizes and deduplicates axes for a tensor of `rank`; throws on
/// out-of-range or repeated axes.
std::vector<int64_t> normalizeAxes(const std::vector<int64_t> &axes,
                                   int64_t rank);

} // namespace kiln

#endif
