//===- MatMulTile.cpp - register-tiled matrix product emitter ------------===//
// Emits the tiled loop nest of MatMulTile.h and picks its tile from a small
// cycle model of the target (vector loads, FMA throughput and latency).
//===----------------------------------------------------------------------===//
#include "MatMulTile.h"

#include "ReduceCommon.h"

#include <limits>
#include <map>

namespace kiln::nnlower {

namespace {

// Estimated cycles of one k step of an a x b tile: two vector FMAs and two
// loads (vectors of B, broadcasts of A) per cycle, and a 4-cycle add latency
// that fewer than 8 independent accumulators cannot hide; half a cycle of loop
// overhead and a small charge per load (misses, write-back traffic) that
// favours square tiles. A B vector gathered lane by lane (strided B) costs
// `bLoad` cycles: a scalar load and an insert per lane, the inserts on one
// port.
double stepCycles(int64_t a, int64_t b, double bLoad) {
  if (a <= 0 || b <= 0)
    return 0;
  double fma = double(a * b) / 2, loads = double(a + b) / 2;
  double gathers = bLoad > 0 ? double(b) * bLoad : 0;
  return std::max({fma, loads, gathers, 4.0}) + 0.5 + 0.05 * double(a + b);
}

// Cycles per k step of the whole product with mr x nr tiles over m rows and
// nv full vectors, remainder tiles included.
double productCycles(int64_t m, int64_t nv, int64_t mr, int64_t nr,
                     double bLoad) {
  int64_t mt = m / mr, mrem = m % mr, pt = nv / nr, nrem = nv % nr;
  return double(mt * pt) * stepCycles(mr, nr, bLoad) +
         double(pt) * stepCycles(mrem, nr, bLoad) +
         double(mt) * stepCycles(mr, nrem, bLoad) +
         stepCycles(mrem, nrem, bLoad);
}

// One accumulator vector of a tile: columns [offset, offset + width).
struct Column {
  int64_t offset;
  int64_t width;
};

Stmt laneLoop(int64_t width, const std::function<Stmt(const Expr &)> &body) {
  return loop::loopNest(
      {width}, [&](const Indices &l) { return body(l[0]); }, "l");
}

// One register tile: rows [m0, m0 + rows), columns n0 + cols. Every
// statement touching an accumulator sits in a lane loop; columns of equal
// width share one lane loop, so it vectorizes into one vector op per
// accumulator.
Stmt emitTile(const TiledMatMul &mm, const Indices &batch, const Expr &m0,
              int64_t rows, const Expr &n0, const std::vector<Column> &cols,
              const std::string &tag) {
  std::map<int64_t, std::vector<size_t>, std::greater<int64_t>> groups;
  for (size_t j = 0; j < cols.size(); ++j)
    groups[cols[j].width].push_back(j);
  std::vector<std::vector<Buffer>> acc;
  acc.resize(size_t(rows));
  for (int64_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols.size(); ++j)
      acc[size_t(i)].push_back(
          loop::makeBuffer(fmt::format("{}_{}acc{}_{}", mm.name, tag, i, j),
                           mm.acc, {cols[j].width}, loop::MemoryScope::Stack));

  auto perGroup = [&](const std::function<Stmt(const Expr &, size_t)> &fn) {
    std::vector<Stmt> loops;
    for (const auto &[width, members] : groups)
      loops.push_back(laneLoop(width, [&](const Expr &l) {
        std::vector<Stmt> body;
        for (size_t j : members)
          body.push_back(fn(l, j));
        return loop::makeSeq(body);
      }));
    return loop::makeSeq(loops);
  };

  Expr zero =
      isFloat(mm.acc) ? fimm(mm.acc, 0) : loop::intImm(loop::DType(mm.acc), 0);
  Stmt init = perGroup([&](const Expr &l, size_t j) {
    std::vector<Stmt> s;
    for (int64_t i = 0; i < rows; ++i)
      s.push_back(loop::makeStore(acc[size_t(i)][j], {l}, zero));
    return loop::makeSeq(s);
  });
  // The update loads each B vector and each A scalar once per k. The
  // statement order keeps the fewest values live beside the accumulators:
  // row by row (all B vectors live, one broadcast A) when the tile is at
  // least as tall as it is wide, else column by column.
  bool rowsOuter = int64_t(cols.size()) <= rows;
  Stmt update;
  if (mm.k > 0)
    update = loop::loopNest(
        {mm.k},
        [&](const Indices &k) {
          std::vector<Stmt> loops;
          for (const auto &[width, members] : groups)
            loops.push_back(laneLoop(width, [&](const Expr &l) {
              std::vector<loop::Var> bv;
              for (size_t j : members)
                bv.emplace_back(fmt::format("b{}", j), loop::DType(mm.acc));
              auto fma = [&](int64_t i, size_t jj) {
                const Buffer &a = acc[size_t(i)][members[jj]];
                Expr av = mm.loadA(batch, m0 + Expr(i), k[0]);
                return loop::makeStore(a, {l},
                                       loop::load(a, {l}) + av * bv[jj]);
              };
              std::vector<Stmt> s;
              if (rowsOuter) {
                for (int64_t i = 0; i < rows; ++i)
                  for (size_t jj = 0; jj < members.size(); ++jj)
                    s.push_back(fma(i, jj));
              } else {
                for (size_t jj = 0; jj < members.size(); ++jj)
                  for (int64_t i = 0; i < rows; ++i)
                    s.push_back(fma(i, jj));
              }
              Stmt body = loop::makeSeq(s);
              for (size_t jj = members.size(); jj-- > 0;)
                body = loop::makeLet(
                    bv[jj],
                    mm.loadB(batch, k[0],
                             n0 + Expr(cols[members[jj]].offset) + l),
                    body);
              return body;
            }));
          return loop::makeSeq(loops);
        },
        "k");
  Stmt fin = perGroup([&](const Expr &l, size_t j) {
    std::vector<Stmt> s;
    for (int64_t i = 0; i < rows; ++i)
      s.push_back(mm.store(batch, m0 + Expr(i), n0 + Expr(cols[j].offset) + l,
                           loop::load(acc[size_t(i)][j], {l})));
    return loop::makeSeq(s);
  });
  Stmt body = loop::makeSeq({init, update, fin});
  for (size_t i = acc.size(); i-- > 0;)
    for (size_t j = acc[i].size(); j-- > 0;)
      body = loop::makeAllocate(acc[i][j], body);
  return body;
}

// Tiles of `mr` rows over all m rows for columns n0 + cols: a loop over the
// full tiles, then one tile of the leftover rows.
Stmt emitRows(const TiledMatMul &mm, const Indices &batch, int64_t mr,
              const Expr &n0, const std::vector<Column> &cols,
              const std::string &tag) {
  int64_t mt = mm.m / mr, mrem = mm.m % mr;
  std::vector<Stmt> s;
  if (mt > 0)
    s.push_back(loop::loopNest(
        {mt},
        [&](const Indices &t) {
          return emitTile(mm, batch, t[0] * Expr(mr), mr, n0, cols, tag);
        },
        "mt"));
  if (mrem > 0)
    s.push_back(emitTile(mm, batch, Expr(mt * mr), mrem, n0, cols, tag + "r"));
  return loop::makeSeq(s);
}

} // namespace

bool useTiledMatMul(ElementType elem, int64_t n, const LowerTarget &target) {
  return elem == ElementType::F32 && n >= target.lanes(ElementType::F32) &&
         target.lanes(ElementType::F32) > 1;
}

MatMulTileShape chooseMatMulTile(int64_t m, int64_t n,
                                 const LowerTarget &target, bool stridedB) {
  MatMulTileShape best;
  best.lanes = target.lanes(ElementType::F32);
  // Accumulators plus the operands live beside them (min(mr, nr) + 1
  // vectors in the better statement order) must fit the register file.
  int64_t regs = std::max(target.vectorRegisters, 4);
  int64_t nv = std::max<int64_t>(n / best.lanes, 1);
  double bestCost = std::numeric_limits<double>::infinity();
  double bLoad = stridedB ? double(best.lanes) : 0;
  // One register is left spare (measured: tiles that fill all 32 zmm
  // registers run slower). A tile streams its nr B vectors per k from the
  // cache and re-reads them for every row tile, so nr stays at most 4
  // unless fewer rows need more columns to hide the add latency.
  for (int64_t nr = 1; nr <= nv && nr + 3 <= regs; ++nr)
    for (int64_t mr = 1; mr <= std::max<int64_t>(m, 1); ++mr) {
      if (mr * nr + std::min(mr, nr) + 2 > regs)
        break;
      if (nr > std::max<int64_t>(4, (8 + mr - 1) / mr))
        continue;
      double cost = productCycles(std::max<int64_t>(m, 1), nv, mr, nr, bLoad);
      // Ties go to the larger tile (fewer loop iterations).
      if (cost < bestCost - 1e-9 ||
          (cost < bestCost + 1e-9 && mr * nr > best.mr * best.nr)) {
        bestCost = cost;
        best.mr = int(mr);
        best.nr = int(nr);
      }
    }
  return best;
}

Stmt emitTiledMatMul(const TiledMatMul &mm, const MatMulTileShape &tile) {
  if (tile.mr < 1 || tile.nr < 1 || tile.lanes < 1)
    fail("invalid matrix product tile {}x{}x{}", tile.mr, tile.nr, tile.lanes);
  int64_t lanes = tile.lanes, panel = int64_t(tile.nr) * lanes;
  int64_t pt = mm.n / panel;
  // Columns right of the full panels: whole vectors, then a partial one.
  std::vector<Column> full, rest;
  for (int64_t j = 0; j < tile.nr; ++j)
    full.push_back({j * lanes, lanes});
  int64_t left = mm.n - pt * panel;
  for (int64_t off = 0; off < left; off += lanes)
    rest.push_back({off, std::min(lanes, left - off)});

  // Column panels outside row tiles: a k x panel slice of B stays in cache
  // while every row tile reads it. The columns right of the full panels are
  // one more panel iteration, so the product is one loop nest (a fused
  // kernel's inliner folds epilogues into the stores of one statement) whose
  // panels are independent: the default schedule runs them in parallel.
  int64_t panels = pt + (rest.empty() ? 0 : 1);
  return loop::loopNest(
      mm.batch,
      [&](const Indices &b) {
        return loop::loopNest(
            {panels},
            [&](const Indices &p) {
              Expr n0 = p[0] * Expr(panel);
              Stmt main = emitRows(mm, b, tile.mr, n0, full, "");
              if (rest.empty())
                return main;
              Stmt edge = emitRows(mm, b, tile.mr, n0, rest, "c");
              if (pt == 0)
                return edge;
              return loop::makeIf(p[0] < Expr(pt), main, edge);
            },
            "np");
      },
      "b");
}

} // namespace kiln::nnlower
