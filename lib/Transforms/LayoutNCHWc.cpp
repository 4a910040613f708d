//===- LayoutNCHWc.cpp - the NCHWc (channel-blocked) layout pass ----------===//
// The "layout-nchwc" pass: 2-D float convolutions with constant weights run
// as ConvNCHWc on NCHW<b>c tensors, and layout-agnostic consumers follow them
// into the blocked layout so LayoutTransforms remain only at the boundaries.
//===----------------------------------------------------------------------===//

#include "LayoutNCHWcInt8.h"

#include "kiln/IR/InferContext.h"
#include "kiln/IR/InferUtils.h"
#include "kiln/IR/Layout.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <set>

namespace kiln {
namespace {

using nchwc::channelBlock;
using nchwc::createTransform;

bool isStaticF32(const TensorType &t, size_t rank) {
  return t.elementType() == ElementType::F32 && !t.quant() && t.isRanked() &&
         t.rank() == rank && t.hasStaticShape();
}

/// Ops that map each element to one element, whatever the layout.
bool isUnaryElementwise(OpKind k) {
  switch (k) {
  case OpKind::Relu: case OpKind::Sigmoid: case OpKind::Tanh:
  case OpKind::LeakyRelu: case OpKind::HardSigmoid: case OpKind::HardSwish:
  case OpKind::Abs: case OpKind::Neg: case OpKind::Exp: case OpKind::Log:
  case OpKind::Sqrt: case OpKind::Reciprocal: case OpKind::Erf:
  case OpKind::Elu: case OpKind::Celu: case OpKind::Selu:
  case OpKind::Softplus: case OpKind::Softsign: case OpKind::ThresholdedRelu:
  case OpKind::Identity: case OpKind::Floor: case OpKind::Ceil:
  case OpKind::Round: case OpKind::Sign:
    return true;
  default:
    return false;
  }
}

bool isBroadcastElementwise(OpKind k) {
  switch (k) {
  case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Div:
  case OpKind::Max: case OpKind::Min: case OpKind::Sum: case OpKind::Mean:
    return true;
  default:
    return false;
  }
}

/// The NCHW form of blocked `x` with its first `channels` channels: a
/// LayoutTransform, then a Slice when `x` is padded to whole blocks.
Value *unblock(Function &f, Node *pos, Value *x, int64_t block,
               int64_t channels) {
  Value *t = createTransform(f, pos, x, block, 0);
  if (t->type().dim(1).size() == channels)
    return t;
  auto i64 = [&](int64_t v) {
    return createConstant(f, f.find(pos), Tensor::fromVector<int64_t>({v}, {1}));
  };
  return createInferred(f, pos, OpKind::Slice,
                        {t, i64(0), i64(channels), i64(1)}, {})
      ->result();
}

/// If `v` is LayoutTransform(NCHW<b>c -> NCHW) of some value, or a Slice of
/// its first `channels` channels (the blocked value is padded to whole
/// blocks), that blocked value and b.
struct Blocked {
  Value *value = nullptr;
  int64_t block = 0;
  bool padded = false;
};
Blocked blockedSource(Value *v) {
  Node *n = v ? v->producer() : nullptr;
  bool padded = false;
  if (n && n->kind() == OpKind::Slice && n->numOperands() == 4 &&
      n->operand(0)->type().hasStaticShape() && v->type().hasStaticShape()) {
    // Only the form unblock() writes: axes [1], starts [0].
    const Tensor *starts = n->operand(1)->constantValue();
    const Tensor *axes = n->operand(3)->constantValue();
    if (!starts || !axes || starts->numElements() != 1 ||
        axes->numElements() != 1 || starts->elementType() != ElementType::I64 ||
        axes->elementType() != ElementType::I64 ||
        starts->data<int64_t>()[0] != 0 || axes->data<int64_t>()[0] != 1)
      return {};
    padded = true;
    n = n->operand(0)->producer();
  }
  if (!n || n->kind() != OpKind::LayoutTransform)
    return {};
  std::optional<int64_t> src = parseLayoutBlock(n->getString("src_layout"));
  std::optional<int64_t> dst = parseLayoutBlock(n->getString("dst_layout"));
  if (!src || !dst || *src == 0 || *dst != 0 || !n->operand(0)->type().hasStaticShape())
    return {};
  return {n->operand(0), *src, padded};
}

/// Whether padding `channels` to whole vectors of `lanes` uses the lanes
/// clearly better than blocks of `block`, the largest divisor that fits
/// (1000 channels on 16 lanes: 63 blocks of 16 rather than 100 of 10).
bool shouldPad(int64_t channels, int64_t block, int64_t lanes) {
  int64_t padded = (channels + lanes - 1) / lanes * lanes;
  return block < lanes &&
         double(channels) / double(padded) > double(block) / double(lanes) + 0.1;
}

/// Whether every use of `v`, followed through ops that the pass moves into
/// the blocked layout one channel at a time (elementwise, pooling), ends
/// outside it rather than in a convolution or channel Concat. Padded lanes
/// then never mix with real ones, whatever they hold.
bool usesStayLaneLocal(const Value *v, std::set<const Value *> &seen) {
  if (!seen.insert(v).second)
    return true;
  for (const Use &u : v->uses()) {
    const Node *n = u.user;
    switch (n->kind()) {
    case OpKind::Conv:
    case OpKind::Concat:
      return false;
    default:
      break;
    }
    if (n->numResults() == 1 && n->result() &&
        (isUnaryElementwise(n->kind()) || isBroadcastElementwise(n->kind()) ||
         n->kind() == OpKind::Clip || n->kind() == OpKind::MaxPool ||
         n->kind() == OpKind::AveragePool || n->kind() == OpKind::LpPool ||
         n->kind() == OpKind::GlobalAveragePool ||
         n->kind() == OpKind::GlobalMaxPool) &&
        !usesStayLaneLocal(n->result(), seen))
      return false;
  }
  return true;
}

/// Packs Conv weights [M, C/group, KH, KW] into ConvNCHWc's blocked form.
/// Output channels from `w.dim(0)` up to `mPadded` get zero weights.
Tensor packWeights(const Tensor &w, int64_t ib, int64_t ob, bool depthwise,
                   int64_t mPadded) {
  int64_t m = mPadded, c = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  int64_t cBlocks = depthwise ? 1 : c / ib, inner = depthwise ? 1 : ib;
  Tensor packed(ElementType::F32, {m / ob, cBlocks, kh, kw, inner, ob});
  const float *src = w.data<float>();
  float *dst = packed.data<float>();
  int64_t at = 0;
  for (int64_t mb = 0; mb < m / ob; ++mb)
    for (int64_t cb = 0; cb < cBlocks; ++cb)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; ++kx)
          for (int64_t i = 0; i < inner; ++i)
            for (int64_t o = 0; o < ob; ++o)
              dst[at++] =
                  mb * ob + o >= w.dim(0)
                      ? 0.0f
                      : src[(((mb * ob + o) * c + cb * inner + i) * kh + ky) *
                                kw +
                            kx];
  return packed;
}

class LayoutNCHWc : public GraphPass {
public:
  std::string_view name() const override { return "layout-nchwc"; }
  unsigned requirements() const override { return RequiresStaticShapes; }

