//===- RandomGraph.cpp - seeded random graphs for pass testing ------------===//
// A graph is a chain of patterns applied to a running NCHW f32 value `cur`;
// each pattern keeps `cur` rank 4 so the next can start from it, and a final
// optional head pools and flattens into a Gemm. Patterns include the cases
// passes must handle and the near-misses where they must not fire.
//===----------------------------------------------------------------------===//

#include "RandomGraph.h"

#include "kiln/Driver/RandomInputs.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Verifier.h"

#include <fmt/format.h>

#include <cmath>

namespace kiln {

std::string RandomGraph::describe() const {
  return fmt::format("seed {}: {}", seed, fmt::join(patterns, ", "));
}

namespace {

// splitmix64: tiny, and the same sequence on every platform.
class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    return lo + int64_t(next() % uint64_t(hi - lo + 1));
  }
  bool chance(int num, int den) { return range(1, den) <= num; }
  float uniform(float lo, float hi) {
    double unit = double(next() >> 11) * 0x1.0p-53;
    return float(lo + (hi - lo) * unit);
  }
  template <typename T> T pick(const std::vector<T> &options) {
    return options[size_t(range(0, int64_t(options.size()) - 1))];
  }

private:
  uint64_t state_;
};

using Attrs = std::vector<std::pair<std::string, Attribute>>;

class Builder {
public:
  Builder(Function &f, Rng &rng) : f(f), rng(rng) {}

  Function &f;
  Rng &rng;
  int numOps = 0;
  std::vector<Value *> extraOutputs;

  Value *constant(Tensor t) {
    Node *n = f.createNode(OpKind::Constant, {}, {t.type()});
    n->setAttr("value", std::move(t));
    return n->result();
  }
  Value *floats(const std::vector<int64_t> &shape, float lo, float hi) {
    Tensor t(ElementType::F32, shape);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.data<float>()[i] = rng.uniform(lo, hi);
    return constant(std::move(t));
  }
  Value *filled(const std::vector<int64_t> &shape, float v) {
    Tensor t(ElementType::F32, shape);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.data<float>()[i] = v;
    return constant(std::move(t));
  }
  Value *ints(const std::vector<int64_t> &v) {
    return constant(Tensor::fromVector<int64_t>(v, {int64_t(v.size())}));
  }
  Value *intScalar(int64_t v) { return constant(Tensor::scalar<int64_t>(v)); }
  Value *op(OpKind kind, const std::vector<Value *> &operands,
            const Attrs &attrs = {}) {
    Node *n = f.createNode(kind, operands, {TensorType()});
    for (const auto &[name, value] : attrs)
      n->setAttr(name, value);
    refineResultTypes(*n);
    ++numOps;
    return n->result();
  }
  std::vector<Value *> ops(OpKind kind, const std::vector<Value *> &operands,
                           size_t numResults, const Attrs &attrs = {}) {
    Node *n = f.createNode(kind, operands,
                           std::vector<TensorType>(numResults, TensorType()));
    for (const auto &[name, value] : attrs)
      n->setAttr(name, value);
    refineResultTypes(*n);
    ++numOps;
    return n->results();
  }
  static std::vector<int64_t> shape(const Value *v) {
    return v->type().staticShape();
  }
};

