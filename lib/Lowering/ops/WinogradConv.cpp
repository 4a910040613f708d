//===- WinogradConv.cpp - lowering of WinogradConvNCHWc -------------------===//
// Two loop nests (docs/schedules.md, "Winograd convolution"):
//  1. every 6x6 input tile of every channel block becomes B^T d B, stored
//     as V[n, 36, tiles, C], one vector of channels at a time;
//  2. per group of output channel blocks and chunk of tiles, 36 matrix
//     products V[p] x U[p] (the shared register-tiled emitter) into a Stack
//     buffer, then A^T m A (plus bias) per tile into y.
// Tiles inside the input (output) run branch-free; only the border tiles
// clamp and select their reads (guard their writes).
//===----------------------------------------------------------------------===//
#include "ConvTiled.h"
#include "MatMulTile.h"

#include "kiln/IR/Winograd.h"

#include <array>

namespace kiln {

using namespace nnlower;
using namespace winograd;

namespace {

const ElementType kF32 = ElementType::F32;

Stmt laneLoop(int64_t width, const std::function<Stmt(const Expr &)> &body) {
  return loop::loopNest(
      {width}, [&](const Indices &l) { return body(l[0]); }, "l");
}

/// sum_k coef[k] * x[k] with zero terms dropped and +-1 as adds.
template <size_t N> Expr combine(const double (&coef)[N], const Expr *x) {
  Expr sum;
  for (size_t k = 0; k < N; ++k) {
    if (coef[k] == 0)
      continue;
    Expr term =
        coef[k] == 1 || coef[k] == -1 ? x[k] : fimm(kF32, coef[k]) * x[k];
    if (!sum)
      sum = coef[k] == -1 ? -term : term;
    else
      sum = coef[k] == -1 ? sum - term : sum + term;
  }
  return sum ? sum : fimm(kF32, 0);
}

/// Fresh f32 Lets: bind() returns the variable, wrap() puts the bindings
/// (first outermost) around a body.
struct LetChain {
  std::vector<std::pair<loop::Var, Expr>> lets;
  Expr bind(const std::string &name, const Expr &value) {
    loop::Var v(name, loop::DType(kF32));
    lets.push_back({v, value});
    return v;
  }
  Stmt wrap(Stmt body) const {
    for (auto it = lets.rbegin(); it != lets.rend(); ++it)
      body = loop::makeLet(it->first, it->second, body);
    return body;
  }
};

/// The product's Stack buffer, [36, chunk tiles, columns] floats, stays
/// within this many bytes of each thread's stack.
constexpr int64_t kProductBytes = 128 << 10;

/// Output channel blocks per product: the widest divisor of the block
/// count with at most 32 columns (two AVX-512 vectors; wider groups
/// measured no faster and take more stack), at least one block.
int64_t blocksPerGroup(const Geometry &g) {
  int64_t best = 1;
  for (int64_t j = 1; j <= g.mBlocks; ++j)
    if (g.mBlocks % j == 0 && j * g.ob <= 32)
      best = j;
  return best;
}

/// The chunks of tiles the second nest works on: `rows` whole rows of
/// tiles, or, where one row does not fit the product's Stack buffer, `cols`
/// tiles of one row; tiles padded to whole chunks read zeros and store
/// nothing. Each chunk writes its own outputs, so the nest is parallel.
struct Chunking {
  int64_t rows = 1, cols = 1;
  int64_t tilesH = 1, tilesW = 1; // padded to whole chunks
};

/// Every chunk reads all of its group's U (four times the kernel's size),
/// so chunks are as large as the product's Stack buffer allows, with at
/// most 15 % padding tiles.
Chunking chunking(const Geometry &g, int64_t columns) {
  int64_t maxTiles = std::max<int64_t>(
      1, kProductBytes / (kPositions * columns * int64_t(sizeof(float))));
  auto padded = [](int64_t n, int64_t k) { return (n + k - 1) / k * k; };
  auto fewPadding = [](int64_t n, int64_t p) {
    return 100 * (p - n) <= 15 * n;
  };
  Chunking c;
  if (g.tilesW > maxTiles) {
    // The widest part of a row in as few chunks as possible.
    int64_t parts = (g.tilesW + maxTiles - 1) / maxTiles;
    c.cols = (g.tilesW + parts - 1) / parts;
  } else {
    c.cols = g.tilesW;
    for (int64_t r = 2; r <= g.tilesH && r * g.tilesW <= maxTiles; ++r)
      if (fewPadding(g.tilesH, padded(g.tilesH, r)))
        c.rows = r;
  }
  c.tilesH = padded(g.tilesH, c.rows);
  c.tilesW = padded(g.tilesW, c.cols);
  return c;
}

class WinogradLowering {
public:
  WinogradLowering(LowerContext &ctx, const Geometry &g, const Buffer &x,
                   const Buffer &u, const Buffer &b, const Buffer &y)
      : ctx(ctx), g(g), x(x), u(u), b(b), y(y) {
    group = blocksPerGroup(g);
    c = chunking(g, group * g.ob);
    chunkTiles = c.rows * c.cols;
  }

