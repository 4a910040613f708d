//===- LayoutNCHWcInt8.cpp - integer convolutions in the NCHWc layout -----===//
// The layout-nchwc rewrite of ConvInteger -> [Add(i32 bias)] -> Requantize
// into QConvNCHWc with weights packed for 4-wide 8-bit dot products.
//===----------------------------------------------------------------------===//

#include "LayoutNCHWcInt8.h"

#include "kiln/IR/InferUtils.h"
#include "kiln/Transforms/GraphUtils.h"

namespace kiln {
namespace nchwc {
namespace {

bool is8Bit(ElementType e) {
  return e == ElementType::U8 || e == ElementType::I8;
}

/// Whether `v` feeds exactly one operand and is no function output.
bool hasSingleUse(const Value *v) {
  return v->uses().size() == 1 && !isFunctionOutput(*v);
}

/// A constant Requantize multiplier or shift: 0 if per tensor ([] or [1]),
/// `m` if per output channel ([m] along axis 1), -1 if neither.
int64_t paramChannels(const Tensor &t, int64_t m, int64_t axis) {
  if (t.numElements() == 1 && t.rank() <= 1)
    return 0;
  if (t.rank() == 1 && t.dim(0) == m && (axis == 1 || axis == -3))
    return m;
  return -1;
}

/// The constant i32 bias of `add` = Add(acc, bias) (either order) as one
/// value per output channel, or false if it is not a scalar, [M,1,1] or
/// [1,M,1,1] constant.
bool readBias(const Node &add, const Value *acc, int64_t m,
              std::vector<int64_t> &bias) {
  if (add.numOperands() != 2 || add.result()->type() != acc->type())
    return false;
  const Value *other = add.operand(0) == acc ? add.operand(1) : add.operand(0);
  const Tensor *t = other->constantValue();
  if (!t || t->elementType() != ElementType::I32)
    return false;
  const std::vector<int64_t> &s = t->shape();
  bool scalar = t->numElements() == 1 && t->rank() <= 4;
  if (!scalar && s != std::vector<int64_t>{m, 1, 1} &&
      s != std::vector<int64_t>{1, m, 1, 1})
    return false;
  for (int64_t ch = 0; ch < m; ++ch)
    bias[size_t(ch)] += t->getInt(scalar ? 0 : ch);
  return true;
}

/// Packs ConvInteger weights W [M, C/group, KH, KW] (i8) into QConvNCHWc's
/// form: group 1 [M/ob, cPadded/ib, KH, KW, ib/4, ob, 4] with zeros for the
/// channels from C on, depthwise [M/ob, 1, KH, KW, 1, ob, 1].
Tensor packWeights(const Tensor &w, int64_t cPadded, int64_t ib, int64_t ob,
                   bool depthwise) {
  int64_t m = w.dim(0), c = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  int64_t cBlocks = depthwise ? 1 : cPadded / ib;
  int64_t quads = depthwise ? 1 : ib / 4, k = depthwise ? 1 : 4;
  Tensor packed(ElementType::I8, {m / ob, cBlocks, kh, kw, quads, ob, k});
  const int8_t *src = w.data<int8_t>();
  int8_t *dst = packed.data<int8_t>();
  int64_t at = 0;
  for (int64_t mb = 0; mb < m / ob; ++mb)
    for (int64_t cb = 0; cb < cBlocks; ++cb)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; ++kx)
          for (int64_t i = 0; i < quads; ++i)
            for (int64_t o = 0; o < ob; ++o)
              for (int64_t j = 0; j < k; ++j) {
                int64_t ch = depthwise ? 0 : cb * ib + 4 * i + j;
                dst[at++] =
                    ch < c ? src[(((mb * ob + o) * c + ch) * kh + ky) * kw + kx]
                           : int8_t(0);
              }
  return packed;
}

/// Wraps to i32 like the accumulator's arithmetic (exact modulo 2^32).
int32_t wrapToI32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }

Value *i64Constant(Function &f, Node *pos, const std::vector<int64_t> &v) {
  return createConstant(f, f.find(pos),
                        Tensor::fromVector<int64_t>(v, {int64_t(v.size())}));
}

/// Pad(x, pads, value) with `value` in x's element type.
Value *createPad(Function &f, Node *pos, Value *x,
                 const std::vector<int64_t> &pads, int64_t value) {
  Tensor fill(x->type().elementType(), {});
  fill.setInt(0, value);
  return createInferred(f, pos, OpKind::Pad,
                        {x, i64Constant(f, pos, pads),
                         createConstant(f, f.find(pos), std::move(fill))},
                        {})
      ->result();
}

/// A per-tensor or per-channel Requantize parameter as QConvNCHWc takes it,
/// [1] or [M].
Value *paramOperand(Function &f, Node *pos, Value *v) {
  const Tensor *t = v->constantValue();
  if (t->rank() == 1)
    return v;
  return createConstant(f, f.find(pos), t->reshaped({1}));
}

/// A Requantize multiplier or shift as one value for every channel: a
/// constant per tensor, or per channel (axis 1 of `channels`) holding one
/// value throughout. Anything else has no blocked form: the channel is
/// split over dims 1 and 4 there, and Requantize takes one axis.
const Tensor *uniformParam(const Value *v, int64_t channels, int64_t axis) {
  const Tensor *t = v->constantValue();
  if (!t || t->numElements() == 0 || paramChannels(*t, channels, axis) < 0)
    return nullptr;
  for (int64_t i = 1; i < t->numElements(); ++i)
    if (t->getInt(i) != t->getInt(0))
      return nullptr;
  return t;
}

/// Whether the result of an integer convolution ends the blocked region:
/// no user would read it blocked (another convolution, a Concat, the
/// integer ops that follow into the layout), so output channels padded to
/// whole vectors can be sliced off right after it.
bool leavesBlockedRegion(const Value *v) {
  for (const Use &u : v->uses())
    switch (u.user->kind()) {
    case OpKind::ConvInteger: case OpKind::Concat: case OpKind::Cast:
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Max:
    case OpKind::Min: case OpKind::MaxPool: case OpKind::Relu:
    case OpKind::Clip:
      return false;
    default:
      break;
    }
  return true;
}

/// `t` ([1] or [m]) for `padded` channels, the extra ones repeating channel
/// 0 (a valid parameter; their results are sliced off).
Tensor padParam(const Tensor &t, int64_t m, int64_t padded) {
  if (t.numElements() == 1)
    return t.reshaped({1});
  Tensor out(t.elementType(), {padded});
  for (int64_t i = 0; i < padded; ++i)
    out.setInt(i, t.getInt(i < m ? i : 0));
  return out;
}

/// Whether `n`, a ReduceSum/Max/Min, reduces exactly the spatial dims of a
/// 4-D operand and keeps them: lane-local in the blocked layout (integer
/// GlobalAveragePool is Cast -> ReduceSum over [2, 3], QdqToIntegerPool.cpp).
bool reducesSpatialDims(const Node &n) {
  if (n.numOperands() != 2 || !n.hasOperand(1) || n.getInt("keepdims") != 1)
    return false;
  const Tensor *axes = n.operand(1)->constantValue();
  if (!axes || axes->numElements() != 2)
    return false;
  std::vector<int64_t> a = {axes->getInt(0), axes->getInt(1)};
  for (int64_t &v : a)
    v += v < 0 ? 4 : 0;
  std::sort(a.begin(), a.end());
  return a == std::vector<int64_t>{2, 3};
}

} // namespace

