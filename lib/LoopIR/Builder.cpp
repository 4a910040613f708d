//===- Builder.cpp - compute definitions for lowering ---------------------===//

#include "kiln/LoopIR/Builder.h"

#include <cmath>
#include <limits>

namespace kiln::loop {

Stmt loopNest(const std::vector<int64_t> &shape, const BodyFn &body,
              const std::string &prefix) {
  std::vector<Var> vars;
  Indices idx;
  for (size_t d = 0; d < shape.size(); ++d) {
    vars.emplace_back(prefix + std::to_string(d));
    idx.push_back(vars.back());
  }
  Stmt s = body(idx);
  if (!s)
    return s;
  for (size_t d = shape.size(); d-- > 0;)
    s = makeFor(vars[d], Expr(0), Expr(shape[d]), ForKind::Serial, s);
  return s;
}

Stmt compute(const Buffer &out, const IndexFn &fn) {
  return loopNest(out->shape, [&](const Indices &idx) {
    return makeStore(out, idx, cast(out->elem, fn(idx)));
  });
}

Stmt reduce(const Buffer &out, const Reduction &r) {
  return loopNest(out->shape, [&](const Indices &idx) {
    Buffer acc = makeBuffer(out->name + "_acc", r.accType, {1},
                            MemoryScope::Stack);
    Indices zero{Expr(0)};
    Stmt init = makeStore(acc, zero, cast(r.accType, r.init));
    Stmt update = loopNest(
        r.shape,
        [&](const Indices &ridx) {
          Expr v = r.combine(load(acc, zero), r.value(idx, ridx));
          return makeStore(acc, zero, cast(r.accType, v));
        },
        "r");
    Expr result = load(acc, zero);
    if (r.finalize)
      result = r.finalize(result, idx);
    Stmt fin = makeStore(out, idx, cast(out->elem, result));
    return makeAllocate(acc, makeSeq({init, update, fin}));
  });
}

Indices broadcastIndices(const Buffer &in, const Indices &outIdx) {
  size_t rank = in->rank();
  check(rank <= outIdx.size(), "cannot broadcast '{}' of rank {} to rank {}",
        in->name, rank, outIdx.size());
  Indices idx(rank);
  size_t offset = outIdx.size() - rank;
  for (size_t d = 0; d < rank; ++d)
    idx[d] = in->shape[d] == 1 ? Expr(0) : outIdx[offset + d];
  return idx;
}

Expr loadBroadcast(const Buffer &in, const Indices &outIdx) {
  return load(in, broadcastIndices(in, outIdx));
}

Expr flatIndex(const Indices &idx, const std::vector<int64_t> &shape) {
  check(idx.size() == shape.size(), "flatIndex: rank mismatch");
  Expr flat = Expr(0);
  for (size_t d = 0; d < idx.size(); ++d)
    flat = d == 0 ? idx[d] : flat * Expr(shape[d]) + idx[d];
  return flat;
}

Indices unflatIndex(Expr flat, const std::vector<int64_t> &shape) {
  Indices idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    if (d == 0) {
      idx[d] = flat;
    } else {
      idx[d] = flat % Expr(shape[d]);
      flat = flat / Expr(shape[d]);
    }
  }
  return idx;
}

Buffer reshapeView(const Buffer &buffer, const std::vector<int64_t> &shape) {
  check(buffer->isDense(), "reshapeView of non-dense buffer '{}'",
        buffer->name);
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  check(n == buffer->numElements(),
        "reshapeView of '{}' changes the element count", buffer->name);
  Buffer root = buffer->viewOf ? buffer->viewOf : buffer;
  return std::make_shared<BufferNode>(buffer->name + "_view", buffer->elem,
                                      shape, std::vector<int64_t>{},
                                      buffer->scope, root, buffer->viewOffset);
}

Expr lowestValue(ElementType type) {
  DType t(type);
  if (t.isFloat())
    return floatImm(t, -std::numeric_limits<double>::infinity());
  return visitType(type, [&](auto tag) -> Expr {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>)
      return intImm(t, int64_t(std::numeric_limits<T>::lowest()));
    else
      return floatImm(t, 0);
  });
}

Expr highestValue(ElementType type) {
  DType t(type);
  if (t.isFloat())
    return floatImm(t, std::numeric_limits<double>::infinity());
  return visitType(type, [&](auto tag) -> Expr {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>)
      return intImm(t, int64_t(std::numeric_limits<T>::max()));
    else
      return floatImm(t, 0);
  });
}

} // namespace kiln::loop
