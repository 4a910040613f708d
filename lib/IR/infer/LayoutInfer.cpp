//===- LayoutInfer.cpp - inference for the blocked-layout ops -------------===//
// LayoutTransform converts between NCHW and NCHW<b>c; ConvNCHWc is a 2-D
// convolution on NCHW<b>c tensors (see Internal.def for both).
//===----------------------------------------------------------------------===//
#include "kiln/IR/Layout.h"

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

} // namespace kiln