bool movesIntegerIntoBlocked(const Node &n, const TensorType &plain,
                             bool padded) {
  if (padded || !isInteger(plain.elementType()) || plain.quant() ||
      !plain.isRanked() || plain.rank() != 4 || !plain.hasStaticShape())
    return false;
  switch (n.kind()) {
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Max:
  case OpKind::Min:
  case OpKind::Concat:
    return true;
  case OpKind::Cast:
    return n.numOperands() == 1 && n.result() &&
           n.result()->type().isRanked() &&
           isInteger(n.result()->type().elementType());
  case OpKind::ReduceSum:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    return reducesSpatialDims(n);
  case OpKind::Requantize: {
    if (n.numOperands() != 3 || plain.elementType() != ElementType::I32)
      return false;
    int64_t c = plain.dim(1).size(), axis = n.getInt("axis");
    return uniformParam(n.operand(1), c, axis) &&
           uniformParam(n.operand(2), c, axis);
  }
  default:
    return false;
  }
}

Node *createBlockedInteger(Function &f, Node &n, Value *blocked) {
  if (n.kind() == OpKind::Cast)
    return createInferred(f, &n, OpKind::Cast, {blocked}, n.attrs(), n.name());
  if (n.kind() == OpKind::ReduceSum || n.kind() == OpKind::ReduceMax ||
      n.kind() == OpKind::ReduceMin) {
    // [2, 3] are H and W in NCHW<b>c too.
    Value *axes =
        createConstant(f, f.find(&n), Tensor::fromVector<int64_t>({2, 3}, {2}));
    return createInferred(f, &n, n.kind(), {blocked, axes}, n.attrs(),
                          n.name());
  }
  if (n.kind() != OpKind::Requantize)
    return nullptr;
  // Per-channel parameters that movesIntegerIntoBlocked accepted hold one
  // value: they become [1].
  std::vector<Value *> ops = {blocked};
  for (size_t i = 1; i < 3; ++i) {
    Value *p = n.operand(i);
    const Tensor *t = p->constantValue();
    if (t->numElements() != 1) {
      Tensor one(t->elementType(), {1});
      one.setInt(0, t->getInt(0));
      p = createConstant(f, f.find(&n), std::move(one));
    }
    ops.push_back(p);
  }
  return createInferred(f, &n, OpKind::Requantize, ops, n.attrs(), n.name());
}

