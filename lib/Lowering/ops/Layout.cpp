//===- Layout.cpp - lowering of LayoutTransform ---------------------------===//
// A gather between NCHW and NCHW<b>c: every output element loads the element
// of the same logical (n, c, h, w) from the input.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Layout.h"
#include "kiln/Lowering/LowerContext.h"

namespace kiln {

using loop::Buffer;
using loop::Expr;
using loop::Indices;

void lowerLayoutTransform(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  std::optional<int64_t> src =
      parseLayoutBlock(ctx.node.getString("src_layout"));
  std::optional<int64_t> dst =
      parseLayoutBlock(ctx.node.getString("dst_layout"));
  if (!src || !dst)
    ctx.error("unknown layout '{}' or '{}'", ctx.node.getString("src_layout"),
              ctx.node.getString("dst_layout"));
  if (in->rank() != (*src ? 5u : 4u) || out->rank() != (*dst ? 5u : 4u))
    ctx.error("operand rank {} / result rank {} do not match the layouts",
              in->rank(), out->rank());
  int64_t a = *src, b = *dst;
  ctx.emit(loop::compute(out, [&](const Indices &o) {
    Expr ch = b == 0 ? o[1] : o[1] * Expr(b) + o[4];
    if (a == 0)
      return loop::load(in, {o[0], ch, o[2], o[3]});
    if (a == b)
      return loop::load(in, o);
    return loop::load(in, {o[0], ch / Expr(a), o[2], o[3], ch % Expr(a)});
  }));
}

} // namespace kiln
