//===- ConvNCHWc.cpp - lowering of ConvNCHWc ------------------------------===//
// Register-tiled direct convolution on blocked layouts: a tile of J output
// channel blocks x T output columns accumulates in J*T vector registers
// while the reduction (input blocks, taps, input lanes) runs around it.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/Layout.h"

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
    if ((g.depthwise && j > 1) || g.mBlocks % j != 0 || budget < j)
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
                  : std::vector<int64_t>{g.cBlocks, g.kh, g.kw, g.ib};
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
                  xi = {o[0], r[0], pos[0], pos[1], r[3]};
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

/// The tiled kernel over x (already padded: every tap is inside it) into
/// y, whose rows have `columns` pixels; column c reads x's columns
/// c*stride + kw. x and y may be views that merge rows into one.
class TiledConv {
public:
  TiledConv(const ConvNCHWcGeometry &g, const Buffer &x, const Buffer &w,
            const Buffer &b, const Buffer &y, int64_t rows, int64_t columns,
            int64_t strideH, int64_t strideW, ConvTile tile)
      : g(g), x(x), w(w), b(b), y(y), rows(rows), columns(columns),
        strideH(strideH), strideW(strideW), tile(tile) {}

  Stmt build() {
    int64_t full = columns / tile.t, rest = columns % tile.t;
    int64_t groups = g.mBlocks / tile.j;
    return loop::loopNest(
        {g.n, groups, rows},
        [&](const Indices &o) {
          std::vector<Stmt> parts;
          if (full > 0) {
            loop::Var c("c");
            parts.push_back(loop::makeFor(
                c, Expr(0), Expr(full), loop::ForKind::Serial,
                tileBody(o[0], o[1], o[2], c * Expr(tile.t), tile.t)));
          }
          if (rest > 0)
            parts.push_back(tileBody(o[0], o[1], o[2],
                                     Expr(full * tile.t), rest));
          return loop::makeSeq(parts);
        },
        "o");
  }

private:
  // Accumulates columns [c0, c0 + t) of row `row` for channel blocks
  // [group*J, group*J + J).
  Stmt tileBody(const Expr &n, const Expr &group, const Expr &row,
                const Expr &c0, int64_t t) {
    ElementType ct = ElementType::F32;
    int64_t jn = tile.j;
    std::vector<Buffer> acc;
    for (int64_t j = 0; j < jn; ++j)
      for (int64_t i = 0; i < t; ++i)
        acc.push_back(loop::makeBuffer(
            fmt::format("{}_acc{}_{}", y->name, j, i), ct, {g.ob},
            loop::MemoryScope::Stack));
    auto accOf = [&](int64_t j, int64_t i) { return acc[j * t + i]; };
    auto block = [&](int64_t j) { return group * Expr(jn) + Expr(j); };
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

    std::vector<int64_t> rshape =
        g.depthwise ? std::vector<int64_t>{g.kh, g.kw}
                    : std::vector<int64_t>{g.cBlocks, g.kh, g.kw, g.ib};
    Stmt update = loop::loopNest(
        rshape,
        [&](const Indices &r) {
          Expr kh = g.depthwise ? r[0] : r[1], kw = g.depthwise ? r[1] : r[2];
          Expr ih = row * Expr(strideH) + kh;
          std::vector<Stmt> fmas;
          for (int64_t i = 0; i < t; ++i) {
            Expr iw = (c0 + Expr(i)) * Expr(strideW) + kw;
            for (int64_t j = 0; j < jn; ++j)
              fmas.push_back(lanes([&](const Expr &l) {
                Expr xv, wv;
                if (g.depthwise) {
                  xv = loop::load(x, {n, block(j), ih, iw, l});
                  wv = loop::load(w, {block(j), Expr(0), kh, kw, Expr(0), l});
                } else {
                  xv = loop::load(x, {n, r[0], ih, iw, r[3]});
                  wv = loop::load(w, {block(j), r[0], kh, kw, r[3], l});
                }
                return loop::makeStore(accOf(j, i), {l},
                                       loop::load(accOf(j, i), {l}) + xv * wv);
              }));
          }
          return loop::makeSeq(fmas);
        },
        "r");

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
  int64_t rows, columns, strideH, strideW;
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

  // Padding is materialized once per call in the kernel's workspace (a copy
  // of the input, small next to the convolution's work), so every tile runs
  // the same branch-free reduction.
  int64_t pt = g.pads[0], pl = g.pads[1], pb = g.pads[2], pr = g.pads[3];
  int64_t hp = g.h + pt + pb, wp = g.w + pl + pr;
  // The last row/column some tap reads; trailing rows no output needs
  // are never read.
  hp = std::min(hp, (g.oh - 1) * p.strides[0] + g.kh);
  wp = std::min(wp, (g.ow - 1) * p.strides[1] + g.kw);
  Buffer src = x;
  if (pt || pl || hp > g.h || wp > g.w) {
    src = ctx.allocate(x->name + "_padded", ElementType::F32,
                       {g.n, g.cBlocks, hp, wp, g.ib});
    ctx.emit(loop::loopNest(
        src->shape,
        [&](const Indices &i) {
          Expr ih = i[2] - Expr(pt), iw = i[3] - Expr(pl);
          Expr inside = loop::logicalAnd(inRange(ih, g.h), inRange(iw, g.w));
          Expr v = loop::load(x, {i[0], i[1], clampIndex(ih, g.h),
                                  clampIndex(iw, g.w), i[4]});
          return loop::makeStore(src, i,
                                 loop::select(inside, v, fimm(ElementType::F32,
                                                              0)));
        },
        "p"));
  }

  // A pointwise stride-1 convolution is one long row of pixels.
  bool pointwise = g.kh == 1 && g.kw == 1 && p.strides[0] == 1 &&
                   p.strides[1] == 1 && src == x;
  int64_t rows = pointwise ? 1 : g.oh, columns = pointwise ? g.oh * g.ow : g.ow;
  Buffer xs = pointwise ? loop::reshapeView(x, {g.n, g.cBlocks, 1,
                                                g.h * g.w, g.ib})
                        : src;
  Buffer ys = pointwise ? loop::reshapeView(y, {g.n, g.mBlocks, 1,
                                                g.oh * g.ow, g.ob})
                        : y;
  ConvTile tile = planConvTile(g, columns, ctx.target());
  ctx.emit(TiledConv(g, xs, w, b, ys, rows, columns,
                     pointwise ? 1 : p.strides[0],
                     pointwise ? 1 : p.strides[1], tile)
               .build());
}

} // namespace kiln