/// The channel block of an 8-bit conv's input or output: a whole vector of
/// i32 lanes or half of one (24 channels: 3 blocks of 8, which VPDPBUSD
/// ymm and SDOT take, not 2 of 12, which no dot product does), else the
/// largest divisor. The same rule for both ends keeps a producer's blocks
/// those of its consumer.
static int64_t dotBlock(int64_t channels, int64_t lanes) {
  for (int64_t b : {lanes, lanes / 2})
    if (b >= 4 && channels % b == 0)
      return b;
  return channelBlock(channels, lanes);
}

/// How many consecutive groups of a grouped conv (`groupIn` input and
/// `groupOut` output channels each) to run as one: the fewest, dividing
/// `groups`, whose input channels are whole groups of 4 and whose outputs
/// fill a vector of `lanes` i32 (a group's lanes beyond its channels would
/// otherwise idle; the merged group's extra products are zeros). 0 if no
/// count gives groups of 4 input channels.
static int64_t mergedGroups(int64_t groups, int64_t groupIn, int64_t groupOut,
                            int64_t lanes) {
  int64_t fallback = 0;
  for (int64_t k = 1; k <= groups; ++k) {
    if (groups % k != 0 || (k * groupIn) % 4 != 0)
      continue;
    if (k * groupOut >= lanes)
      return k;
    fallback = k;
  }
  return fallback;
}

/// Weights W [M, C/groups, KH, KW] of a grouped conv as those of groups / k
/// groups of k merged groups each: [M, k*C/groups, KH, KW], each output
/// channel's own group's weights in place and zeros for the other k - 1.
static Tensor blockDiagonal(const Tensor &w, int64_t groups, int64_t k) {
  int64_t m = w.dim(0), cg = w.dim(1), taps = w.dim(2) * w.dim(3);
  int64_t groupOut = m / groups;
  Tensor out(ElementType::I8, {m, k * cg, w.dim(2), w.dim(3)});
  std::fill_n(out.data<int8_t>(), out.numElements(), int8_t(0));
  const int8_t *src = w.data<int8_t>();
  int8_t *dst = out.data<int8_t>();
  for (int64_t o = 0; o < m; ++o) {
    int64_t slot = (o / groupOut) % k;
    std::copy_n(src + o * cg * taps, cg * taps,
                dst + (o * k * cg + slot * cg) * taps);
  }
  return out;
}