  bool run(Module &m, const PassConfig &config, PassStats &stats) override {
    lanes_ = std::max(config.vectorBytes / 4, 1);
    bool changed = false;
    for (const auto &fn : m.functions())
      forEachFunction(*fn, [&](Function &f) {
        for (Node *n : snapshot(f))
          if (n->kind() == OpKind::Conv && convertConv(f, *n)) {
            stats.add("convolutions converted");
            changed = true;
          } else if (n->kind() == OpKind::Requantize &&
                     nchwc::convertRequantizedConv(f, *n, lanes_)) {
            // Matched at the chain's end: it erases the ConvInteger and Add
            // before it, which this sweep has passed already.
            stats.add("integer convolutions converted");
            changed = true;
          }
        // Each sweep moves whole chains (new nodes precede their users), so
        // a second sweep only confirms the fixed point.
        for (bool again = true; again;) {
          again = false;
          for (Node *n : snapshot(f)) {
            if (cancelTransform(f, *n)) {
              stats.add("layout transforms cancelled");
              again = true;
            } else if (moveIntoBlocked(f, *n)) {
              stats.add("ops moved into blocked layout");
              again = true;
            }
          }
          changed |= again;
        }
      });
    return changed;
  }

private:
  static std::vector<Node *> snapshot(Function &f) {
    std::vector<Node *> nodes;
    for (auto &n : f.nodes())
      nodes.push_back(n.get());
    return nodes;
  }

