//===- IndexScatter.cpp - lowering of ScatterElements and ScatterND -------===//
// The result is a copy of data; then, in the interpreter's order (a serial
// loop, so later duplicates win or combine last), every update is written or
// combined (none/add/mul/max/min) at its wrapped index. An index the
// interpreter rejects as out of range skips its update here, so generated
// code never writes outside the result.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

namespace {
using Combine = std::function<Expr(Expr old, Expr update)>;
} // namespace

// The reduction attribute as a combiner with the interpreter's arithmetic:
// ComputeType (f32 for f16/bf16), std::max/std::min comparison order, and
// bool reduced as 0/1 integers converted back with "!= 0".
static Combine reductionOf(const LowerContext &ctx, ElementType elem) {
  const std::string &r = ctx.node.getString("reduction");
  if (r == "none")
    return [](Expr, Expr u) { return u; };
  if (r != "add" && r != "mul" && r != "max" && r != "min")
    ctx.error("unsupported reduction '{}'", r);
  ElementType c =
      elem == ElementType::Bool ? ElementType::I32 : computeType(elem);
  return [r, c, elem](Expr old, Expr update) {
    Expr v = cast(c, old), u = cast(c, update), res;
    if (r == "add")
      res = v + u;
    else if (r == "mul")
      res = v * u;
    else if (r == "max")
      res = select(v < u, u, v); // std::max(v, u)
    else
      res = select(u < v, u, v); // std::min(v, u)
    return cast(elem, res);
  };
}

static void checkOperands(const LowerContext &ctx, const Buffer &data,
                          const Buffer &indices, const Buffer &updates) {
  if (indices->elem != ElementType::I32 && indices->elem != ElementType::I64)
    ctx.error("indices must be i32 or i64, not {}", toString(indices->elem));
  if (updates->elem != data->elem)
    ctx.error("updates have element type {}, expected {}",
              toString(updates->elem), toString(data->elem));
}

void lowerScatterElements(LowerContext &ctx) {
  const Buffer &data = ctx.input(0);
  const Buffer &indices = ctx.input(1);
  const Buffer &updates = ctx.input(2);
  const Buffer &out = ctx.output(0);
  checkOperands(ctx, data, indices, updates);
  size_t rank = data->rank();
  if (rank == 0)
    ctx.error("cannot scatter into a scalar");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), int64_t(rank)));
  if (indices->rank() != rank || updates->shape != indices->shape)
    ctx.error("indices and updates must have the same shape and the rank of "
              "data");
  for (size_t d = 0; d < rank; ++d)
    if (d != axis && indices->shape[d] > data->shape[d])
      ctx.error("indices dim {} of size {} exceeds data's {}", d,
                indices->shape[d], data->shape[d]);
  Combine combine = reductionOf(ctx, out->elem);
  int64_t dim = data->shape[axis];
  ctx.emit(compute(out, [&](const Indices &i) { return load(data, i); }));
  ctx.emit(loopNest(
      indices->shape,
      [&](const Indices &i) {
        Var at("at");
        Indices dst = i;
        dst[axis] = at;
        Stmt store =
            makeStore(out, dst, combine(load(out, dst), load(updates, i)));
        return makeLet(at, wrapIndex(loadIndex(indices, i), dim),
                       makeIf(inRange(at, dim), store));
      },
      "u"));
}

void lowerScatterND(LowerContext &ctx) {
  const Buffer &data = ctx.input(0);
  const Buffer &indices = ctx.input(1);
  const Buffer &updates = ctx.input(2);
  const Buffer &out = ctx.output(0);
  checkOperands(ctx, data, indices, updates);
  size_t q = indices->rank();
  if (q == 0)
    ctx.error("indices must have rank >= 1");
  size_t k = size_t(indices->shape[q - 1]);
  if (k > data->rank())
    ctx.error("index tuples of length {} do not fit data of rank {}", k,
              data->rank());
  std::vector<int64_t> tupleShape(indices->shape.begin(),
                                  indices->shape.end() - 1);
  std::vector<int64_t> sliceShape(data->shape.begin() + long(k),
                                  data->shape.end());
  std::vector<int64_t> want = tupleShape;
  want.insert(want.end(), sliceShape.begin(), sliceShape.end());
  if (updates->shape != want)
    ctx.error("updates have the wrong shape (expected indices.shape[:-1] + "
              "data.shape[k:])");
  Combine combine = reductionOf(ctx, out->elem);
  ctx.emit(compute(out, [&](const Indices &i) { return load(data, i); }));
  ctx.emit(loopNest(
      tupleShape,
      [&](const Indices &t) {
        std::vector<Var> at;
        Expr ok = boolImm(true);
        for (size_t j = 0; j < k; ++j) {
          at.emplace_back("at" + std::to_string(j));
          ok = logicalAnd(ok, inRange(at[j], data->shape[j]));
        }
        Stmt body = loopNest(
            sliceShape,
            [&](const Indices &s) {
              Indices dst(at.begin(), at.end());
              dst.insert(dst.end(), s.begin(), s.end());
              Indices src = t;
              src.insert(src.end(), s.begin(), s.end());
              return makeStore(out, dst,
                               combine(load(out, dst), load(updates, src)));
            },
            "s");
        body = makeIf(ok, body);
        for (size_t j = k; j-- > 0;) {
          Indices pos = t;
          pos.push_back(Expr(int64_t(j)));
          body = makeLet(at[j], wrapIndex(loadIndex(indices, pos),
                                          data->shape[j]),
                         body);
        }
        return body;
      },
      "t"));
}

} // namespace kiln