bool convertRequantizedConv(Function &f, Node &rq, int64_t lanes) {
  if (rq.kind() != OpKind::Requantize || rq.numOperands() != 3)
    return false;
  // Find the chain: acc = ConvInteger(...), optionally s = Add(acc, bias).
  Value *s = rq.operand(0);
  Node *add = nullptr, *conv = s->producer();
  if (conv && conv->kind() == OpKind::Add && conv->numOperands() == 2) {
    add = conv;
    conv = nullptr;
    if (!hasSingleUse(s))
      return false;
    for (Value *v : add->operands())
      if (v->producer() && v->producer()->kind() == OpKind::ConvInteger) {
        conv = v->producer();
        break;
      }
  }
  if (!conv || conv->kind() != OpKind::ConvInteger)
    return false;
  Value *acc = conv->result();
  if (!hasSingleUse(acc))
    return false;

  // Operands: static 4-D 8-bit x, constant i8 weights, a constant scalar
  // x zero point and an all-zero weight zero point.
  Value *x = conv->operand(0);
  const TensorType &xt = x->type();
  const Tensor *w = conv->operand(1)->constantValue();
  if (!is8Bit(xt.elementType()) || !xt.isRanked() || xt.rank() != 4 ||
      !xt.hasStaticShape() || !w || w->elementType() != ElementType::I8 ||
      w->rank() != 4 || w->numElements() == 0 ||
      !acc->type().hasStaticShape() || !rq.result()->type().hasStaticShape())
    return false;
  int64_t xZp = 0;
  if (conv->hasOperand(2)) {
    const Tensor *z = conv->operand(2)->constantValue();
    if (!z || z->numElements() != 1 || z->elementType() != xt.elementType())
      return false;
    xZp = z->getInt(0);
  }
  if (conv->hasOperand(3)) {
    const Tensor *z = conv->operand(3)->constantValue();
    if (!z)
      return false;
    for (int64_t i = 0; i < z->numElements(); ++i)
      if (z->getInt(i) != 0)
        return false;
  }

  // Geometry: 2-D, no dilation; group 1, depthwise, or groups of whole
  // groups of 4 input channels.
  int64_t c = xt.dim(1).size(), m = w->dim(0);
  int64_t group = conv->getInt("group");
  bool depthwise = group != 1 && group == c && group == m && w->dim(1) == 1;
  if (group < 1 || c % group != 0 || m % group != 0 || w->dim(1) != c / group)
    return false;
  std::optional<Tensor> merged;
  if (group != 1 && !depthwise) {
    int64_t k = mergedGroups(group, c / group, m / group, lanes);
    if (k == 0)
      return false;
    if (k > 1) {
      merged = blockDiagonal(*w, group, k);
      w = &*merged;
      group /= k;
    }
  }
  WindowParams p;
  std::vector<int64_t> pads;
  try {
    std::vector<int64_t> kernel = {w->dim(2), w->dim(3)};
    const std::vector<int64_t> &ks = conv->getInts("kernel_shape");
    if (!ks.empty() && ks != kernel)
      return false;
    p = readWindowParams(*conv, kernel);
    pads = resolvePads(p, {xt.dim(2).size(), xt.dim(3).size()});
  } catch (const Error &) {
    return false;
  }
  if (p.dilations != std::vector<int64_t>{1, 1} || pads.size() != 4)
    return false;

  // Bias and Requantize parameters.
  std::vector<int64_t> bias(size_t(m), 0);
  if (add && !readBias(*add, acc, m, bias))
    return false;
  const Tensor *mul = rq.operand(1)->constantValue();
  const Tensor *shift = rq.operand(2)->constantValue();
  int64_t axis = rq.getInt("axis");
  if (!mul || !shift || mul->elementType() != ElementType::I32 ||
      (shift->elementType() != ElementType::I8 &&
       shift->elementType() != ElementType::I32) ||
      paramChannels(*mul, m, axis) < 0 || paramChannels(*shift, m, axis) < 0)
    return false;

  // Blocks: input channels padded to whole groups of 4 for group 1; the
  // blocks of a grouped conv divide its groups' channels.
  int64_t cPadded = group == 1 ? (c + 3) / 4 * 4 : c, ib = 4, ob;
  if (depthwise) {
    ib = ob = dotBlock(c, lanes);
  } else {
    int64_t groupIn = cPadded / group;
    ib = dotBlock(groupIn, lanes);
    if (ib % 4 != 0) {
      ib = 4;
      for (int64_t b = 4; b <= lanes; b += 4)
        if (groupIn % b == 0)
          ib = b;
    }
    ob = dotBlock(m / group, lanes);
  }
  // Output channels padded to whole vectors when the divisor block wastes
  // lanes (1000 classes: 63 blocks of 16, not 100 of 10; the dot-product
  // instructions need full vectors) and the result leaves the blocked
  // layout anyway; the padded channels have zero weights and are sliced off.
  int64_t mPadded = m;
  int64_t wide = (m + lanes - 1) / lanes * lanes;
  if (group == 1 && ob < lanes &&
      double(m) / double(wide) > double(ob) / double(lanes) + 0.1 &&
      leavesBlockedRegion(rq.result())) {
    mPadded = wide;
    ob = lanes;
  }

  // acc = sum over inside taps of (x - xZp) * W. With x's padding holding
  // xZp (or xZp == 0) that is the sum over all taps of x * W minus xZp times
  // the sum of W, which the bias absorbs.
  int64_t taps = w->numElements() / m;
  for (int64_t ch = 0; ch < m; ++ch) {
    int64_t sum = 0;
    for (int64_t i = 0; i < taps; ++i)
      sum += w->getInt(ch * taps + i);
    bias[size_t(ch)] -= xZp * sum;
  }
  Tensor biasT(ElementType::I32, {mPadded});
  for (int64_t ch = 0; ch < mPadded; ++ch)
    biasT.data<int32_t>()[ch] = ch < m ? wrapToI32(bias[size_t(ch)]) : 0;

  bool spatialPad =
      std::any_of(pads.begin(), pads.end(), [](int64_t v) { return v != 0; });
  bool padWithZp = xZp != 0 && spatialPad;
  Value *in = x;
  if (cPadded != c) {
    // One NCHW Pad for the extra channels (their weights are 0, any value
    // does) and, with a zero point, the spatial padding too.
    std::vector<int64_t> pp = {0, 0, 0, 0, 0, cPadded - c, 0, 0};
    if (padWithZp) {
      pp = {0, 0, pads[0], pads[1], 0, cPadded - c, pads[2], pads[3]};
      padWithZp = false;
      pads.assign(4, 0);
    }
    in = createPad(f, &rq, in, pp, xZp);
  }
  in = createTransform(f, &rq, in, 0, ib);
  if (padWithZp) {
    // In the blocked layout, so the transform still cancels against the
    // producer's unblocking one.
    in = createPad(f, &rq, in,
                   {0, 0, pads[0], pads[1], 0, 0, 0, pads[2], pads[3], 0}, xZp);
    pads.assign(4, 0);
  }

  std::map<std::string, Attribute> attrs = {
      {"strides", p.strides},
      {"pads", pads},
      {"group", group},
      {"zero_point", rq.getInt("zero_point")},
      {"output_type", rq.getString("output_type")}};
  for (const char *key : {"min", "max"})
    if (rq.hasAttr(key))
      attrs[key] = rq.getInt(key);
  Tensor wPadded = *w;
  if (mPadded != m) {
    wPadded = Tensor(ElementType::I8, {mPadded, w->dim(1), w->dim(2),
                                       w->dim(3)});
    std::fill_n(wPadded.data<int8_t>(), wPadded.numElements(), int8_t(0));
    std::copy_n(w->data<int8_t>(), w->numElements(), wPadded.data<int8_t>());
  }
  int64_t groupIn = cPadded / (depthwise ? 1 : group);
  Value *packed = createConstant(
      f, f.find(&rq), packWeights(wPadded, groupIn, ib, ob, depthwise));
  Value *biasV = createConstant(f, f.find(&rq), std::move(biasT));
  Value *mulV = paramOperand(f, &rq, rq.operand(1));
  Value *shiftV = paramOperand(f, &rq, rq.operand(2));
  if (mPadded != m) {
    mulV = createConstant(f, f.find(&rq), padParam(*mul, m, mPadded));
    shiftV = createConstant(f, f.find(&rq), padParam(*shift, m, mPadded));
  }
  Node *q = createInferred(f, &rq, OpKind::QConvNCHWc,
                           {in, packed, biasV, mulV, shiftV}, attrs,
                           rq.name());
  Value *out = createTransform(f, &rq, q->result(), ob, 0);
  if (mPadded != m)
    out = createInferred(f, &rq, OpKind::Slice,
                         {out, i64Constant(f, &rq, {0}),
                          i64Constant(f, &rq, {m}), i64Constant(f, &rq, {1})},
                         {})
              ->result();
  const TensorType &want = rq.result()->type();
  check(out->type().elementType() == want.elementType() &&
            out->type().staticShape() == want.staticShape(),
        "layout-nchwc: QConvNCHWc for '{}' gives {}, expected {}", rq.name(),
        out->type().str(), want.str());
  std::string resultName = rq.result()->name();
  replaceNode(f, rq, {out});
  if (add)
    f.eraseNode(add);
  f.eraseNode(conv);
  // Profiles and printed IR keep the Requantize's names.
  q->result()->setName(resultName);
  return true;
}

} // namespace nchwc
} // namespace kiln
