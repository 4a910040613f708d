//===- ReduceVector.cpp - reductions arranged for the vectorizer ----------===//
// loop::reduce with loops the default schedule turns into vector code:
// partial accumulators for a contiguous innermost reduction, a row of
// accumulators when the output's innermost dim is kept.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

namespace kiln::nnlower {

namespace {
/// The byte budget for a Stack row of accumulators.
constexpr int64_t MaxRowBytes = 16384;

Stmt serialFor(const std::string &name, Expr min, Expr extent,
               const std::function<Stmt(const Expr &)> &body) {
  loop::Var v(name);
  return loop::makeFor(v, std::move(min), std::move(extent),
                       loop::ForKind::Serial, body(v));
}

Stmt storeAcc(const Buffer &acc, const Expr &at, const Expr &v) {
  return loop::makeStore(acc, {at}, loop::cast(acc->elem, v));
}

/// p partial accumulators over the last reduce dim (chunks of p consecutive
/// elements, one per accumulator), folded pairwise at the end.
Stmt reducePartials(const Buffer &out, const loop::Reduction &red,
                    int64_t p) {
  int64_t k = red.shape.back();
  std::vector<int64_t> outer(red.shape.begin(), red.shape.end() - 1);
  return loop::loopNest(out->shape, [&](const Indices &o) {
    Buffer acc = loop::makeBuffer(out->name + "_part", red.accType, {p},
                                  loop::MemoryScope::Stack);
    std::vector<Buffer> allocs = {acc};
    std::vector<Stmt> body;
    body.push_back(serialFor("p", Expr(0), Expr(p), [&](const Expr &l) {
      return storeAcc(acc, l, red.init);
    }));
    auto update = [&](const Indices &ro, const Expr &at, const Expr &r) {
      Indices ri = ro;
      ri.push_back(r);
      return storeAcc(acc, at,
                      red.combine(loop::load(acc, {at}), red.value(o, ri)));
    };
    body.push_back(loop::loopNest(
        outer,
        [&](const Indices &ro) {
          int64_t chunks = k / p;
          Stmt main = serialFor("c", Expr(0), Expr(chunks), [&](const Expr &c) {
            return serialFor("l", Expr(0), Expr(p), [&](const Expr &l) {
              return update(ro, l, c * Expr(p) + l);
            });
          });
          if (k % p == 0)
            return main;
          Stmt tail = serialFor("t", Expr(chunks * p), Expr(k % p),
                                [&](const Expr &t) {
                                  return update(ro, Expr(0), t);
                                });
          return loop::makeSeq({main, tail});
        },
        "r"));
    // Pairwise halving into fresh buffers: each level reads only the
    // previous one, so it stays a plain vectorizable loop.
    Buffer cur = acc;
    for (int64_t n = p; n > 1; n /= 2) {
      int64_t half = n / 2;
      Buffer next = loop::makeBuffer(out->name + "_fold", red.accType, {half},
                                     loop::MemoryScope::Stack);
      allocs.push_back(next);
      body.push_back(serialFor("h", Expr(0), Expr(half), [&](const Expr &h) {
        return storeAcc(next, h,
                        red.combine(loop::load(cur, {h}),
                                    loop::load(cur, {h + Expr(half)})));
      }));
      cur = next;
    }
    Expr result = loop::load(cur, {Expr(0)});
    if (red.finalize)
      result = red.finalize(result, o);
    body.push_back(loop::makeStore(out, o, loop::cast(out->elem, result)));
    Stmt s = loop::makeSeq(body);
    for (size_t i = allocs.size(); i-- > 0;)
      s = loop::makeAllocate(allocs[i], s);
    return s;
  });
}

/// One accumulator per element of the output's innermost dim, updated by an
/// inner loop over that dim inside the reduce loops.
Stmt reduceRows(const Buffer &out, const loop::Reduction &red) {
  int64_t w = out->shape.back();
  std::vector<int64_t> outer(out->shape.begin(), out->shape.end() - 1);
  return loop::loopNest(outer, [&](const Indices &oo) {
    Buffer acc = loop::makeBuffer(out->name + "_row", red.accType, {w},
                                  loop::MemoryScope::Stack);
    auto full = [&](const Expr &j) {
      Indices o = oo;
      o.push_back(j);
      return o;
    };
    Stmt init = serialFor("j", Expr(0), Expr(w), [&](const Expr &j) {
      return storeAcc(acc, j, red.init);
    });
    Stmt update = loop::loopNest(
        red.shape,
        [&](const Indices &r) {
          return serialFor("j", Expr(0), Expr(w), [&](const Expr &j) {
            return storeAcc(acc, j,
                            red.combine(loop::load(acc, {j}),
                                        red.value(full(j), r)));
          });
        },
        "r");
    Stmt fin = serialFor("j", Expr(0), Expr(w), [&](const Expr &j) {
      Expr result = loop::load(acc, {j});
      if (red.finalize)
        result = red.finalize(result, full(j));
      return loop::makeStore(out, full(j), loop::cast(out->elem, result));
    });
    return loop::makeAllocate(acc, loop::makeSeq({init, update, fin}));
  });
}
} // namespace

Stmt vectorReduce(const LowerContext &ctx, const Buffer &out,
                  const loop::Reduction &red, bool innerContiguous) {
  int64_t lanes = ctx.target().lanes(red.accType);
  if (lanes > 1 && (lanes & (lanes - 1)) == 0 && !red.shape.empty()) {
    int64_t k = red.shape.back();
    if (innerContiguous && k >= lanes) {
      // Up to four vectors of partials hide the combine's latency.
      int64_t p = lanes;
      while (p < 4 * lanes && 2 * p <= k)
        p *= 2;
      return reducePartials(out, red, p);
    }
    int64_t w = out->rank() ? out->shape.back() : 0;
    if (!innerContiguous && w >= 4 &&
        w * int64_t(byteSize(red.accType)) <= MaxRowBytes)
      return reduceRows(out, red);
  }
  return loop::reduce(out, red);
}

} // namespace kiln::nnlower
