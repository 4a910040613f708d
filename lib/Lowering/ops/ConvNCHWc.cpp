//===- ConvNCHWc.cpp - lowering of ConvNCHWc ------------------------------===//
// Register-tiled direct convolution on blocked layouts: a tile of J output
// channel blocks x T output columns accumulates in J*T vector registers
// while the reduction (input blocks, taps, input lanes) runs around it; a
// grouped conv's tile reads only its group's input blocks.
// docs/schedules.md ("Convolution") explains the choices.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/Layout.h"

#include <algorithm>

namespace kiln {

using namespace nnlower;

namespace {

/// J output channel blocks x T output columns of accumulators.
struct ConvTile {
  int64_t j = 1, t = 1;
};

/// The register tile for a geometry on a target, from a small cycle model
/// of one reduction step of a J x T tile: J*T multiply-adds on two FMA
/// pipes, T broadcast (or, depthwise, vector) input loads plus J weight
/// loads on two load ports, and a 4-cycle FMA latency that a tile of fewer
/// than 8 accumulators cannot hide (true of current x86-64 and Arm cores).
/// Tiles are limited by the registers: J*T accumulators, J weights and one
/// input must fit. Rows of `columns` pixels end with a shorter tile.
ConvTile planConvTile(const ConvNCHWcGeometry &g, int64_t columns,
                      const LowerTarget &target) {
  int64_t vecPerBlock =
      std::max<int64_t>(1, (g.ob * 4 + target.vectorBytes - 1) /
                               target.vectorBytes);
  auto stepCycles = [](int64_t j, int64_t t) {
    return std::max({double(j * t) / 2.0, double(t + j) / 2.0, 4.0});
  };
  ConvTile best;
  double bestCost = 1e300;
  for (int64_t j = 1; j <= 4; ++j) {
    int64_t budget = (target.vectorRegisters - 1) / vecPerBlock - j;
    // A tile's channel blocks share one group's inputs.
    if ((g.depthwise && j > 1) || g.outBlocksPerGroup % j != 0 || budget < j)
      continue;
    for (int64_t t = 1; t <= std::min(budget / j, columns); ++t) {
      int64_t full = columns / t, rest = columns % t;
      double cost = double(g.mBlocks / j) *
                    (double(full) * stepCycles(j, t) +
                     (rest ? stepCycles(j, rest) : 0.0));
      // Ties go to fewer loads per multiply-add.
      auto loads = [](int64_t j, int64_t t) {
        return double(j + t) / double(j * t);
      };
      if (cost < bestCost - 1e-9 ||
          (cost < bestCost + 1e-9 && loads(j, t) < loads(best.j, best.t))) {
        bestCost = std::min(bestCost, cost);
        best = {j, t};
      }
    }
  }
  return best;
}

/// The input block that output block `mb` reads as its `icb`-th (of
/// inBlocksPerGroup); `blocksPerStep` consecutive output blocks, a multiple
/// dividing outBlocksPerGroup, are numbered `mb / blocksPerStep`.
Expr inputBlock(const ConvNCHWcGeometry &g, const Expr &mb,
                int64_t blocksPerStep, const Expr &icb) {
  if (g.groups == 1)
    return icb;
  return mb / Expr(g.outBlocksPerGroup / blocksPerStep) *
             Expr(g.inBlocksPerGroup) +
         icb;
}

/// Emits a dilated or otherwise irregular convolution one output pixel at a
/// time (taps outside the input read a clamped index, multiplied by zero).
void emitPixelwise(LowerContext &ctx, const ConvNCHWcGeometry &g,
                   const Buffer &x, const Buffer &w, const Buffer &b,
                   const Buffer &y) {
  const WindowParams &p = g.window;
  int64_t inSize[2] = {g.h, g.w};
  ElementType ct = ElementType::F32;
  Buffer acc = loop::makeBuffer(y->name + "_acc", ct, {g.ob},
                                loop::MemoryScope::Stack);
  auto lanes = [&](const std::function<Stmt(const Expr &)> &body) {
    return loop::loopNest(
        {g.ob}, [&](const Indices &l) { return body(l[0]); }, "l");
  };
  std::vector<int64_t> rshape =
      g.depthwise ? std::vector<int64_t>{g.kh, g.kw}
                  : std::vector<int64_t>{g.inBlocksPerGroup, g.kh, g.kw,
                                         g.ib};
  ctx.emit(loop::loopNest(
      {g.n, g.mBlocks, g.oh, g.ow},
      [&](const Indices &o) {
        Stmt init = lanes([&](const Expr &l) {
          Expr v = b ? loop::load(b, {o[1] * Expr(g.ob) + l}) : fimm(ct, 0);
          return loop::makeStore(acc, {l}, v);
        });
        Stmt update = loop::loopNest(
            rshape,
            [&](const Indices &r) {
              size_t k = g.depthwise ? 0 : 1;
              std::vector<Expr> conds;
              Expr pos[2];
              for (size_t d = 0; d < 2; ++d) {
                pos[d] = o[2 + d] * Expr(p.strides[d]) - Expr(g.pads[d]) +
                         r[k + d] * Expr(p.dilations[d]);
                conds.push_back(inRange(pos[d], inSize[d]));
                pos[d] = clampIndex(pos[d], inSize[d]);
              }
              return lanes([&](const Expr &l) {
                Indices xi, wi;
                if (g.depthwise) {
                  xi = {o[0], o[1], pos[0], pos[1], l};
                  wi = {o[1], Expr(0), r[0], r[1], Expr(0), l};
                } else {
                  xi = {o[0], inputBlock(g, o[1], 1, r[0]), pos[0], pos[1],
                        r[3]};
                  wi = {o[1], r[0], r[1], r[2], r[3], l};
                }
                Expr prod = loop::select(
                    allOf(conds), loop::load(x, xi) * loop::load(w, wi),
                    fimm(ct, 0));
                return loop::makeStore(acc, {l}, loop::load(acc, {l}) + prod);
              });
            },
            "r");
        Stmt fin = lanes([&](const Expr &l) {
          return loop::makeStore(y, {o[0], o[1], o[2], o[3], l},
                                 loop::load(acc, {l}));
        });
        return loop::makeAllocate(acc, loop::makeSeq({init, update, fin}));
      },
      "o"));
}

/// The tiled kernel over x into y, rows of `columns` output pixels (x and y
/// may be views that merge the rows of a pointwise convolution into one).
/// Padding is never materialized: a row's kernel taps are clipped by the
/// bounds of its kh loop, and only the tiles at the left and right borders
/// guard their column reads; the tiles between run branch-free.
class TiledConv {
public:
  struct Geometry {
    int64_t rows, columns, height, width; // output rows/columns, input size
    int64_t strideH, strideW, padTop, padLeft;
  };