std::vector<int64_t> inversePerm(const std::vector<int64_t> &p) {
  std::vector<int64_t> inv(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    inv[size_t(p[i])] = int64_t(i);
  return inv;
}

std::vector<int64_t> randomPerm(Rng &rng) {
  std::vector<int64_t> p = {0, 1, 2, 3};
  for (size_t i = 3; i > 0; --i)
    std::swap(p[i], p[size_t(rng.range(0, int64_t(i)))]);
  return p;
}

// Conv, optionally followed by BatchNormalization or a per-channel Mul/Add.
Value *convBlock(Builder &b, Value *cur, bool keepShape) {
  Rng &rng = b.rng;
  if (!keepShape && rng.chance(1, 6)) { // a scale before the conv
    int64_t ch = Builder::shape(cur)[1];
    cur = b.op(OpKind::Mul, {cur, b.floats({ch, 1, 1}, 0.5f, 1.5f)});
  }
  std::vector<int64_t> s = Builder::shape(cur);
  int64_t c = s[1], h = s[2], w = s[3];
  bool depthwise = rng.chance(1, 3);
  int64_t cout = depthwise || keepShape ? c : rng.pick<int64_t>({2, 4, 8, 16});
  int64_t k = rng.pick<int64_t>({1, 3});
  std::vector<int64_t> pads = {0, 0, 0, 0};
  if (k == 3)
    pads = keepShape ? std::vector<int64_t>{1, 1, 1, 1}
                     : rng.pick<std::vector<int64_t>>(
                           {{1, 1, 1, 1}, {0, 0, 0, 0}, {1, 0, 1, 0},
                            {0, 1, 1, 0}});
  if (std::min(h + pads[0] + pads[2], w + pads[1] + pads[3]) < k) {
    k = 1;
    pads = {0, 0, 0, 0};
  }
  int64_t stride = !keepShape && std::min(h, w) >= 3 && rng.chance(1, 3) ? 2 : 1;
  // Dilation 2 spans 5 pixels: only where the padded input is big enough.
  int64_t dilation = k == 3 && !keepShape &&
                             std::min(h + pads[0] + pads[2],
                                      w + pads[1] + pads[3]) >= 5 &&
                             rng.chance(1, 6)
                         ? 2
                         : 1;
  int64_t group = depthwise ? c : 1;
  int64_t fanIn = (c / group) * k * k;
  float bound = 1.5f / std::sqrt(float(fanIn));
  Value *weight = b.floats({cout, c / group, k, k}, -bound, bound);
  if (rng.chance(1, 4)) // a constant subexpression, for fold-constants
    weight = b.op(OpKind::Mul,
                  {weight, b.constant(Tensor::scalar<float>(0.5f))});
  std::vector<Value *> operands = {cur, weight};
  if (rng.chance(1, 2))
    operands.push_back(b.floats({cout}, -0.5f, 0.5f));
  Attrs attrs = {{"kernel_shape", std::vector<int64_t>{k, k}}};
  if (pads != std::vector<int64_t>{0, 0, 0, 0} || rng.chance(1, 2))
    attrs.push_back({"pads", pads});
  if (stride != 1 || rng.chance(1, 3))
    attrs.push_back({"strides", std::vector<int64_t>{stride, stride}});
  if (group != 1)
    attrs.push_back({"group", group});
  if (dilation != 1)
    attrs.push_back({"dilations", std::vector<int64_t>{dilation, dilation}});
  Value *y = b.op(OpKind::Conv, operands, attrs);
  // A second user of the conv result: folding must keep it intact.
  if (rng.chance(1, 8))
    b.extraOutputs.push_back(y);
  switch (rng.range(0, 3)) {
  case 0:
  case 1: {
    float eps = rng.pick<float>({1e-5f, 1e-3f});
    Value *scale = rng.chance(1, 6) ? b.floats({cout}, -1.5f, -0.5f)
                                    : b.floats({cout}, 0.5f, 1.5f);
    y = b.op(OpKind::BatchNormalization,
             {y, scale, b.floats({cout}, -0.5f, 0.5f),
              b.floats({cout}, -0.5f, 0.5f), b.floats({cout}, 0.1f, 2.0f)},
             {{"epsilon", eps}});
    break;
  }
  case 2: {
    // Per-channel scales fold into the conv; the near-misses (per row, per
    // column, [W] which broadcasts along W even when W == C) must not.
    std::vector<int64_t> ys = Builder::shape(y);
    std::vector<int64_t> cs = rng.pick<std::vector<int64_t>>(
        {{cout, 1, 1}, {1, cout, 1, 1}, {cout, 1, 1}, {}, {ys[3]},
         {1, 1, ys[2], 1}, {1, 1, 1, ys[3]}, {ys[2], ys[3]}});
    if (rng.chance(3, 4))
      y = rng.chance(1, 2) ? b.op(OpKind::Mul, {y, b.floats(cs, 0.5f, 1.5f)})
                           : b.op(OpKind::Mul, {b.floats(cs, 0.5f, 1.5f), y});
    if (rng.chance(3, 4))
      y = b.op(OpKind::Add, {b.floats(cs, -0.5f, 0.5f), y});
    break;
  }
  default:
    break;
  }
  return y;
}

Value *activation(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  switch (rng.range(0, 6)) {
  case 4:
    return b.op(OpKind::LeakyRelu, {cur}, {{"alpha", 0.1f}});
  case 5:
    return b.op(OpKind::HardSwish, {cur});
  case 6: // relu6
    return b.op(OpKind::Clip, {cur, b.constant(Tensor::scalar<float>(0.0f)),
                               b.constant(Tensor::scalar<float>(6.0f))});
  case 0:
    return b.op(OpKind::Relu, {cur});
  case 1:
    return b.op(OpKind::Sigmoid, {cur});
  case 2:
    return b.op(OpKind::Tanh, {cur});
  default: {
    Value *lo = rng.chance(3, 4) ? b.constant(Tensor::scalar<float>(
                                       rng.uniform(-1.0f, 0.0f)))
                                 : nullptr;
    Value *hi = rng.chance(3, 4) ? b.constant(Tensor::scalar<float>(
                                       rng.uniform(0.0f, 1.0f)))
                                 : nullptr;
    std::vector<Value *> ops = {cur, lo, hi};
    while (!ops.back())
      ops.pop_back();
    return b.op(OpKind::Clip, ops);
  }
  }
}

Value *residual(Builder &b, Value *cur, Value *other) {
  Rng &rng = b.rng;
  if (other && rng.chance(1, 2))
    return b.op(rng.chance(1, 2) ? OpKind::Add : OpKind::Mul, {cur, other});
  Value *branch = convBlock(b, cur, /*keepShape=*/true);
  if (rng.chance(1, 2))
    branch = b.op(OpKind::Relu, {branch});
  return rng.chance(1, 2) ? b.op(OpKind::Add, {cur, branch})
                          : b.op(OpKind::Add, {branch, cur});
}

// Transposes that compose to the identity, in pairs (cancelling) or triples
// (the first two merge into a non-identity), sometimes around a Relu.
Value *transposes(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> p = randomPerm(rng);
  auto t = [&](Value *x, const std::vector<int64_t> &perm) {
    return b.op(OpKind::Transpose, {x}, {{"perm", perm}});
  };
  if (rng.chance(1, 6)) { // no perm: reverses the axes, twice is identity
    Value *x = b.op(OpKind::Transpose, {cur});
    return b.op(OpKind::Transpose, {x});
  }
  Value *x = t(cur, p);
  if (rng.chance(1, 3))
    x = b.op(OpKind::Relu, {x});
  if (rng.chance(1, 2))
    return t(x, inversePerm(p));
  std::vector<int64_t> q = randomPerm(rng);
  x = t(x, q);
  std::vector<int64_t> pq(4);
  for (size_t i = 0; i < 4; ++i)
    pq[i] = p[size_t(q[i])];
  return t(x, inversePerm(pq));
}

Value *reshapes(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  switch (rng.range(0, 4)) {
  case 0: {
    int64_t axis = rng.range(0, 4);
    Value *x = b.op(OpKind::Flatten, {cur}, {{"axis", axis}});
    std::vector<int64_t> target = s;
    if (rng.chance(1, 2))
      target[size_t(rng.range(1, 3))] = -1;
    if (axis <= 1 && rng.chance(1, 2))
      target[0] = 0; // copies the flattened dim 0, which is 1
    return b.op(OpKind::Reshape, {x, b.ints(target)});
  }
  case 1: {
    Value *x = b.op(OpKind::Squeeze, {cur, b.ints({0})});
    if (rng.chance(1, 3))
      x = b.op(OpKind::Sigmoid, {x});
    return b.op(OpKind::Unsqueeze, {x, b.ints({0})});
  }
  case 2: {
    int64_t axis = rng.range(0, 4);
    Value *x = b.op(OpKind::Unsqueeze, {cur, b.ints({axis})});
    if (rng.chance(1, 3))
      x = b.op(OpKind::Relu, {x});
    return b.op(OpKind::Squeeze, {x, b.ints({axis})});
  }
  case 3: {
    Value *x = b.op(OpKind::Reshape, {cur, b.ints({1, s[1], s[2] * s[3]})});
    return b.op(OpKind::Reshape, {x, b.ints(s)});
  }
  default: { // squeezes every 1-dim, whatever they are
    Value *x = b.op(OpKind::Squeeze, {cur});
    return b.op(OpKind::Reshape, {x, b.ints(s)});
  }
  }
}

Value *casts(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  auto cast = [&](Value *x, int64_t to) {
    return b.op(OpKind::Cast, {x}, {{"to", to}});
  };
  switch (rng.range(0, 3)) {
  case 0: // exact round trip
    return cast(cast(cur, 11), 1);
  case 1: { // lossy: must not fold away
    Value *x = b.op(OpKind::Mul, {cur, b.constant(Tensor::scalar<float>(4.0f))});
    return cast(cast(x, 6), 1);
  }
  case 2:
    return cast(cur, 1); // a no-op cast
  default:
    return cast(b.op(OpKind::Relu, {cast(cur, 11)}), 1);
  }
}

// x*1, x+0 and friends: some are identities, some broadcast to a bigger
// shape (must not be dropped), some are near-misses.
Value *identities(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  int64_t c = s[1];
  std::vector<int64_t> cs = rng.pick<std::vector<int64_t>>(
      {{}, {1}, {c, 1, 1}, {1, c, 1, 1}, {1, 1, 1, 1}});
  switch (rng.range(0, 5)) {
  case 0:
  case 1: {
    auto [kind, v] = rng.pick<std::pair<OpKind, float>>(
        {{OpKind::Mul, 1.0f}, {OpKind::Add, 0.0f}, {OpKind::Sub, 0.0f},
         {OpKind::Div, 1.0f}, {OpKind::Add, -0.0f}});
    Value *k = b.filled(cs, v);
    bool commute = (kind == OpKind::Mul || kind == OpKind::Add) &&
                   rng.chance(1, 2);
    return commute ? b.op(kind, {k, cur}) : b.op(kind, {cur, k});
  }
  case 2: { // broadcasts up: [1,C,1,1] * ones[1,1,H,W]
    Value *m = b.op(OpKind::ReduceMean, {cur, b.ints({2, 3})});
    return b.op(rng.chance(1, 2) ? OpKind::Mul : OpKind::Add,
                {m, b.filled({1, 1, s[2], s[3]}, rng.chance(1, 2) ? 1.0f : 0.0f)});
  }
  case 3: { // rank grows to 5, then reshaped back
    Value *x = b.op(OpKind::Mul, {cur, b.filled({1, 1, 1, 1, 1}, 1.0f)});
    return b.op(OpKind::Reshape, {x, b.ints(s)});
  }
  case 4: { // ones with one -1: not an identity
    Tensor t(ElementType::F32, {c, 1, 1});
    for (int64_t i = 0; i < c; ++i)
      t.data<float>()[i] = 1.0f;
    t.data<float>()[rng.range(0, c - 1)] = -1.0f;
    return b.op(OpKind::Mul, {cur, b.constant(t)});
  }
  default: // x + 1e-3: not an identity either
    return b.op(OpKind::Add, {cur, b.filled(cs, 1e-3f)});
  }
}

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write it;
// a constant Reshape restores the static shape afterwards.
Value *shapeChain(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  Value *shape = b.op(OpKind::Shape, {cur});
  Value *target;
  if (rng.chance(1, 2)) {
    Value *n = b.op(OpKind::Gather, {shape, b.intScalar(0)});
    Value *c = b.op(OpKind::Gather, {shape, b.intScalar(1)});
    target = b.op(OpKind::Concat,
                  {b.op(OpKind::Unsqueeze, {n, b.ints({0})}),
                   b.op(OpKind::Unsqueeze, {c, b.ints({0})}), b.ints({-1})},
                  {{"axis", int64_t(0)}});
  } else {
    Value *nc = b.op(OpKind::Gather, {shape, b.ints({0, 1})});
    Value *hw = b.op(OpKind::Shape, {cur}, {{"start", int64_t(2)}});
    Value *flat = b.op(OpKind::ReduceProd, {hw}, {{"keepdims", int64_t(1)}});
    target = b.op(OpKind::Concat, {nc, flat}, {{"axis", int64_t(0)}});
  }
  Value *x = b.op(OpKind::Reshape, {cur, target});
  if (rng.chance(1, 2))
    x = b.op(OpKind::Relu, {x});
  return b.op(OpKind::Reshape, {x, b.ints(s)});
}

// The same computation twice, for CSE; constants are separate but equal.
Value *duplicates(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  switch (rng.range(0, 2)) {
  case 0: {
    OpKind kind = rng.pick<OpKind>({OpKind::Relu, OpKind::Sigmoid, OpKind::Exp});
    if (kind == OpKind::Exp)
      cur = b.op(OpKind::Tanh, {cur});
    return b.op(OpKind::Add, {b.op(kind, {cur}), b.op(kind, {cur})});
  }
  case 1: {
    std::vector<int64_t> s = Builder::shape(cur);
    Tensor w(ElementType::F32, {s[1], 1, 1, 1});
    for (int64_t i = 0; i < w.numElements(); ++i)
      w.data<float>()[i] = rng.uniform(-1.0f, 1.0f);
    Attrs attrs = {{"kernel_shape", std::vector<int64_t>{1, 1}},
                   {"group", s[1]}};
    Value *a = b.op(OpKind::Conv, {cur, b.constant(w)}, attrs);
    Value *c = b.op(OpKind::Conv, {cur, b.constant(w)}, attrs);
    return b.op(OpKind::Mul, {a, c});
  }
  default: { // swish, written twice
    Value *a = b.op(OpKind::Mul, {cur, b.op(OpKind::Sigmoid, {cur})});
    Value *c = b.op(OpKind::Mul, {cur, b.op(OpKind::Sigmoid, {cur})});
    return b.op(OpKind::Sub, {a, c});
  }
  }
}

Value *pool(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  int64_t k = std::min<int64_t>(rng.pick<int64_t>({2, 3}), std::min(s[2], s[3]));
  int64_t p = k == 3 && rng.chance(1, 2) ? 1 : 0;
  int64_t stride = rng.pick<int64_t>({1, 2});
  Attrs attrs = {{"kernel_shape", std::vector<int64_t>{k, k}},
                 {"pads", std::vector<int64_t>{p, p, p, p}},
                 {"strides", std::vector<int64_t>{stride, stride}}};
  if (rng.chance(1, 2))
    return b.op(OpKind::MaxPool, {cur}, attrs);
  attrs.push_back({"count_include_pad", int64_t(rng.range(0, 1))});
  return b.op(OpKind::AveragePool, {cur}, attrs);
}

// softmax-like: Exp, a reduction, and a broadcast back.
Value *reduction(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  Value *e = b.op(OpKind::Exp, {b.op(OpKind::Tanh, {cur})});
  Value *axes = rng.chance(1, 2) ? b.ints({1}) : b.ints({2, 3});
  if (rng.chance(1, 2)) {
    Value *sum = b.op(OpKind::ReduceSum, {e, axes});
    return b.op(OpKind::Div, {e, sum});
  }
  Value *mean = b.op(OpKind::ReduceMean, {e, axes});
  return b.op(OpKind::Mul, {cur, mean});
}

// Channel-axis ops, which a blocked layout must handle or avoid: Concat,
// Split, Slice, Softmax.
Value *channelOps(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  switch (rng.range(0, 3)) {
  case 0: {
    Value *other = rng.chance(1, 2) ? activation(b, cur)
                                    : convBlock(b, cur, /*keepShape=*/true);
    int64_t axis = rng.pick<int64_t>({1, 1, 2, 3, -1});
    if (axis == 1 && s[1] >= 16)
      axis = 2;
    return rng.chance(1, 2)
               ? b.op(OpKind::Concat, {cur, other}, {{"axis", axis}})
               : b.op(OpKind::Concat, {other, cur}, {{"axis", axis}});
  }
  case 1: {
    if (s[1] % 2)
      return b.op(OpKind::Softmax, {cur}, {{"axis", int64_t(1)}});
    std::vector<Value *> parts =
        b.ops(OpKind::Split, {cur}, 2, {{"axis", int64_t(1)}});
    if (rng.chance(1, 2)) // channel shuffle: same shape, permuted channels
      return b.op(OpKind::Concat, {parts[1], parts[0]}, {{"axis", int64_t(1)}});
    return b.op(OpKind::Add, {parts[0], parts[1]});
  }
  case 2: {
    int64_t axis = rng.range(1, 3);
    if (s[size_t(axis)] < 2)
      return b.op(OpKind::Softmax, {cur}, {{"axis", axis}});
    int64_t step = s[size_t(axis)] >= 4 && rng.chance(1, 2) ? 2 : 1;
    return b.op(OpKind::Slice, {cur, b.ints({1}), b.ints({s[size_t(axis)]}),
                                b.ints({axis}), b.ints({step})});
  }
  default:
    return b.op(OpKind::Softmax, {cur},
                {{"axis", rng.pick<int64_t>({1, -1, 2})}});
  }
}

// Pad then a padless conv (a pass may fold zero pads into the conv, but not
// a non-zero pad value or reflect mode); MatMul by a constant; transposes
// that stay (batch axis kept first).
Value *misc(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  std::vector<int64_t> s = Builder::shape(cur);
  switch (rng.range(0, 2)) {
  case 0: {
    std::vector<Value *> operands = {
        cur, b.ints({0, 0, 1, s[3] < 2 ? 1 : rng.range(0, 1), 0, 0, 1, 1})};
    int kind = int(rng.range(0, 3));
    if (kind == 1 || kind == 2)
      operands.push_back(
          b.constant(Tensor::scalar<float>(kind == 1 ? 0.0f : 0.5f)));
    Attrs attrs;
    if (kind == 3 && std::min(s[2], s[3]) >= 2) // reflect needs pad < size
      attrs.push_back({"mode", "reflect"});
    Value *x = b.op(OpKind::Pad, operands, attrs);
    int64_t c = s[1];
    return b.op(OpKind::Conv,
                {x, b.floats({c, 1, 3, 3}, -0.5f, 0.5f)},
                {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"group", c}});
  }
  case 1: {
    int64_t n = rng.range(3, 9);
    Value *x = b.op(OpKind::MatMul,
                    {cur, b.floats({s[3], n}, -0.5f, 0.5f)});
    return rng.chance(1, 2) ? b.op(OpKind::Add, {x, b.floats({n}, -1.0f, 1.0f)})
                            : x;
  }
  default: {
    std::vector<int64_t> p = rng.pick<std::vector<int64_t>>(
        {{0, 1, 3, 2}, {0, 2, 1, 3}, {0, 3, 2, 1}, {0, 2, 3, 1}, {0, 3, 1, 2}});
    return b.op(OpKind::Transpose, {cur}, {{"perm", p}});
  }
  }
}

