//===- ConvTiled.cpp - the register-tiled blocked convolution -------------===//
// A tile of J output channel blocks x T output columns accumulates in J*T
// vector registers while the reduction (input blocks, taps, input lanes)
// runs around it; a grouped conv's tile reads only its group's input blocks.
//===----------------------------------------------------------------------===//
#include "ConvTiled.h"

#include <algorithm>

namespace kiln::nnlower {

// A cycle model of one reduction step of a J x T tile: J*T multiply-adds
// on two FMA pipes, T broadcast (or, depthwise, vector) input loads plus J
// weight loads on two load ports, and a 4-cycle latency that a tile of
// fewer than 8 accumulators cannot hide (true of current x86-64 and Arm
// cores, for FMAs and dot products alike). Tiles are limited by the
// registers: J*T accumulators, J weights and one input must fit.
ConvTile planConvTile(const ConvNCHWcGeometry &g, int64_t columns,
                      const LowerTarget &target, int64_t epilogueRegisters) {
  int64_t vecPerBlock = std::max<int64_t>(
      1, (g.ob * 4 + target.vectorBytes - 1) / target.vectorBytes);
  auto stepCycles = [](int64_t j, int64_t t) {
    return std::max({double(j * t) / 2.0, double(t + j) / 2.0, 4.0});
  };
  ConvTile best;
  double bestCost = 1e300;
  for (int64_t j = 1; j <= 4; ++j) {
    int64_t budget =
        (target.vectorRegisters - 1) / vecPerBlock - j - j * epilogueRegisters;
    // A tile's channel blocks share one group's inputs.
    if ((g.depthwise && j > 1) || g.outBlocksPerGroup % j != 0 || budget < j)
      continue;
    for (int64_t t = 1; t <= std::min(budget / j, columns); ++t) {
      int64_t full = columns / t, rest = columns % t;
      double cost =
          double(g.mBlocks / j) * (double(full) * stepCycles(j, t) +
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

Buffer checkedBlockedConvBias(LowerContext &ctx, const Buffer &y,
                              const std::vector<int64_t> &outShape) {
  if (y->shape != outShape)
    ctx.error("result shape {} differs from the geometry's {}",
              shapeStr(y->shape), shapeStr(outShape));
  int64_t channels = outShape[1] * outShape[4];
  Buffer b = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (b && (b->rank() != 1 || b->shape[0] != channels))
    ctx.error("bias must have shape [{}]", channels);
  return b;
}

Expr inputBlock(const ConvNCHWcGeometry &g, const Expr &mb,
                int64_t blocksPerStep, const Expr &icb) {
  if (g.groups == 1)
    return icb;
  return mb / Expr(g.outBlocksPerGroup / blocksPerStep) *
             Expr(g.inBlocksPerGroup) +
         icb;
}

namespace {

class TiledConv {
public:
  TiledConv(const ConvNCHWcGeometry &g, const Buffer &x, const Buffer &w,
            const Buffer &y, const TiledConvGeometry &geo, ConvTile tile,
            const ConvArithmetic &arith)
      : g(g), x(x), w(w), y(y), geo(geo), tile(tile), arith(arith) {}

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
            if (to - from == 1) {
              // A known first column lets a guarded tile see which of its
              // columns read no padding.
              parts.push_back(
                  tileBody(o[0], o[1], o[2], Expr(from * t), t, guard));
              return;
            }
            loop::Var c("c");
            parts.push_back(loop::makeFor(
                c, Expr(from), Expr(to - from), loop::ForKind::Serial,
                tileBody(o[0], o[1], o[2], c * Expr(t), t, guard)));
          };
          tiles(0, lo, true);
          tiles(lo, hi, false);
          tiles(hi, full, true);
          if (rest > 0)
            parts.push_back(
                tileBody(o[0], o[1], o[2], Expr(full * t), rest, !restInside));
          return loop::makeSeq(parts);
        },
        "o");
  }

private:
  // Accumulates columns [c0, c0 + t) of row `row` for channel blocks
  // [blockTile*J, blockTile*J + J). With `guard`, columns outside x read zero.
  Stmt tileBody(const Expr &n, const Expr &blockTile, const Expr &row,
                const Expr &c0, int64_t t, bool guard) {
    int64_t jn = tile.j;
    std::vector<Buffer> acc;
    for (int64_t j = 0; j < jn; ++j)
      for (int64_t i = 0; i < t; ++i)
        acc.push_back(
            loop::makeBuffer(fmt::format("{}_acc{}_{}", y->name, j, i),
                             arith.acc, {g.ob}, loop::MemoryScope::Stack));
    auto accOf = [&](int64_t j, int64_t i) { return acc[j * t + i]; };
    auto block = [&](int64_t j) { return blockTile * Expr(jn) + Expr(j); };
    auto lanes = [&](const std::function<Stmt(const Expr &)> &body) {
      return loop::loopNest(
          {g.ob}, [&](const Indices &l) { return body(l[0]); }, "l");
    };

    std::vector<Buffer> staged;
    std::vector<Stmt> init, fin, stores;
    for (int64_t j = 0; j < jn; ++j)
      for (int64_t i = 0; i < t; ++i) {
        init.push_back(lanes([&](const Expr &l) {
          return loop::makeStore(accOf(j, i), {l},
                                 arith.init(block(j) * Expr(g.ob) + l));
        }));
        Indices at = {n, block(j), row, c0 + Expr(i)};
        Buffer dst = y;
        if (arith.stagedFinish) {
          dst = loop::makeBuffer(fmt::format("{}_out{}_{}", y->name, j, i),
                                 y->elem, {g.ob}, loop::MemoryScope::Stack);
          staged.push_back(dst);
          at.clear();
          stores.push_back(lanes([&](const Expr &l) {
            return loop::makeStore(y, {n, block(j), row, c0 + Expr(i), l},
                                   loop::load(dst, {l}));
          }));
        }
        fin.push_back(lanes([&](const Expr &l) {
          Indices where = at;
          where.push_back(l);
          return loop::makeStore(dst, where,
                                 arith.finish(loop::load(accOf(j, i), {l}),
                                              block(j) * Expr(g.ob) + l));
        }));
      }
    fin.insert(fin.end(), stores.begin(), stores.end());

    int64_t pack = g.depthwise ? 1 : arith.pack;
    loop::Var icb("r0"), kh("r1"), kw("r2"), ic("r3");
    Expr top = row * Expr(geo.strideH) - Expr(geo.padTop);
    int64_t first = 0;
    bool firstKnown = isConstInt(c0, &first);
    // Steps inside the kw loop, and (depthwise taps together) after it.
    std::vector<Stmt> steps, tapSteps;
    for (int64_t i = 0; i < t; ++i) {
      Expr iw0 = (c0 + Expr(i)) * Expr(geo.strideW) - Expr(geo.padLeft);
      int64_t w0 = (first + i) * geo.strideW - geo.padLeft;
      bool columnInside =
          !guard || (firstKnown && w0 >= 0 && w0 + g.kw <= geo.width);
      bool tapsTogether = g.depthwise && arith.depthwiseTapsTogether &&
                          columnInside && g.kw <= 4;
      Expr iw = iw0 + kw;
      Expr inside = guard ? inRange(iw, geo.width) : Expr();
      if (guard)
        iw = clampIndex(iw, geo.width);
      for (int64_t j = 0; j < jn; ++j)
        (tapsTogether ? tapSteps : steps).push_back(lanes([&](const Expr &l) {
          if (tapsTogether) {
            // One expression over the row's taps (consecutive columns).
            Expr e = loop::load(accOf(j, i), {l});
            for (int64_t k = 0; k < g.kw; ++k) {
              auto xk = [&](int64_t) {
                return loop::load(x, {n, block(j), top + kh, iw0 + Expr(k), l});
              };
              auto wk = [&](int64_t) {
                Indices wi = {block(j), Expr(0), kh, Expr(k), Expr(0), l};
                if (w->rank() == 7)
                  wi.push_back(Expr(0));
                return loop::load(w, wi);
              };
              e = arith.step(e, xk, wk, Expr());
            }
            return loop::makeStore(accOf(j, i), {l}, e);
          }
          std::function<Expr(int64_t)> xv, wv;
          if (g.depthwise) {
            xv = [&](int64_t) {
              return loop::load(x, {n, block(j), top + kh, iw, l});
            };
            wv = [&](int64_t) {
              Indices wi = {block(j), Expr(0), kh, kw, Expr(0), l};
              if (w->rank() == 7)
                wi.push_back(Expr(0));
              return loop::load(w, wi);
            };
          } else {
            Expr xb = inputBlock(g, blockTile, jn, icb);
            xv = [&, xb](int64_t k) {
              Expr lane = pack == 1 ? Expr(ic) : ic * Expr(pack) + Expr(k);
              return loop::load(x, {n, xb, top + kh, iw, lane});
            };
            wv = [&](int64_t k) {
              Indices wi = {block(j), icb, kh, kw, ic, l};
              if (pack != 1)
                wi.push_back(Expr(k));
              return loop::load(w, wi);
            };
          }
          return loop::makeStore(
              accOf(j, i), {l},
              arith.step(loop::load(accOf(j, i), {l}), xv, wv, inside));
        }));
    }
    // Taps above or below x are skipped by the kh loop's bounds.
    Stmt update = loop::makeSeq(steps);
    if (!g.depthwise)
      update = loop::makeFor(ic, Expr(0), Expr(g.ib / pack),
                             loop::ForKind::Serial, update);
    if (!steps.empty())
      update =
          loop::makeFor(kw, Expr(0), Expr(g.kw), loop::ForKind::Serial, update);
    if (!tapSteps.empty()) {
      tapSteps.insert(tapSteps.begin(), update);
      update = loop::makeSeq(tapSteps);
    }
    bool clipRows =
        geo.padTop > 0 ||
        (geo.rows - 1) * geo.strideH - geo.padTop + g.kh > geo.height;
    Expr khLo = clipRows ? loop::max(Expr(0), Expr(0) - top) : Expr(0);
    Expr khHi =
        clipRows ? loop::min(Expr(g.kh), Expr(geo.height) - top) : Expr(g.kh);
    update = loop::makeFor(kh, khLo, loop::max(khHi - khLo, Expr(0)),
                           loop::ForKind::Serial, update);
    if (!g.depthwise)
      update = loop::makeFor(icb, Expr(0), Expr(g.inBlocksPerGroup),
                             loop::ForKind::Serial, update);

    std::vector<Stmt> seq = init;
    seq.push_back(update);
    seq.insert(seq.end(), fin.begin(), fin.end());
    Stmt s = loop::makeSeq(seq);
    for (auto it = staged.rbegin(); it != staged.rend(); ++it)
      s = loop::makeAllocate(*it, s);
    for (auto it = acc.rbegin(); it != acc.rend(); ++it)
      s = loop::makeAllocate(*it, s);
    return s;
  }

  const ConvNCHWcGeometry &g;
  Buffer x, w, y;
  const TiledConvGeometry &geo;
  ConvTile tile;
  const ConvArithmetic &arith;
};

} // namespace

Stmt tiledConv(const ConvNCHWcGeometry &g, const Buffer &x, const Buffer &w,
               const Buffer &y, const TiledConvGeometry &geo, ConvTile tile,
               const ConvArithmetic &arith) {
  return TiledConv(g, x, w, y, geo, tile, arith).build();
}

TiledConvPlan planTiledConv(const ConvNCHWcGeometry &g, const Buffer &x,
                            const Buffer &y) {
  const WindowParams &p = g.window;
  // Wide layers keep their rows, which the default schedule spreads over
  // the threads.
  bool pointwise = g.kh == 1 && g.kw == 1 && p.strides[0] == 1 &&
                   p.strides[1] == 1 && g.ow < 16 &&
                   std::all_of(g.pads.begin(), g.pads.end(),
                               [](int64_t v) { return v == 0; });
  TiledConvPlan plan;
  TiledConvGeometry &geo = plan.geo;
  geo.rows = pointwise ? 1 : g.oh;
  geo.columns = pointwise ? g.oh * g.ow : g.ow;
  geo.height = pointwise ? 1 : g.h;
  geo.width = pointwise ? g.h * g.w : g.w;
  geo.strideH = p.strides[0];
  geo.strideW = p.strides[1];
  geo.padTop = g.pads[0];
  geo.padLeft = g.pads[1];
  plan.x = pointwise
               ? loop::reshapeView(x, {g.n, g.cBlocks, 1, g.h * g.w, g.ib})
               : x;
  plan.y = pointwise
               ? loop::reshapeView(y, {g.n, g.mBlocks, 1, g.oh * g.ow, g.ob})
               : y;
  return plan;
}

} // namespace kiln::nnlower
