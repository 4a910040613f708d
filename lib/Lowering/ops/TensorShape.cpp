//===- TensorShape.cpp - lowering of reshape-like and permuting ops -------===//
// Reshape, Squeeze, Unsqueeze, Flatten (a copy through a reshaped view),
// Transpose, Expand, Tile, DepthToSpace and SpaceToDepth: every output
// element reads one input element at an index computed from its own.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

// The data is the same row-major sequence with another shape: copy it
// element for element through a view of the input with the output's shape.
static void lowerReshapeLike(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (in->numElements() != out->numElements())
    ctx.error("input has {} elements, the result {}", in->numElements(),
              out->numElements());
  Buffer view = reshapeView(in, out->shape);
  ctx.emit(compute(out, [&](const Indices &i) { return load(view, i); }));
}

void lowerReshape(LowerContext &ctx) { lowerReshapeLike(ctx); }
void lowerSqueeze(LowerContext &ctx) { lowerReshapeLike(ctx); }
void lowerUnsqueeze(LowerContext &ctx) { lowerReshapeLike(ctx); }
void lowerFlatten(LowerContext &ctx) { lowerReshapeLike(ctx); }

void lowerTranspose(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  size_t rank = in->rank();
  std::vector<int64_t> perm = ctx.node.getInts("perm");
  if (!ctx.node.hasAttr("perm"))
    for (size_t i = 0; i < rank; ++i)
      perm.push_back(int64_t(rank - 1 - i));
  if (perm.size() != rank)
    ctx.error("perm has {} entries for rank {}", perm.size(), rank);
  std::vector<bool> seen(rank, false);
  for (int64_t &p : perm) {
    p = normAxis(ctx, p, int64_t(rank));
    if (seen[size_t(p)])
      ctx.error("perm repeats axis {}", p);
    seen[size_t(p)] = true;
  }
  // Output dim i walks input dim perm[i].
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src(rank);
    for (size_t i = 0; i < rank; ++i)
      src[size_t(perm[i])] = o[i];
    return load(in, src);
  }));
}

void lowerExpand(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (in->rank() > out->rank())
    ctx.error("input rank {} exceeds result rank {}", in->rank(),
              out->rank());
  size_t lead = out->rank() - in->rank();
  for (size_t d = 0; d < in->rank(); ++d)
    if (in->shape[d] != 1 && in->shape[d] != out->shape[lead + d])
      ctx.error("input dim {} of size {} cannot broadcast to {}", d,
                in->shape[d], out->shape[lead + d]);
  ctx.emit(compute(out, [&](const Indices &o) { return loadBroadcast(in, o); }));
}

void lowerTile(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (in->rank() != out->rank())
    ctx.error("result rank {} differs from input rank {}", out->rank(),
              in->rank());
  for (size_t d = 0; d < in->rank(); ++d)
    if (in->shape[d] == 0 ? out->shape[d] != 0
                          : out->shape[d] % in->shape[d] != 0)
      ctx.error("result dim {} of size {} is no multiple of {}", d,
                out->shape[d], in->shape[d]);
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src(o.size());
    for (size_t d = 0; d < o.size(); ++d)
      src[d] = out->shape[d] == in->shape[d] ? o[d] : o[d] % Expr(in->shape[d]);
    return load(in, src);
  }));
}

// Checks the [N, C, H, W] operand of DepthToSpace/SpaceToDepth.
static int64_t blockSizeOf(const LowerContext &ctx, const Buffer &in) {
  if (in->rank() != 4)
    ctx.error("input must have rank 4, not {}", in->rank());
  int64_t b = ctx.node.getInt("blocksize");
  if (b <= 0)
    ctx.error("blocksize must be positive, not {}", b);
  return b;
}

void lowerDepthToSpace(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  int64_t b = blockSizeOf(ctx, in);
  if (in->shape[1] % (b * b) != 0)
    ctx.error("channels {} are not a multiple of blocksize^2", in->shape[1]);
  int64_t oc = in->shape[1] / (b * b);
  bool dcr = ctx.node.getString("mode") == "DCR";
  if (!dcr && ctx.node.getString("mode") != "CRD")
    ctx.error("unsupported mode '{}'", ctx.node.getString("mode"));
  ctx.emit(compute(out, [&](const Indices &o) {
    Expr bh = o[2] % Expr(b), bw = o[3] % Expr(b);
    // DCR: channel (bh * b + bw) * oc + c; CRD: c * b^2 + bh * b + bw.
    Expr c = dcr ? (bh * Expr(b) + bw) * Expr(oc) + o[1]
                 : o[1] * Expr(b * b) + bh * Expr(b) + bw;
    return load(in, {o[0], c, o[2] / Expr(b), o[3] / Expr(b)});
  }));
}

void lowerSpaceToDepth(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  int64_t b = blockSizeOf(ctx, in);
  int64_t c = in->shape[1];
  if (in->shape[2] % b != 0 || in->shape[3] % b != 0)
    ctx.error("spatial dims {}x{} are not multiples of blocksize {}",
              in->shape[2], in->shape[3], b);
  // Output channel (bh * b + bw) * C + c reads in[c][oh * b + bh][ow * b + bw].
  ctx.emit(compute(out, [&](const Indices &o) {
    Expr q = o[1] / Expr(c);
    Expr bh = q / Expr(b), bw = q % Expr(b);
    return load(in, {o[0], o[1] % Expr(c), o[2] * Expr(b) + bh,
                     o[3] * Expr(b) + bw});
  }));
}

} // namespace kiln