  void emit() {
    Buffer v = ctx.allocate(y->name + "_wino_v", kF32,
                            {g.n, kPositions, c.tilesH * c.tilesW, g.channels});
    ctx.emit(inputTransform(v));
    ctx.emit(productAndOutput(v));
  }

private:
  LowerContext &ctx;
  const Geometry &g;
  Buffer x, u, b, y;
  Chunking c;
  int64_t chunkTiles, group;

  /// The 36 transformed values of one tile for lane l; `read(i, j)` is
  /// input element (i, j) of the tile.
  Stmt transformInput(const std::function<Expr(int64_t, int64_t)> &read,
                      const std::function<Stmt(int64_t, const Expr &)> &store) {
    LetChain lets;
    Expr d[kInput][kInput], t[kInput][kInput];
    for (int64_t i = 0; i < kInput; ++i)
      for (int64_t j = 0; j < kInput; ++j)
        d[i][j] = lets.bind(fmt::format("d{}{}", i, j), read(i, j));
    for (int64_t i = 0; i < kInput; ++i)
      for (int64_t j = 0; j < kInput; ++j) {
        Expr col[kInput];
        for (int64_t k = 0; k < kInput; ++k)
          col[k] = d[k][j];
        t[i][j] = lets.bind(fmt::format("t{}{}", i, j),
                            combine(kInputTransform[i], col));
      }
    std::vector<Stmt> stores;
    for (int64_t i = 0; i < kInput; ++i)
      for (int64_t j = 0; j < kInput; ++j)
        stores.push_back(
            store(i * kInput + j, combine(kInputTransform[j], t[i])));
    return lets.wrap(loop::makeSeq(stores));
  }

  Stmt inputTransform(const Buffer &v) {
    return loop::loopNest(
        {g.n, g.cBlocks, c.tilesH, c.tilesW},
        [&](const Indices &o) {
          const Expr &img = o[0], &cb = o[1], &tr = o[2], &tc = o[3];
          Expr row0 = tr * Expr(kTile) - Expr(g.padTop);
          Expr col0 = tc * Expr(kTile) - Expr(g.padLeft);
          Expr tile = tr * Expr(c.tilesW) + tc;
          auto store = [&](const Expr &l) {
            return [&, l](int64_t p, const Expr &val) {
              return loop::makeStore(
                  v, {img, Expr(p), tile, cb * Expr(g.ib) + l}, val);
            };
          };
          Stmt inside = laneLoop(g.ib, [&](const Expr &l) {
            return transformInput(
                [&](int64_t i, int64_t j) {
                  return loop::load(
                      x, {img, cb, row0 + Expr(i), col0 + Expr(j), l});
                },
                store(l));
          });
          Stmt border = laneLoop(g.ib, [&](const Expr &l) {
            return transformInput(
                [&](int64_t i, int64_t j) {
                  Expr r = row0 + Expr(i), c = col0 + Expr(j);
                  return loop::select(
                      loop::logicalAnd(inRange(r, g.h), inRange(c, g.w)),
                      loop::load(x, {img, cb, clampIndex(r, g.h),
                                     clampIndex(c, g.w), l}),
                      fimm(kF32, 0));
                },
                store(l));
          });
          Expr interior =
              allOf({row0 >= Expr(0), row0 + Expr(kInput) <= Expr(g.h),
                     col0 >= Expr(0), col0 + Expr(kInput) <= Expr(g.w)});
          return loop::makeIf(interior, inside, border);
        },
        "wi");
  }

  /// The 16 outputs of one tile for lane l from `m(p)`, plus the bias.
  std::array<Expr, kTile * kTile>
  transformOutput(LetChain &lets, const std::function<Expr(int64_t)> &m,
                  const Expr &bias) {
    Expr mv[kPositions], s[kTile][kInput];
    for (int64_t p = 0; p < kPositions; ++p)
      mv[p] = lets.bind(fmt::format("m{}", p), m(p));
    for (int64_t i = 0; i < kTile; ++i)
      for (int64_t j = 0; j < kInput; ++j) {
        Expr col[kInput];
        for (int64_t k = 0; k < kInput; ++k)
          col[k] = mv[k * kInput + j];
        s[i][j] = lets.bind(fmt::format("s{}{}", i, j),
                            combine(kOutputTransform[i], col));
      }
    std::array<Expr, kTile * kTile> out;
    for (int64_t i = 0; i < kTile; ++i)
      for (int64_t j = 0; j < kTile; ++j) {
        Expr val = combine(kOutputTransform[j], s[i]);
        out[size_t(i * kTile + j)] = bias ? val + bias : val;
      }
    return out;
  }

