//===- Layout.cpp - NCHW / NCHW<b>c tensor layout names -------------------===//
// Parsing of the layout strings used by LayoutTransform and the layout pass.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Layout.h"

#include "kiln/IR/Node.h"

namespace kiln {

std::optional<int64_t> parseLayoutBlock(std::string_view layout) {
  constexpr std::string_view prefix = "NCHW";
  if (layout.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  std::string_view rest = layout.substr(prefix.size());
  if (rest.empty())
    return 0;
  if (rest.size() < 2 || rest.back() != 'c')
    return std::nullopt;
  rest.remove_suffix(1);
  // At most 9 digits, so the block cannot overflow; no leading zeros.
  if (rest.size() > 9 || rest.front() == '0')
    return std::nullopt;
  int64_t block = 0;
  for (char ch : rest) {
    if (ch < '0' || ch > '9')
      return std::nullopt;
    block = block * 10 + (ch - '0');
  }
  return block;
}

std::string layoutName(int64_t block) {
  return block == 0 ? "NCHW" : "NCHW" + std::to_string(block) + "c";
}

ConvNCHWcGeometry convNCHWcGeometry(const Node &node,
                                   const std::vector<int64_t> &x,
                                   const std::vector<int64_t> &w) {
  check(x.size() == 5, "input must have rank 5 ([N, C/ib, H, W, ib]), not {}",
        shapeStr(x));
  check(w.size() == 6,
        "weight must have rank 6 ([M/ob, C/ib, KH, KW, ib, ob]), not {}",
        shapeStr(w));
  for (int64_t d : w)
    check(d >= 1, "weight shape {} must be static and non-empty", shapeStr(w));
  check(x[1] >= 1 && x[4] >= 1,
        "input shape {} needs static, non-empty channel dims", shapeStr(x));
  ConvNCHWcGeometry g;
  g.n = x[0];
  g.cBlocks = x[1];
  g.h = x[2];
  g.w = x[3];
  g.ib = x[4];
  g.mBlocks = w[0];
  g.kh = w[2];
  g.kw = w[3];
  g.ob = w[5];
  int64_t group = node.getInt("group");
  check(group >= 1, "group {} must be positive", group);
  // Blocks of one channel are depthwise and grouped alike; the depthwise
  // form needs equal blocks, the grouped one whole blocks per group.
  g.depthwise = group != 1 && group == g.channels() &&
                group == g.outChannels() && w[1] == 1 && w[4] == 1 &&
                g.ib == g.ob;
  g.groups = g.depthwise ? 1 : group;
  g.inBlocksPerGroup = g.depthwise ? 1 : w[1];
  g.outBlocksPerGroup = g.depthwise ? g.mBlocks : g.mBlocks / group;
  if (group == 1) {
    check(w[1] == g.cBlocks && w[4] == g.ib,
          "weight {} does not match input {} (expected [M/ob, {}, KH, KW, {}, "
          "ob])",
          shapeStr(w), shapeStr(x), g.cBlocks, g.ib);
  } else if (!g.depthwise) {
    check(g.cBlocks % group == 0 && g.mBlocks % group == 0,
          "group {} does not split the {} input blocks of {} and the {} "
          "output blocks of weight {} into whole blocks per group (depthwise "
          "needs equal blocks and weight [M/ob, 1, KH, KW, 1, ob])",
          group, g.cBlocks, shapeStr(x), g.mBlocks, shapeStr(w));
    check(w[1] == g.cBlocks / group && w[4] == g.ib,
          "grouped weight {} does not match input {} (expected [M/ob, {}, KH, "
          "KW, {}, ob])",
          shapeStr(w), shapeStr(x), g.cBlocks / group, g.ib);
  }
  g.window = readWindowParams(node, {g.kh, g.kw});
  g.pads = g.window.pads;
  g.oh = g.h < 0 ? -1 : convOutputSize(g.window, 0, g.h);
  g.ow = g.w < 0 ? -1 : convOutputSize(g.window, 1, g.w);
  return g;
}

ConvNCHWcGeometry qconvNCHWcGeometry(const Node &node,
                                    const std::vector<int64_t> &x,
                                    const std::vector<int64_t> &w) {
  check(w.size() == 7,
        "weight must have rank 7 ([M/ob, C/ib, KH, KW, ib/k, ob, k]), not {}",
        shapeStr(w));
  for (int64_t d : w)
    check(d >= 1, "weight shape {} must be static and non-empty", shapeStr(w));
  ConvNCHWcGeometry g = convNCHWcGeometry(
      node, x, {w[0], w[1], w[2], w[3], w[4] * w[6], w[5]});
  int64_t k = g.depthwise ? 1 : 4;
  check(w[6] == k, "weight {} must end in groups of {} input channels{}",
        shapeStr(w), k, g.depthwise ? " (depthwise)" : "");
  check(g.window.dilations[0] == 1 && g.window.dilations[1] == 1,
        "dilations must be 1");
  return g;
}

} // namespace kiln