  TiledConv(const ConvNCHWcGeometry &g, const Buffer &x, const Buffer &w,
            const Buffer &b, const Buffer &y, Geometry geo, ConvTile tile)
      : g(g), x(x), w(w), b(b), y(y), geo(geo), tile(tile) {}

  Stmt build() {
    int64_t t = tile.t, full = geo.columns / t, rest = geo.columns % t;
    // Tiles [lo, hi) read only columns inside x.
    int64_t span = t * geo.strideW;
    int64_t lo = (geo.padLeft + span - 1) / span;
    int64_t last = geo.width - g.kw + geo.padLeft - (t - 1) * geo.strideW;
    int64_t hi = last < 0 ? 0 : last / span + 1;
    lo = std::min(lo, full);
    hi = std::clamp(hi, lo, full);
    bool restInside =
        full * t * geo.strideW >= geo.padLeft &&
        (geo.columns - 1) * geo.strideW - geo.padLeft + g.kw <= geo.width;
    int64_t blockTiles = g.mBlocks / tile.j;
    return loop::loopNest(
        {g.n, blockTiles, geo.rows},
        [&](const Indices &o) {
          std::vector<Stmt> parts;
          auto tiles = [&](int64_t from, int64_t to, bool guard) {
            if (to <= from)
              return;
            loop::Var c("c");
            parts.push_back(loop::makeFor(
                c, Expr(from), Expr(to - from), loop::ForKind::Serial,
                tileBody(o[0], o[1], o[2], c * Expr(t), t, guard)));
          };
          tiles(0, lo, true);
          tiles(lo, hi, false);
          tiles(hi, full, true);
          if (rest > 0)
            parts.push_back(tileBody(o[0], o[1], o[2], Expr(full * t), rest,
                                     !restInside));
          return loop::makeSeq(parts);
        },
        "o");
  }

private:
  // Accumulates columns [c0, c0 + t) of row `row` for channel blocks
  // [blockTile*J, blockTile*J + J). With `guard`, columns outside x read zero.
  Stmt tileBody(const Expr &n, const Expr &blockTile, const Expr &row,
                const Expr &c0, int64_t t, bool guard) {
    ElementType ct = ElementType::F32;
    int64_t jn = tile.j;
    std::vector<Buffer> acc;
    for (int64_t j = 0; j < jn; ++j)
      for (int64_t i = 0; i < t; ++i)
        acc.push_back(loop::makeBuffer(
            fmt::format("{}_acc{}_{}", y->name, j, i), ct, {g.ob},
            loop::MemoryScope::Stack));
    auto accOf = [&](int64_t j, int64_t i) { return acc[j * t + i]; };
    auto block = [&](int64_t j) { return blockTile * Expr(jn) + Expr(j); };
    auto lanes = [&](const std::function<Stmt(const Expr &)> &body) {
      return loop::loopNest(
          {g.ob}, [&](const Indices &l) { return body(l[0]); }, "l");
    };

    std::vector<Stmt> init, fin;
    for (int64_t j = 0; j < jn; ++j)
      for (int64_t i = 0; i < t; ++i) {
        init.push_back(lanes([&](const Expr &l) {
          Expr v = b ? loop::load(b, {block(j) * Expr(g.ob) + l})
                     : fimm(ct, 0);
          return loop::makeStore(accOf(j, i), {l}, v);
        }));
        fin.push_back(lanes([&](const Expr &l) {
          return loop::makeStore(y, {n, block(j), row, c0 + Expr(i), l},
                                 loop::load(accOf(j, i), {l}));
        }));
      }

    loop::Var icb("r0"), kh("r1"), kw("r2"), ic("r3");
    Expr top = row * Expr(geo.strideH) - Expr(geo.padTop);
    std::vector<Stmt> fmas;
    for (int64_t i = 0; i < t; ++i) {
      Expr iw = (c0 + Expr(i)) * Expr(geo.strideW) - Expr(geo.padLeft) + kw;
      Expr inside = guard ? inRange(iw, geo.width) : Expr();
      if (guard)
        iw = clampIndex(iw, geo.width);
      for (int64_t j = 0; j < jn; ++j)
        fmas.push_back(lanes([&](const Expr &l) {
          Expr xv, wv;
          if (g.depthwise) {
            xv = loop::load(x, {n, block(j), top + kh, iw, l});
            wv = loop::load(w, {block(j), Expr(0), kh, kw, Expr(0), l});
          } else {
            xv = loop::load(
                x, {n, inputBlock(g, blockTile, jn, icb), top + kh, iw, ic});
            wv = loop::load(w, {block(j), icb, kh, kw, ic, l});
          }
          if (guard)
            xv = loop::select(inside, xv, fimm(ct, 0));
          return loop::makeStore(accOf(j, i), {l},
                                 loop::load(accOf(j, i), {l}) + xv * wv);
        }));
    }
    // Taps above or below x are skipped by the kh loop's bounds.
    Stmt update = loop::makeSeq(fmas);
    if (!g.depthwise)
      update = loop::makeFor(ic, Expr(0), Expr(g.ib), loop::ForKind::Serial,
                             update);
    update = loop::makeFor(kw, Expr(0), Expr(g.kw), loop::ForKind::Serial,
                           update);
    bool clipRows = geo.padTop > 0 ||
                    (geo.rows - 1) * geo.strideH - geo.padTop + g.kh >
                        geo.height;
    Expr khLo = clipRows ? loop::max(Expr(0), Expr(0) - top) : Expr(0);
    Expr khHi = clipRows ? loop::min(Expr(g.kh), Expr(geo.height) - top)
                         : Expr(g.kh);
    update = loop::makeFor(kh, khLo, loop::max(khHi - khLo, Expr(0)),
                           loop::ForKind::Serial, update);
    if (!g.depthwise)
      update = loop::makeFor(icb, Expr(0), Expr(g.inBlocksPerGroup),
                             loop::ForKind::Serial, update);

    std::vector<Stmt> seq = init;
    seq.push_back(update);
    seq.insert(seq.end(), fin.begin(), fin.end());
    Stmt s = loop::makeSeq(seq);
    for (auto it = acc.rbegin(); it != acc.rend(); ++it)
      s = loop::makeAllocate(*it, s);
    return s;
  }