  Stmt productAndOutput(const Buffer &v) {
    int64_t cols = group * g.ob;
    return loop::loopNest(
        {g.n, g.mBlocks / group, c.tilesH / c.rows, c.tilesW / c.cols},
        [&](const Indices &o) {
          const Expr &img = o[0], &mg = o[1], &cr = o[2], &cc = o[3];
          // Tile m of the chunk, as V numbers it.
          auto tileOf = [&](const Expr &m) {
            Expr first = cr * Expr(c.rows * c.tilesW) + cc * Expr(c.cols);
            if (c.rows == 1)
              return first + m;
            return first + m / Expr(c.cols) * Expr(c.tilesW) + m % Expr(c.cols);
          };
          Buffer prod = loop::makeBuffer(y->name + "_wino_m", kF32,
                                         {kPositions, chunkTiles, cols},
                                         loop::MemoryScope::Stack);
          TiledMatMul mm;
          mm.m = chunkTiles;
          mm.n = cols;
          mm.k = g.channels;
          mm.batch = {kPositions};
          mm.name = y->name + "_wino";
          mm.loadA = [&](const Indices &p, const Expr &m, const Expr &k) {
            return loop::load(v, {img, p[0], tileOf(m), k});
          };
          mm.loadB = [&](const Indices &p, const Expr &k, const Expr &n) {
            return loop::load(u, {p[0], k, mg * Expr(cols) + n});
          };
          mm.store = [&](const Indices &p, const Expr &m, const Expr &n,
                         const Expr &acc) {
            return loop::makeStore(prod, {p[0], m, n}, acc);
          };
          Stmt product = emitTiledMatMul(
              mm, chooseMatMulTile(chunkTiles, cols, ctx.target()));
          Stmt output = loop::loopNest(
              {c.rows, c.cols, group},
              [&](const Indices &t) {
                return outputTile(
                    prod, img, mg * Expr(group) + t[2],
                    cr * Expr(c.rows) + t[0], cc * Expr(c.cols) + t[1],
                    t[0] * Expr(c.cols) + t[1], t[2] * Expr(g.ob));
              },
              "wo");
          return loop::makeAllocate(prod, loop::makeSeq({product, output}));
        },
        "wp");
  }

  /// Tile (tr, tc) of output block mb from row `local` of prod, columns
  /// from `col`: 16 stores when the tile lies inside y, else through a
  /// Stack tile and guarded stores; padding tiles of the last chunks (below
  /// or right of y) store nothing.
  Stmt outputTile(const Buffer &prod, const Expr &img, const Expr &mb,
                  const Expr &tr, const Expr &tc, const Expr &local,
                  const Expr &col) {
    Expr row0 = tr * Expr(kTile), col0 = tc * Expr(kTile);
    auto compute = [&](const Expr &l, LetChain &lets) {
      Expr bias = b ? loop::load(b, {mb * Expr(g.ob) + l}) : Expr();
      return transformOutput(
          lets,
          [&](int64_t p) {
            return loop::load(prod, {Expr(p), local, col + l});
          },
          bias);
    };
    Stmt full = laneLoop(g.ob, [&](const Expr &l) {
      LetChain lets;
      auto out = compute(l, lets);
      std::vector<Stmt> stores;
      for (int64_t i = 0; i < kTile; ++i)
        for (int64_t j = 0; j < kTile; ++j)
          stores.push_back(
              loop::makeStore(y, {img, mb, row0 + Expr(i), col0 + Expr(j), l},
                              out[size_t(i * kTile + j)]));
      return lets.wrap(loop::makeSeq(stores));
    });
    Buffer part =
        loop::makeBuffer(y->name + "_wino_t", kF32, {kTile * kTile, g.ob},
                         loop::MemoryScope::Stack);
    Stmt staged = laneLoop(g.ob, [&](const Expr &l) {
      LetChain lets;
      auto out = compute(l, lets);
      std::vector<Stmt> stores;
      for (int64_t k = 0; k < kTile * kTile; ++k)
        stores.push_back(loop::makeStore(part, {Expr(k), l}, out[size_t(k)]));
      return lets.wrap(loop::makeSeq(stores));
    });
    Stmt copy = loop::loopNest(
        {kTile, kTile},
        [&](const Indices &ij) {
          Expr oy = row0 + ij[0], ox = col0 + ij[1];
          return loop::makeIf(
              loop::logicalAnd(oy < Expr(g.oh), ox < Expr(g.ow)),
              laneLoop(g.ob, [&](const Expr &l) {
                return loop::makeStore(
                    y, {img, mb, oy, ox, l},
                    loop::load(part, {ij[0] * Expr(kTile) + ij[1], l}));
              }));
        },
        "wc");
    Stmt partial =
        loop::makeIf(loop::logicalAnd(row0 < Expr(g.oh), col0 < Expr(g.ow)),
                     loop::makeAllocate(part, loop::makeSeq({staged, copy})));
    return loop::makeIf(loop::logicalAnd(row0 + Expr(kTile) <= Expr(g.oh),
                                         col0 + Expr(kTile) <= Expr(g.ow)),
                        full, partial);
  }
};

} // namespace

void lowerWinogradConvNCHWc(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &u = ctx.input(1);
  const Buffer &y = ctx.output(0);
  if (x->elem != kF32 || u->elem != kF32)
    ctx.error("input and weight must be f32");
  Geometry g;
  try {
    g = geometry(ctx.node, x->shape, u->shape);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  Buffer b = checkedBlockedConvBias(ctx, y, {g.n, g.mBlocks, g.oh, g.ow, g.ob});
  WinogradLowering(ctx, g, x, u, b, y).emit();
}

} // namespace kiln
