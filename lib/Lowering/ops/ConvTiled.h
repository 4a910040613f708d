//===- ConvTiled.h - the register-tiled blocked convolution -----*- C++ -*-===//
// The tile planner and tiled kernel shared by ConvNCHWc (f32 FMAs) and
// QConvNCHWc (8-bit dot products into i32); docs/schedules.md, "Convolution".
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_CONVTILED_H
#define KILN_LOWERING_OPS_CONVTILED_H

#include "ReduceCommon.h"

#include "kiln/IR/Layout.h"

#include <functional>

namespace kiln::nnlower {

/// J output channel blocks x T output columns of accumulators.
struct ConvTile {
  int64_t j = 1, t = 1;
};

/// The register tile for a geometry on a target (a cycle model of one
/// reduction step, limited by the vector registers); rows of `columns`
/// pixels end with a shorter tile.
/// `epilogueRegisters` vectors per output block stay free for what the
/// tile's epilogue keeps per block (an exact requantization's per-channel
/// multipliers, shifts and rounding constants), so that applying it to the
/// whole tile does not spill accumulators.
ConvTile planConvTile(const ConvNCHWcGeometry &g, int64_t columns,
                      const LowerTarget &target, int64_t epilogueRegisters = 0);

/// The input block that output block `mb` reads as its `icb`-th (of
/// inBlocksPerGroup); `blocksPerStep` consecutive output blocks, a multiple
/// dividing outBlocksPerGroup, are numbered `mb / blocksPerStep`.
Expr inputBlock(const ConvNCHWcGeometry &g, const Expr &mb,
                int64_t blocksPerStep, const Expr &icb);

/// What a tiled convolution computes per lane: the accumulator type, its
/// initial value for output channel `channel`, one reduction step and the
/// value stored for the final accumulator.
struct ConvArithmetic {
  ElementType acc = ElementType::F32;
  /// Input channels one step consumes: 1, or 4 for 8-bit dot products
  /// (then w is [M/ob, ., KH, KW, ib/4, ob, 4]); depthwise always 1.
  int64_t pack = 1;
  std::function<Expr(const Expr &channel)> init;
  /// acc + products for input lanes x(k), k < pack (for depthwise x(0) is
  /// the output lane's input) and weights w(k); `inside` is null or the
  /// condition under which the input column exists (else x reads as 0).
  std::function<Expr(const Expr &acc, const std::function<Expr(int64_t)> &x,
                     const std::function<Expr(int64_t)> &w, const Expr &inside)>
      step;
  std::function<Expr(const Expr &acc, const Expr &channel)> finish;
  /// Compute every result of a tile before storing any: a store to y could
  /// alias finish's per-channel loads, so only then does code generation
  /// share them (and what finish derives from them) across a block's columns.
  bool stagedFinish = false;
  /// A depthwise step of a tile that reads no padding sums a kernel row's
  /// taps (at most 4, consecutive input columns) in one expression, which
  /// code generation can turn into one dot product per row.
  bool depthwiseTapsTogether = false;
};

/// Checks a blocked float convolution's result y against the geometry's
/// shape [n, mBlocks, oh, ow, ob] and its optional bias (operand 2)
/// against the mBlocks * ob output channels; returns the bias or null.
Buffer checkedBlockedConvBias(LowerContext &ctx, const Buffer &y,
                              const std::vector<int64_t> &outShape);

/// Where the tiled kernel runs: output rows/columns and the input size it
/// reads (x and y may be views that merge a pointwise layer's rows).
struct TiledConvGeometry {
  int64_t rows, columns, height, width;
  int64_t strideH, strideW, padTop, padLeft;
};

/// The tiled convolution of x (weights w) into y. Padding is never
/// materialized: a row's kernel taps are clipped by the bounds of its kh
/// loop and only the tiles at the left and right borders guard their
/// column reads.
Stmt tiledConv(const ConvNCHWcGeometry &g, const Buffer &x, const Buffer &w,
               const Buffer &y, const TiledConvGeometry &geo, ConvTile tile,
               const ConvArithmetic &arith);

/// The geometry tiledConv runs on for g, and the views of x and y it reads
/// and writes: a stride-1 pointwise layer with short rows (7x7, 14x14) is
/// one long row of pixels, so it still gets full tiles.
struct TiledConvPlan {
  TiledConvGeometry geo;
  Buffer x, y;
};
TiledConvPlan planTiledConv(const ConvNCHWcGeometry &g, const Buffer &x,
                            const Buffer &y);

} // namespace kiln::nnlower

#endif