  const ConvNCHWcGeometry &g;
  Buffer x, w, b, y;
  Geometry geo;
  ConvTile tile;
};

} // namespace

void lowerConvNCHWc(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &w = ctx.input(1);
  const Buffer &y = ctx.output(0);
  if (x->elem != ElementType::F32 || w->elem != ElementType::F32)
    ctx.error("input and weight must be f32");
  ConvNCHWcGeometry g;
  try {
    g = convNCHWcGeometry(ctx.node, x->shape, w->shape);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  if (y->shape != outShape)
    ctx.error("result shape {} differs from the geometry's {}",
              shapeStr(y->shape), shapeStr(outShape));
  Buffer b = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (b && (b->rank() != 1 || b->shape[0] != g.outChannels()))
    ctx.error("bias must have shape [{}]", g.outChannels());

  const WindowParams &p = g.window;
  if (p.dilations[0] != 1 || p.dilations[1] != 1 ||
      (g.depthwise && g.ib != g.ob)) {
    emitPixelwise(ctx, g, x, w, b, y);
    return;
  }

  // A pointwise stride-1 convolution over short rows (a 7x7 or 14x14 layer)
  // is one long row of pixels, so it still gets full tiles; wide layers keep
  // their rows, which the default schedule spreads over the threads.
  bool pointwise = g.kh == 1 && g.kw == 1 && p.strides[0] == 1 &&
                   p.strides[1] == 1 && g.ow < 16 &&
                   std::all_of(g.pads.begin(), g.pads.end(),
                               [](int64_t v) { return v == 0; });
  TiledConv::Geometry geo;
  geo.rows = pointwise ? 1 : g.oh;
  geo.columns = pointwise ? g.oh * g.ow : g.ow;
  geo.height = pointwise ? 1 : g.h;
  geo.width = pointwise ? g.h * g.w : g.w;
  geo.strideH = p.strides[0];
  geo.strideW = p.strides[1];
  geo.padTop = g.pads[0];
  geo.padLeft = g.pads[1];
  Buffer xs = pointwise ? loop::reshapeView(x, {g.n, g.cBlocks, 1,
                                                g.h * g.w, g.ib})
                        : x;
  Buffer ys = pointwise ? loop::reshapeView(y, {g.n, g.mBlocks, 1,
                                                g.oh * g.ow, g.ob})
                        : y;
  ConvTile tile = planConvTile(g, geo.columns, ctx.target());
  ctx.emit(TiledConv(g, xs, w, b, ys, geo, tile).build());
}

} // namespace kiln