// Nodes nobody uses.
void deadNodes(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  Value *x = b.op(rng.pick<OpKind>({OpKind::Relu, OpKind::Shape, OpKind::Neg}),
                  {cur});
  if (rng.chance(1, 2) && x->type().elementType() == ElementType::F32)
    b.op(OpKind::Add, {x, b.filled({1}, 2.0f)});
  if (rng.chance(1, 3))
    b.filled({3}, 7.0f); // a dead constant
}

Value *gemmHead(Builder &b, Value *cur) {
  Rng &rng = b.rng;
  int64_t c = Builder::shape(cur)[1];
  Value *x = rng.chance(1, 2) ? b.op(OpKind::GlobalAveragePool, {cur})
                              : b.op(OpKind::ReduceMean, {cur, b.ints({2, 3})});
  x = b.op(OpKind::Flatten, {x});
  int64_t k = rng.range(2, 10);
  bool transB = rng.chance(1, 2);
  float bound = 1.5f / std::sqrt(float(c));
  Value *w = b.floats(transB ? std::vector<int64_t>{k, c}
                             : std::vector<int64_t>{c, k},
                      -bound, bound);
  std::vector<Value *> ops = {x, w};
  if (rng.chance(2, 3))
    ops.push_back(b.floats({k}, -0.5f, 0.5f));
  return b.op(OpKind::Gemm, ops, {{"transB", int64_t(transB)}});
}

} // namespace

