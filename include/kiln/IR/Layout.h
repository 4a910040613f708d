//===- Layout.h - NCHW / NCHW<b>c tensor layout names -----------*- C++ -*-===//
// Parses and builds the layout strings of LayoutTransform: "NCHW" (rank 4)
// and "NCHW<b>c" (rank 5, [N, C/b, H, W, b]), shared by inference, kernels,
// lowering and the layout pass.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_LAYOUT_H
#define KILN_IR_LAYOUT_H

#include "kiln/IR/InferUtils.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

/// The channel block of a layout: 0 for "NCHW", b for "NCHW<b>c" (b >= 1);
/// nullopt if the string is neither.
std::optional<int64_t> parseLayoutBlock(std::string_view layout);

/// "NCHW" for block 0, else "NCHW<block>c".
std::string layoutName(int64_t block);

/// The checked geometry of a ConvNCHWc node (see Internal.def). Sizes are -1
/// where the input's N, H or W is not static (then so is OH / OW).
struct ConvNCHWcGeometry {
  int64_t n, cBlocks, ib, h, w; // x: [n, cBlocks, h, w, ib]
  int64_t mBlocks, ob, kh, kw;  // w: [mBlocks, ., kh, kw, ., ob]
  int64_t oh, ow;
  bool depthwise;
  // Grouped (not depthwise): output block mb belongs to group
  // mb / outBlocksPerGroup and reads the inBlocksPerGroup input blocks from
  // group * inBlocksPerGroup on. Group 1 and depthwise: groups == 1 and the
  // per-group counts are cBlocks and mBlocks.
  int64_t groups, inBlocksPerGroup, outBlocksPerGroup;
  WindowParams window;
  std::vector<int64_t> pads; // top, left, bottom, right
  int64_t channels() const { return cBlocks * ib; }
  int64_t outChannels() const { return mBlocks * ob; }
};

/// Checks x's and w's shapes (static channel/block dims required) against
/// the node's group, strides, pads and dilations; throws kiln::Error (without
/// the node's name) if they do not fit.
ConvNCHWcGeometry convNCHWcGeometry(const Node &node,
                                   const std::vector<int64_t> &x,
                                   const std::vector<int64_t> &w);

/// The geometry of a QConvNCHWc node from its rank-7 packed weight
/// [M/ob, C/ib, KH, KW, ib/k, ob, k] (k = 4, or 1 when depthwise), checked
/// as convNCHWcGeometry checks the float form; no dilation is allowed.
ConvNCHWcGeometry qconvNCHWcGeometry(const Node &node,
                                    const std::vector<int64_t> &x,
                                    const std::vector<int64_t> &w);

} // namespace kiln

#endif