  bool convertConv(Function &f, Node &conv);
  bool cancelTransform(Function &f, Node &n);
  bool moveIntoBlocked(Function &f, Node &n);
  Value *blockedOperand(Function &f, Node &n, Value *v, const Blocked &first,
                        const TensorType &plain);
  Node *blockedPool(Function &f, Node &n, Value *x);

  int64_t lanes_ = 8;
};

bool LayoutNCHWc::convertConv(Function &f, Node &conv) {
  Value *x = conv.operand(0), *w = conv.operand(1);
  Value *bias = conv.hasOperand(2) ? conv.operand(2) : nullptr;
  const Tensor *wt = w->constantValue();
  if (!isStaticF32(x->type(), 4) || !isStaticF32(conv.result()->type(), 4) ||
      !wt || wt->elementType() != ElementType::F32 || wt->rank() != 4 ||
      (bias && !bias->constantValue()))
    return false;
  int64_t c = x->type().dim(1).size(), mOut = wt->dim(0);
  int64_t group = conv.getInt("group");
  bool depthwise = group != 1 && group == c && group == mOut && wt->dim(1) == 1;
  if (group < 1 || c % group != 0 || mOut % group != 0 ||
      wt->dim(1) != c / group)
    return false;
  std::vector<int64_t> kernel = {wt->dim(2), wt->dim(3)};
  WindowParams p;
  std::vector<int64_t> pads;
  try {
    const std::vector<int64_t> &ks = conv.getInts("kernel_shape");
    if (!ks.empty() && ks != kernel)
      return false;
    p = readWindowParams(conv, kernel);
    pads = resolvePads(p, {x->type().dim(2).size(), x->type().dim(3).size()});
  } catch (const Error &) {
    return false;
  }
  // Blocks of a grouped conv divide each group's channels, so an output
  // block reads whole input blocks of its own group only.
  int64_t ib = channelBlock(c / group, lanes_),
          ob = channelBlock(mOut / group, lanes_);
  if (depthwise) {
    ib = ob = channelBlock(c, lanes_);
  } else if (group != 1 && ob < std::min<int64_t>(4, lanes_)) {
    // Vectors of 1-3 lanes: left to the plain Conv lowering.
    return false;
  }
  // Channels padded to whole vectors; the padded lanes get zero weights and
  // bias and are sliced off where the blocked region ends.
  int64_t mPadded = mOut;
  std::set<const Value *> seen;
  if (group == 1 && shouldPad(mOut, ob, lanes_) &&
      usesStayLaneLocal(conv.result(), seen)) {
    mPadded = (mOut + lanes_ - 1) / lanes_ * lanes_;
    ob = lanes_;
  }
  Value *packed = createConstant(f, f.find(&conv),
                                 packWeights(*wt, ib, ob, depthwise, mPadded));
  if (bias && mPadded != mOut) {
    const Tensor &bt = *bias->constantValue();
    if (bt.elementType() != ElementType::F32 || bt.numElements() != mOut)
      return false;
    Tensor padded(ElementType::F32, {mPadded});
    std::fill_n(padded.data<float>(), mPadded, 0.0f);
    std::copy_n(bt.data<float>(), mOut, padded.data<float>());
    bias = createConstant(f, f.find(&conv), padded);
  }
  Value *in = createTransform(f, &conv, x, 0, ib);
  Node *blocked = createInferred(
      f, &conv, OpKind::ConvNCHWc, {in, packed, bias},
      {{"strides", p.strides},
       {"dilations", p.dilations},
       {"pads", std::vector<int64_t>{pads[0], pads[1], pads[2], pads[3]}},
       {"group", group}},
      conv.name());
  Value *out = unblock(f, &conv, blocked->result(), ob, mOut);
  replaceNode(f, conv, {out});
  return true;
}

bool LayoutNCHWc::cancelTransform(Function &f, Node &n) {
  if (n.kind() != OpKind::LayoutTransform ||
      n.getString("src_layout") != "NCHW")
    return false;
  std::optional<int64_t> dst = parseLayoutBlock(n.getString("dst_layout"));
  Blocked b = blockedSource(n.operand(0));
  if (!b.value || b.padded || !dst || *dst == 0)
    return false;
  Value *v = b.block == *dst ? b.value
                             : createTransform(f, &n, b.value, b.block, *dst);
  replaceNode(f, n, {v});
  return true;
}

/// Whether `t` holds one element (broadcasts the same in any layout).
bool isScalarConstant(const Value *v) {
  const Tensor *t = v->constantValue();
  return t && t->numElements() == 1 && t->rank() <= 4;
}

/// A constant of shape [C,1,1] or [1,C,1,1] for `plain`'s C channels, or null.
const Tensor *perChannelConstant(const Value *v, const TensorType &plain) {
  const Tensor *t = v->constantValue();
  int64_t c = plain.dim(1).size();
  if (!t || t->elementType() != plain.elementType())
    return nullptr;
  const std::vector<int64_t> &s = t->shape();
  if (s == std::vector<int64_t>{c, 1, 1} ||
      s == std::vector<int64_t>{1, c, 1, 1})
    return t;
  return nullptr;
}

/// Whether elementwise operand `v` has a blocked form next to blocked
/// operand `first` of NCHW type `plain`: a blocked value of the same type
/// and padding, a scalar constant, or a per-channel constant.
bool canBlockOperand(Value *v, const Blocked &first, const TensorType &plain) {
  Blocked b = blockedSource(v);
  if (b.value)
    return b.block == first.block && v->type() == plain &&
           b.value->type() == first.value->type();
  return isScalarConstant(v) || perChannelConstant(v, plain);
}

/// The blocked form of an operand accepted by canBlockOperand; a per-channel
/// constant is repacked as [1, C/b, 1, 1, b] (zeros in padded lanes).
Value *LayoutNCHWc::blockedOperand(Function &f, Node &n, Value *v,
                                   const Blocked &first,
                                   const TensorType &plain) {
  if (Blocked b = blockedSource(v); b.value)
    return b.value;
  if (isScalarConstant(v))
    return v;
  const Tensor *t = perChannelConstant(v, plain);
  int64_t c = plain.dim(1).size(), block = first.block;
  int64_t blocks = first.value->type().dim(1).size();
  // Channel ch = cb * block + i keeps its offset: a reshape suffices.
  if (blocks * block == c)
    return createConstant(f, f.find(&n),
                          t->reshaped({1, c / block, 1, 1, block}));
  Tensor padded(t->elementType(), {1, blocks, 1, 1, block});
  std::fill_n(padded.data<float>(), blocks * block, 0.0f);
  std::copy_n(t->data<float>(), c, padded.data<float>());
  return createConstant(f, f.find(&n), padded);
}

Node *LayoutNCHWc::blockedPool(Function &f, Node &n, Value *x) {
  // A 2-D window over [H, W] becomes a 3-D one over [H, W, b] that is 1 wide
  // in the lane dim.
  std::map<std::string, Attribute> attrs = n.attrs();
  auto extend = [&](const char *key, size_t perSide, int64_t fill) {
    if (!n.hasAttr(key))
      return;
    std::vector<int64_t> v = n.getInts(key), out;
    for (size_t side = 0; side < v.size() / perSide; ++side) {
      out.insert(out.end(), v.begin() + side * perSide,
                 v.begin() + (side + 1) * perSide);
      out.push_back(fill);
    }
    attrs[key] = out;
  };
  extend("kernel_shape", 2, 1);
  extend("strides", 2, 1);
  extend("dilations", 2, 1);
  extend("pads", 2, 0);
  return createInferred(f, &n, n.kind(), {x}, attrs, n.name());
}

bool LayoutNCHWc::moveIntoBlocked(Function &f, Node &n) {
  OpKind k = n.kind();
  if (n.numResults() == 0 || n.numOperands() == 0)
    return false;
  // Extra results (MaxPool's indices) would depend on the layout.
  for (size_t i = 1; i < n.numResults(); ++i)
    if (n.result(i) && isUsed(*n.result(i)))
      return false;
  bool broadcast = isBroadcastElementwise(k);
  // The operand whose layout the op adopts: operand 0, or for broadcasting
  // ops the first blocked one.
  Blocked first;
  TensorType plain;
  for (Value *v : n.operands()) {
    first = blockedSource(v);
    if (first.value) {
      plain = v->type();
      break;
    }
    if (!broadcast)
      return false;
  }
  bool integer = first.value &&
                 nchwc::movesIntegerIntoBlocked(n, plain, first.padded);
  if (!first.value || !(isStaticF32(plain, 4) ||
                         nchwc::moves8BitIntoBlocked(k, plain) || integer))
    return false;
  Node *moved = nullptr;
  if (integer && (moved = nchwc::createBlockedInteger(f, n, first.value))) {
    // Cast, Requantize, reductions (LayoutNCHWcInt8.cpp).
  } else if (isUnaryElementwise(k)) {
    moved = createInferred(f, &n, k, {first.value}, n.attrs(), n.name());
  } else if (k == OpKind::Clip) {
    for (size_t i = 1; i < n.numOperands(); ++i)
      if (n.operand(i) && !isScalarConstant(n.operand(i)))
        return false;
    std::vector<Value *> ops = n.operands();
    ops[0] = first.value;
    moved = createInferred(f, &n, k, ops, n.attrs(), n.name());
  } else if (broadcast) {
    // The result must keep the blocked operand's shape (no broadcast growth).
    if (n.result()->type() != plain)
      return false;
    for (Value *v : n.operands())
      if (!v || !canBlockOperand(v, first, plain))
        return false;
    std::vector<Value *> ops;
    for (Value *v : n.operands())
      ops.push_back(blockedOperand(f, n, v, first, plain));
    moved = createInferred(f, &n, k, ops, n.attrs(), n.name());
  } else if (k == OpKind::MaxPool || k == OpKind::AveragePool ||
             k == OpKind::LpPool) {
    if (n.getInts("kernel_shape").size() != 2)
      return false;
    moved = blockedPool(f, n, first.value);
  } else if (k == OpKind::Concat) {
    // Along channels, blocked inputs of one block size concatenate as
    // blocks (a SqueezeNet fire module's expand branches).
    int64_t axis = n.getInt("axis");
    if (axis != 1 && axis != -3)
      return false;
    std::vector<Value *> ops;
    for (Value *v : n.operands()) {
      Blocked b = v ? blockedSource(v) : Blocked();
      if (!b.value || b.padded || b.block != first.block ||
          v->type().elementType() != plain.elementType() ||
          !v->type().hasStaticShape())
        return false;
      ops.push_back(b.value);
    }
    moved = createInferred(f, &n, k, ops, {{"axis", int64_t(1)}}, n.name());
  } else if (k == OpKind::GlobalAveragePool || k == OpKind::GlobalMaxPool) {
    Value *axes = createConstant(f, f.find(&n),
                                 Tensor::fromVector<int64_t>({2, 3}, {2}));
    moved = createInferred(f, &n,
                           k == OpKind::GlobalAveragePool ? OpKind::ReduceMean
                                                          : OpKind::ReduceMax,
                           {first.value, axes}, {{"keepdims", int64_t(1)}},
                           n.name());
  } else {
    return false;
  }
  Value *out = unblock(f, &n, moved->result(), first.block,
                       n.result()->type().dim(1).size());
  replaceNode(f, n, {out});
  return true;
}

static RegisterPass<Module, LayoutNCHWc>
    reg("layout-nchwc",
        "run 2-D convolutions in the NCHW<b>c layout and move layout-agnostic "
        "consumers into it");

} // namespace
} // namespace kiln
