//===- LayoutInfer.cpp - inference for the blocked-layout ops -------------===//
// LayoutTransform converts between NCHW and NCHW<b>c; ConvNCHWc and its
// 8-bit form QConvNCHWc are 2-D convolutions on NCHW<b>c tensors (see
// Internal.def).
//===----------------------------------------------------------------------===//
#include "kiln/IR/Layout.h"
#include "kiln/IR/Requantize.h"
#include "kiln/IR/Winograd.h"

namespace kiln {

static int64_t layoutAttr(InferContext &ctx, const char *attr) {
  const std::string &s = ctx.node.getString(attr);
  std::optional<int64_t> block = parseLayoutBlock(s);
  if (!block)
    ctx.error("{} '{}' is not NCHW or NCHW<b>c with b >= 1", attr, s);
  return *block;
}

void inferLayoutTransform(InferContext &ctx) {
  int64_t src = layoutAttr(ctx, "src_layout");
  int64_t dst = layoutAttr(ctx, "dst_layout");
  const TensorType &x = ctx.input(0);
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  size_t rank = src == 0 ? 4 : 5;
  if (x.rank() != rank)
    ctx.error("input {} must have rank {} for layout {}", x.str(), rank,
              layoutName(src));
  const Dim &cDim = x.dim(1);
  if (src != 0 && x.dim(4).isStatic() && x.dim(4).size() != src)
    ctx.error("input {} does not end in block {} of layout {}", x.str(), src,
              layoutName(src));
  Dim channels = cDim;
  if (src != 0)
    channels = cDim.isStatic() ? Dim(cDim.size() * src) : Dim();
  if (dst != 0 && channels.isStatic() && channels.size() % dst != 0)
    ctx.error("{} channels of input {} are not divisible by block {}",
              channels.size(), x.str(), dst);
  std::vector<Dim> dims = {x.dim(0), channels, x.dim(2), x.dim(3)};
  if (dst != 0) {
    dims[1] = channels.isStatic() ? Dim(channels.size() / dst) : Dim();
    dims.push_back(Dim(dst));
  }
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

static std::vector<int64_t> sizesOf(const TensorType &t) {
  std::vector<int64_t> s;
  for (const Dim &d : t.dims())
    s.push_back(d.isStatic() ? d.size() : -1);
  return s;
}

void inferConvNCHWc(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &w = ctx.input(1);
  if (x.elementType() != ElementType::F32 ||
      w.elementType() != ElementType::F32)
    ctx.error("input and weight must be f32, not {} and {}",
              toString(x.elementType()), toString(w.elementType()));
  if (!x.isRanked() || !w.isRanked())
    ctx.error("input {} and weight {} must be ranked", x.str(), w.str());
  ConvNCHWcGeometry g;
  try {
    g = convNCHWcGeometry(ctx.node, sizesOf(x), sizesOf(w));
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (ctx.hasInput(2)) {
    const TensorType &b = ctx.input(2);
    if (b.elementType() != ElementType::F32)
      ctx.error("bias must be f32, not {}", toString(b.elementType()));
    if (b.isRanked() &&
        (b.rank() != 1 ||
         (b.dim(0).isStatic() && b.dim(0).size() != g.outChannels())))
      ctx.error("bias {} does not match {} output channels", b.str(),
                g.outChannels());
  }
  auto dim = [](int64_t s) { return s < 0 ? Dim() : Dim(s); };
  ctx.setResult(0, TensorType(ElementType::F32,
                              {x.dim(0), Dim(g.mBlocks), dim(g.oh),
                               dim(g.ow), Dim(g.ob)}));
}

void inferWinogradConvNCHWc(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &u = ctx.input(1);
  if (x.elementType() != ElementType::F32 ||
      u.elementType() != ElementType::F32)
    ctx.error("input and weight must be f32, not {} and {}",
              toString(x.elementType()), toString(u.elementType()));
  if (!x.hasStaticShape() || !u.hasStaticShape())
    ctx.error("input {} and weight {} must have static shapes", x.str(),
              u.str());
  winograd::Geometry g;
  try {
    g = winograd::geometry(ctx.node, sizesOf(x), sizesOf(u));
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (ctx.hasInput(2)) {
    const TensorType &b = ctx.input(2);
    if (b.elementType() != ElementType::F32 || !b.hasStaticShape() ||
        b.rank() != 1 || b.dim(0).size() != g.outChannels)
      ctx.error("bias {} must be f32[{}]", b.str(), g.outChannels);
  }
  ctx.setResult(
      0, TensorType(ElementType::F32, {Dim(g.n), Dim(g.mBlocks), Dim(g.oh),
                                       Dim(g.ow), Dim(g.ob)}));
}

void inferQConvNCHWc(InferContext &ctx) {
  const TensorType &x = ctx.input(0), &w = ctx.input(1);
  auto is8 = [](ElementType e) {
    return e == ElementType::U8 || e == ElementType::I8;
  };
  if (!is8(x.elementType()) || !is8(w.elementType()))
    ctx.error("input and weight must be u8 or i8, not {} and {}",
              toString(x.elementType()), toString(w.elementType()));
  if (!x.isRanked() || !w.isRanked())
    ctx.error("input {} and weight {} must be ranked", x.str(), w.str());
  ConvNCHWcGeometry g;
  RequantizeAttrs attrs;
  try {
    g = qconvNCHWcGeometry(ctx.node, sizesOf(x), sizesOf(w));
    attrs = readRequantizeAttrs(ctx.node);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  struct Param {
    size_t index;
    const char *what;
    bool perTensorAllowed;
  };
  for (Param p : {Param{2, "bias", false}, Param{3, "multiplier", true},
                  Param{4, "shift", true}}) {
    const TensorType &t = ctx.input(p.index);
    ElementType e = t.elementType();
    if (e != ElementType::I32 && !(p.index == 4 && e == ElementType::I8))
      ctx.error("{} must be i32{}, not {}", p.what,
                p.index == 4 ? " or i8" : "", toString(e));
    if (!t.isRanked() || t.rank() != 1 || !t.dim(0).isStatic() ||
        (t.dim(0).size() != g.outChannels() &&
         !(p.perTensorAllowed && t.dim(0).size() == 1)))
      ctx.error("{} {} must have shape [{}]{}", p.what, t.str(),
                g.outChannels(), p.perTensorAllowed ? " or [1]" : "");
  }
  if (const Tensor *m = ctx.constant(3))
    try {
      checkRequantizeMultipliers(*m);
      if (const Tensor *s = ctx.constant(4))
        checkRequantizeShifts(*s);
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
  auto dim = [](int64_t s) { return s < 0 ? Dim() : Dim(s); };
  ctx.setResult(0, TensorType(attrs.outputType,
                              {x.dim(0), Dim(g.mBlocks), dim(g.oh),
                               dim(g.ow), Dim(g.ob)}));
}

} // namespace kiln