RandomGraph makeRandomGraph(uint64_t seed) {
  RandomGraph g;
  g.seed = seed;
  g.module = std::make_unique<Module>();
  Function &f = g.module->addFunction("main");
  Rng rng(seed);
  Builder b(f, rng);
  std::vector<int64_t> shape = {1, rng.pick<int64_t>({2, 4, 8, 16}),
                                rng.range(3, 9), rng.range(3, 9)};
  Value *cur = f.addInput("x", TensorType(ElementType::F32, shape));
  Value *other = rng.chance(1, 3)
                     ? f.addInput("y", TensorType(ElementType::F32, shape))
                     : nullptr;
  int target = int(rng.range(4, 15));
  while (b.numOps < target) {
    // `other` only matches `cur` while the shape has not changed.
    Value *same = other && other->type() == cur->type() ? other : nullptr;
    int remaining = target - b.numOps;
    int which = int(rng.range(0, remaining < 3 ? 1 : 13));
    const char *name = "";
    switch (which) {
    case 0:
      name = "activation", cur = activation(b, cur);
      break;
    case 1:
      name = "identity", cur = identities(b, cur);
      break;
    case 2:
    case 3:
      name = "conv", cur = convBlock(b, cur, false);
      break;
    case 4:
      name = "residual", cur = residual(b, cur, same);
      break;
    case 5:
      name = "transposes", cur = transposes(b, cur);
      break;
    case 6:
      name = "reshapes", cur = reshapes(b, cur);
      break;
    case 7:
      name = "casts", cur = casts(b, cur);
      break;
    case 8:
      name = "shape-chain", cur = shapeChain(b, cur);
      break;
    case 9:
      name = "duplicates", cur = duplicates(b, cur);
      break;
    case 10:
      name = rng.chance(1, 2) ? "pool" : "reduction";
      cur = name[0] == 'p' ? pool(b, cur) : reduction(b, cur);
      break;
    case 11:
      name = "channel-ops", cur = channelOps(b, cur);
      break;
    case 12:
      name = "misc", cur = misc(b, cur);
      break;
    default:
      name = "dead", deadNodes(b, cur);
      break;
    }
    g.patterns.push_back(name);
  }
  if (rng.chance(1, 4)) {
    g.patterns.push_back("gemm-head");
    cur = gemmHead(b, cur);
  }
  std::vector<Value *> outputs = {cur};
  for (Value *v : b.extraOutputs)
    outputs.push_back(v);
  if (rng.chance(1, 16))
    outputs.push_back(cur); // the same value twice
  f.setOutputs(outputs);
  verify(*g.module);
  for (size_t i = 0; i < f.inputs().size(); ++i)
    g.inputs.push_back(makeRandomTensor(f.inputs()[i]->type(), seed * 31 + i));
  return g;
}

} // namespace kiln
