//===- LayoutNCHWcInt8.h - layout-nchwc internals -------------*- C++ -*-===//
// Helpers shared by the layout-nchwc pass (LayoutNCHWc.cpp) and its integer
// convolution rewrite (LayoutNCHWcInt8.cpp); internal to lib/Transforms.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_TRANSFORMS_LAYOUTNCHWCINT8_H
#define KILN_LIB_TRANSFORMS_LAYOUTNCHWCINT8_H

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Layout.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {
namespace nchwc {

/// The largest divisor of `channels` that is at most `lanes`. (Preferring
/// a power of two, 8 for 1000 channels rather than 10, measured no faster
/// with AVX-512: docs/passes.md, "Channel blocks".)
inline int64_t channelBlock(int64_t channels, int64_t lanes) {
  for (int64_t b = std::min(channels, std::max<int64_t>(lanes, 1)); b > 1; --b)
    if (channels % b == 0)
      return b;
  return 1;
}

inline Value *createTransform(Function &f, Node *pos, Value *x, int64_t src,
                              int64_t dst) {
  return createInferred(
             f, pos, OpKind::LayoutTransform, {x},
             {{"src_layout", layoutName(src)}, {"dst_layout", layoutName(dst)}})
      ->result();
}

/// Whether 8-bit op `k` on NCHW `plain` follows its operand into the
/// blocked layout: MaxPool, Relu and Clip (scalar bounds) only compare
/// values, and their kernels and lowerings take blocked 8-bit tensors.
inline bool moves8BitIntoBlocked(OpKind k, const TensorType &plain) {
  ElementType e = plain.elementType();
  return (e == ElementType::U8 || e == ElementType::I8) && !plain.quant() &&
         plain.isRanked() && plain.rank() == 4 && plain.hasStaticShape() &&
         (k == OpKind::MaxPool || k == OpKind::Relu || k == OpKind::Clip);
}

/// Whether integer op `n`, whose operand of NCHW type `plain` has a blocked
/// form (`padded` to whole blocks or not), follows it into the blocked
/// layout: Cast between integer types, Add/Sub/Mul/Max/Min (the integer
/// residual Add of qdq-to-integer), ReduceSum/Max/Min over H and W (integer
/// GlobalAveragePool), Requantize with per-tensor parameters and Concat.
/// All are lane-local but for Concat, which moves whole blocks;
/// padded values are refused (their lanes could hold a divisor 0 or be
/// concatenated into real channels).
bool movesIntegerIntoBlocked(const Node &n, const TensorType &plain,
                             bool padded);

/// The blocked form, before `n`, of a Cast, Requantize or reduction
/// accepted by movesIntegerIntoBlocked whose operand 0 has blocked form
/// `blocked`; null for other ops.
Node *createBlockedInteger(Function &f, Node &n, Value *blocked);

/// Rewrites `requantize` = Requantize(ConvInteger(...) [+ constant i32
/// bias]) with constant i8 weights into QConvNCHWc between LayoutTransforms
/// (docs/passes.md, "Integer convolutions"). False, with the graph
/// untouched, if the chain does not have that form.
bool convertRequantizedConv(Function &f, Node &requantize, int64_t lanes);

} // namespace nchwc
} // namespace kiln

#endif
