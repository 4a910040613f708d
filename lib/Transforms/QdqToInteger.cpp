//===- QdqToInteger.cpp - quantized patterns to integer-only ops ----------===//
// The "qdq-to-integer" pass: DequantizeLinear -> float op -> QuantizeLinear
// patterns, QLinearConv and QLinearMatMul become ConvInteger/MatMulInteger,
// i32 bias Add and Requantize, so no float remains on the quantized run path.
//===----------------------------------------------------------------------===//
//
// docs/quantization.md ("QDQ rewrite") describes every pattern, its
// conditions and how exact it is. Nothing is mutated until a pattern has
// matched completely and all its constants have been computed, so a
// pattern that does not fire leaves the graph untouched.

#include "QdqToIntegerPool.h"

#include "kiln/IR/Module.h"
#include "kiln/Support/Error.h"
#include "kiln/Support/FixedPoint.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace kiln {
namespace {

bool isQuant8(ElementType e) {
  return e == ElementType::I8 || e == ElementType::U8;
}

int64_t typeMin(ElementType e) { return e == ElementType::U8 ? 0 : -128; }
int64_t typeMax(ElementType e) { return e == ElementType::U8 ? 255 : 127; }

/// Whether `v` feeds exactly one operand and is not a function output: an
/// intermediate float value the rewrite may drop.
bool singleUse(const Value *v) {
  return v->uses().size() == 1 && !isFunctionOutput(*v);
}

/// A name for what a rewrite of `n` creates: the node's name, else its
/// result's.
std::string baseName(const Node &n) {
  return n.name().empty() ? n.result(0)->name() : n.name();
}

/// Constant scale and zero point of a QuantizeLinear/DequantizeLinear (or an
/// operand pair of QLinearConv/QLinearMatMul): per tensor (one entry) or per
/// slice along `axis` of the quantized tensor.
struct QParams {
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints; // as many as scales
  ElementType type = ElementType::U8;
  int64_t axis = -1; // normalized; -1 when per tensor

  bool perTensor() const { return scales.size() == 1; }
  float scale(size_t c = 0) const { return scales[perTensor() ? 0 : c]; }
  int64_t zeroPoint(size_t c = 0) const {
    return zeroPoints[perTensor() ? 0 : c];
  }
  bool operator==(const QParams &o) const {
    return scales == o.scales && zeroPoints == o.zeroPoints && type == o.type &&
           axis == o.axis;
  }
};

/// Reads constant parameters: scale operand `si` (float, every value finite
/// and positive) and optional zero point `zi` of 8-bit type `type`, for data
/// of type `data` with the op's `axisAttr`. Nothing if not constant or not
/// of a supported form.
std::optional<QParams> readParams(const Node &n, size_t si, size_t zi,
                                  ElementType type, const TensorType &data,
                                  int64_t axisAttr) {
  if (!isQuant8(type) || !n.hasOperand(si))
    return std::nullopt;
  const Tensor *s = n.operand(si)->constantValue();
  if (!s || !isFloat(s->elementType()) || s->rank() > 1 || s->numElements() < 1)
    return std::nullopt;
  QParams p;
  p.type = type;
  for (int64_t i = 0; i < s->numElements(); ++i) {
    float v = float(s->getDouble(i));
    if (!std::isfinite(v) || !(v > 0))
      return std::nullopt;
    p.scales.push_back(v);
  }
  if (n.hasOperand(zi)) {
    const Tensor *z = n.operand(zi)->constantValue();
    if (!z || z->elementType() != type || z->rank() > 1 ||
        z->numElements() != s->numElements())
      return std::nullopt;
    p.zeroPoints = z->toIntVector();
  } else {
    p.zeroPoints.assign(p.scales.size(), 0);
  }
  if (p.scales.size() > 1) {
    if (!data.isRanked())
      return std::nullopt;
    int64_t rank = int64_t(data.rank());
    int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (axis < 0 || axis >= rank)
      return std::nullopt;
    const Dim &d = data.dim(size_t(axis));
    if (!d.isStatic() || d.size() != int64_t(p.scales.size()))
      return std::nullopt;
    p.axis = axis;
  }
  return p;
}

/// A QuantizeLinear's parameters (its result's 8-bit type).
std::optional<QParams> quantizeParams(const Node &q) {
  if (q.kind() != OpKind::QuantizeLinear)
    return std::nullopt;
  return readParams(q, 1, 2, q.result(0)->type().elementType(),
                    q.operand(0)->type(), q.getInt("axis"));
}

/// A DequantizeLinear's parameters (its 8-bit input's type).
std::optional<QParams> dequantizeParams(const Node &dq) {
  if (dq.kind() != OpKind::DequantizeLinear ||
      dq.result(0)->type().elementType() != ElementType::F32)
    return std::nullopt;
  const TensorType &x = dq.operand(0)->type();
  return readParams(dq, 1, 2, x.elementType(), x, dq.getInt("axis"));
}

/// ONNX QuantizeLinear of one f32 value: round_half_to_even(v / scale) + zp
/// in float, saturated to the type's range.
int64_t quantizeFloat(float v, float scale, int64_t zp, ElementType type) {
  float scaled = v / scale;
  double r = std::nearbyint(double(scaled)) + double(zp);
  return int64_t(std::clamp(r, double(typeMin(type)), double(typeMax(type))));
}

/// Ops that move or select 8-bit values without computing new ones: on a
/// per-tensor quantized tensor they commute with DequantizeLinear exactly
/// (MaxPool and Relu because dequantization with a positive scale is
/// monotonic; Relu becomes Max(q, zero point)).
bool isPassThrough(const Node &n) {
  switch (n.kind()) {
  case OpKind::Relu:
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Transpose:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Identity:
    return n.numResults() == 1;
  case OpKind::MaxPool:
    // The Indices result must be absent or unused.
    return n.numResults() == 1 || !isUsed(*n.result(1));
  default:
    return false;
  }
}

/// A float value that is DequantizeLinear(q) followed by pass-through ops:
/// `chain` lists them from the DQ on (each intermediate result used once).
struct Dequantized {
  Node *dq = nullptr;
  Value *q = nullptr;
  QParams params;
  std::vector<Node *> chain;
};

/// Matches `v` as a per-tensor dequantized 8-bit value, looking through
/// pass-through ops when `throughOps`.
std::optional<Dequantized> matchDequantized(Value *v, bool throughOps = true) {
  std::vector<Node *> chain;
  Node *n = v->producer();
  while (throughOps && n && isPassThrough(*n) && n->numOperands() >= 1 &&
         n->operand(0)->type().elementType() == ElementType::F32 &&
         singleUse(n->result(0))) {
    chain.push_back(n);
    n = n->operand(0)->producer();
  }
  if (!n || n->kind() != OpKind::DequantizeLinear)
    return std::nullopt;
  auto params = dequantizeParams(*n);
  if (!params || !params->perTensor())
    return std::nullopt;
  std::reverse(chain.begin(), chain.end());
  return Dequantized{n, n->operand(0), *params, chain};
}

/// A constant 8-bit tensor dequantized by a DequantizeLinear: a weight.
struct Weight {
  Node *dq = nullptr;
  const Tensor *value = nullptr;
  QParams params;
};

std::optional<Weight> matchWeight(Value *v) {
  Node *n = v->producer();
  if (!n || n->kind() != OpKind::DequantizeLinear)
    return std::nullopt;
  const Tensor *w = n->operand(0)->constantValue();
  auto params = dequantizeParams(*n);
  if (!w || !params)
    return std::nullopt;
  return Weight{n, w, *params};
}

/// Values of a constant float operand, or of DequantizeLinear(constant),
/// evaluated as ONNX does (in float).
std::optional<std::vector<double>> floatConstantValues(const Value *v) {
  if (const Tensor *t = v->constantValue()) {
    if (t->elementType() != ElementType::F32)
      return std::nullopt;
    return t->toDoubleVector();
  }
  Node *n = v->producer();
  if (!n || n->kind() != OpKind::DequantizeLinear)
    return std::nullopt;
  const Tensor *t = n->operand(0)->constantValue();
  if (!t || n->result(0)->type().elementType() != ElementType::F32)
    return std::nullopt;
  ElementType e = t->elementType();
  if (!isQuant8(e) && e != ElementType::I32)
    return std::nullopt;
  const Tensor *s = n->operand(1)->constantValue();
  const Tensor *z = n->hasOperand(2) ? n->operand(2)->constantValue() : nullptr;
  if (!s || !isFloat(s->elementType()) || (n->hasOperand(2) && !z))
    return std::nullopt;
  // Per tensor or along the only axis of a 1-D tensor (a bias).
  int64_t count = s->numElements();
  if (count != 1 && (t->rank() != 1 || t->dim(0) != count))
    return std::nullopt;
  if (z && z->numElements() != count)
    return std::nullopt;
  std::vector<double> out;
  for (int64_t i = 0; i < t->numElements(); ++i) {
    int64_t c = count == 1 ? 0 : i;
    float shifted = float(t->getInt(i) - (z ? z->getInt(c) : 0));
    out.push_back(double(shifted * float(s->getDouble(c))));
  }
  return out;
}

/// The per-channel values of a float constant `vals` of shape `shape` that
/// broadcasts against a result of rank `rank` along `axis` only.
std::optional<std::vector<double>>
channelValues(const std::vector<double> &vals,
              const std::vector<int64_t> &shape, size_t rank, size_t axis,
              int64_t channels) {
  if (shape.size() > rank)
    return std::nullopt;
  size_t offset = rank - shape.size();
  bool perChannel = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i + offset == axis && shape[i] == channels)
      perChannel = true;
    else if (shape[i] != 1)
      return std::nullopt;
  }
  std::vector<double> out(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    out[size_t(c)] = vals[perChannel ? size_t(c) : 0];
  for (double d : out)
    if (!std::isfinite(d))
      return std::nullopt;
  return out;
}

/// The shape of a float constant or of the tensor a DequantizeLinear reads.
std::vector<int64_t> constantShape(const Value *v) {
  if (const Tensor *t = v->constantValue())
    return t->shape();
  return v->producer()->operand(0)->constantValue()->shape();
}

/// The integer clamp [qmin, qmax] a fused Relu/Clip imposes on the output of
/// a QuantizeLinear with `out` parameters: Q is monotonic, so
/// Q(clamp(v, lo, hi)) == clamp(Q(v), Q(lo), Q(hi)) exactly.
struct Clamp {
  int64_t qmin, qmax;
};

std::optional<Clamp> activationClamp(const Node &act, const QParams &out) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (act.kind() == OpKind::Relu) {
    lo = 0;
  } else if (act.kind() == OpKind::Clip) {
    for (size_t i = 1; i < 3; ++i) {
      if (!act.hasOperand(i))
        continue;
      const Tensor *b = act.operand(i)->constantValue();
      if (!b || b->elementType() != ElementType::F32 || b->numElements() != 1)
        return std::nullopt;
      (i == 1 ? lo : hi) = float(b->getDouble(0));
    }
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  float s = out.scale();
  int64_t zp = out.zeroPoint();
  return Clamp{quantizeFloat(lo, s, zp, out.type),
               quantizeFloat(hi, s, zp, out.type)};
}

/// Requantization parameters of one output: multiplier/shift per channel
/// (or one for all) and the output's zero point, type and clamp.
struct Requant {
  std::vector<FixedPointMultiplier> multipliers;
  int64_t axis = 1;
  int64_t zeroPoint = 0;
  ElementType type = ElementType::I8;
  int64_t qmin = -128, qmax = 127;
};

/// Fixed-point multipliers for real scales; nothing if one is not finite
/// and positive. A scale above kMaxRequantScale (2^30 - 1) is clamped to it,
/// which is exact: any nonzero i32 accumulator times either scale is beyond
/// every 8-bit range and saturates to the same end, and 0 stays 0. (Tiny
/// scales need no rule: below 2^-32 quantizeMultiplier gives the exact 0.)
std::optional<std::vector<FixedPointMultiplier>>
fixedPointMultipliers(const std::vector<double> &scales) {
  std::vector<FixedPointMultiplier> out;
  for (double s : scales) {
    if (!std::isfinite(s) || !(s > 0))
      return std::nullopt;
    out.push_back(quantizeMultiplier(std::min(s, kMaxRequantScale)));
  }
  bool same = std::all_of(out.begin(), out.end(), [&](const auto &m) {
    return m.multiplier == out[0].multiplier && m.shift == out[0].shift;
  });
  if (same)
    out.resize(1);
  return out;
}

/// The replacement of an anchor's result: a value created by the rewrite
/// (which takes the anchor's name) or an existing one.
struct Built {
  Built(Value *v, bool fresh = true) : value(v), fresh(fresh) {}
  Value *value;
  bool fresh;
};

/// A pending rewrite of an anchor (a QuantizeLinear or QLinear op): builds
/// the integer replacement before the anchor, once everything has been
/// checked; empty when the pattern does not match.
using Builder = std::function<Built(Function &, Function::NodeList::iterator)>;

class QdqToInteger : public FunctionPass {
public:
  std::string_view name() const override { return "qdq-to-integer"; }

private:
  bool runOn(Function &f, const PassConfig &, PassStats &stats) override {
    bool changed = false;
    // Nodes are in topological order and a rewrite only creates nodes
    // before its anchor and erases the anchor and nodes above it, so the
    // next node stays valid, and a rewrite's integer result is seen by the
    // patterns below it in the same sweep.
    for (auto it = f.nodes().begin(); it != f.nodes().end();) {
      Node &n = **it;
      ++it;
      changed |= tryRewrite(f, n, stats);
    }
    return changed;
  }

  bool tryRewrite(Function &f, Node &n, PassStats &stats) {
    const char *counter = nullptr;
    Builder build;
    switch (n.kind()) {
    case OpKind::QuantizeLinear:
      build = matchQuantize(n, counter);
      break;
    case OpKind::QLinearConv:
      build = matchQLinearConv(n);
      counter = "QLinearConv rewritten";
      break;
    case OpKind::QLinearMatMul:
      build = matchQLinearMatMul(n);
      counter = "QLinearMatMul rewritten";
      break;
    default:
      return false;
    }
    if (!build)
      return false;
    Value *old = n.result(0);
    Built repl = build(f, f.find(&n));
    if (repl.fresh) {
      replaceKeepingName(f, old, repl.value);
    } else {
      f.replaceAllUsesWith(old, repl.value);
      eraseDead(f, &n);
    }
    stats.add(counter);
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Graph edits
  //===--------------------------------------------------------------------===//

  /// Replaces every use of `old` (the single result of its node) by `repl`
  /// (the single result of a node created for it), which takes `old`'s name,
  /// and erases what became dead upstream of `old`.
  static void replaceKeepingName(Function &f, Value *old, Value *repl) {
    Node *oldNode = old->producer();
    Node *tmp = repl->producer();
    std::string name = old->name();
    f.replaceAllUsesWith(old, repl);
    eraseDead(f, oldNode);
    // Recreate the final node under the freed name.
    Node *named =
        f.createNodeBefore(std::next(f.find(tmp)), tmp->kind(), tmp->operands(),
                           {repl->type()}, tmp->name(), {name});
    for (const auto &[attr, value] : tmp->attrs())
      named->setAttr(attr, value);
    f.replaceAllUsesWith(repl, named->result(0));
    f.eraseNode(tmp);
  }

  /// Erases `n` if its results are unused, then its operands' producers in
  /// this function that became unused (the float nodes a rewrite replaced).
  static void eraseDead(Function &f, Node *start) {
    std::vector<Node *> work = {start};
    while (!work.empty()) {
      Node *n = work.back();
      work.pop_back();
      // Skip nodes of other functions and nodes already erased (looked up
      // by address only: an erased node must not be dereferenced).
      if (f.find(n) == f.nodes().end())
        continue;
      bool dead = true;
      for (Value *r : n->results())
        dead &= !(r && isUsed(*r));
      if (!dead)
        continue;
      for (Value *v : n->operands())
        if (v && v->producer())
          work.push_back(v->producer());
      f.eraseNode(n);
    }
  }

  static Value *constant(Function &f, Function::NodeList::iterator pos,
                         Tensor t, const std::string &hint) {
    return createConstant(f, pos, std::move(t), hint);
  }

  /// Re-creates the pass-through chain of `d` on its 8-bit value (same
  /// operands otherwise, results of the 8-bit type).
  static Value *cloneChain(Function &f, Function::NodeList::iterator pos,
                           const Dequantized &d) {
    Value *q = d.q;
    for (Node *c : d.chain) {
      if (c->kind() == OpKind::Relu) {
        // max(DQ(q), 0) = DQ(max(q, zero point)); a no-op at the type's
        // minimum.
        int64_t zp = d.params.zeroPoint();
        if (zp == typeMin(d.params.type))
          continue;
        Tensor z(d.params.type, {});
        z.setInt(0, zp);
        Value *zc =
            constant(f, pos, std::move(z), baseName(*c) + ".zero_point");
        TensorType t = q->type();
        q = f.createNodeBefore(pos, OpKind::Max, {q, zc}, {t}, c->name(),
                               {c->result(0)->name() + ".q"})
                ->result(0);
        continue;
      }
      std::vector<Value *> ops = c->operands();
      ops[0] = q;
      TensorType t = c->result(0)->type();
      t.setElementType(q->type().elementType());
      t.setQuant(std::nullopt);
      std::vector<TensorType> types = {t};
      if (c->numResults() > 1) // MaxPool's unused Indices: dropped
        ops.resize(1);
      Node *clone = f.createNodeBefore(pos, c->kind(), ops, types, c->name(),
                                       {c->result(0)->name() + ".q"});
      for (const auto &[attr, value] : c->attrs())
        clone->setAttr(attr, value);
      q = clone->result(0);
    }
    return q;
  }

  static Value *zeroPointConstant(Function &f, Function::NodeList::iterator pos,
                                  const QParams &p, const std::string &hint) {
    bool allZero = std::all_of(p.zeroPoints.begin(), p.zeroPoints.end(),
                               [](int64_t z) { return z == 0; });
    if (allZero)
      return nullptr;
    Tensor t(p.type, p.perTensor()
                         ? std::vector<int64_t>{}
                         : std::vector<int64_t>{int64_t(p.zeroPoints.size())});
    for (size_t i = 0; i < p.zeroPoints.size(); ++i)
      t.setInt(int64_t(i), p.zeroPoints[i]);
    return constant(f, pos, std::move(t), hint);
  }

  /// MatMulInteger(a, b[, a's zero point[, b's]]) before pos, typed like
  /// `like`'s result in i32 (zero points that are all 0 are left out).
  static Value *matMulInteger(Function &f, Function::NodeList::iterator pos,
                              Value *a, Value *b, const QParams &ap,
                              const QParams &bp, const Node &like) {
    std::vector<Value *> ops = {a, b};
    Value *azp = zeroPointConstant(f, pos, ap, "a_zero_point");
    Value *bzp = zeroPointConstant(f, pos, bp, "b_zero_point");
    if (azp || bzp)
      ops.push_back(azp);
    if (bzp)
      ops.push_back(bzp);
    TensorType accT = like.result(0)->type();
    accT.setElementType(ElementType::I32);
    accT.setQuant(std::nullopt);
    return f
        .createNodeBefore(pos, OpKind::MatMulInteger, ops, {accT},
                          baseName(like), {like.result(0)->name() + ".acc"})
        ->result(0);
  }

  /// Requantize(acc) with `r`'s parameters, typed like acc with r's type.
  static Value *requantize(Function &f, Function::NodeList::iterator pos,
                           Value *acc, const Requant &r,
                           const std::string &name) {
    std::vector<int32_t> mult, shift;
    for (const auto &m : r.multipliers) {
      mult.push_back(m.multiplier);
      shift.push_back(m.shift);
    }
    std::vector<int64_t> shape;
    if (mult.size() > 1)
      shape.push_back(int64_t(mult.size()));
    Tensor st(ElementType::I8, shape);
    for (size_t i = 0; i < shift.size(); ++i)
      st.setInt(int64_t(i), shift[i]);
    Value *m = constant(f, pos, Tensor::fromVector<int32_t>(mult, shape),
                        name + ".multiplier");
    Value *s = constant(f, pos, std::move(st), name + ".shift");
    TensorType t = acc->type();
    t.setElementType(r.type);
    Node *n =
        f.createNodeBefore(pos, OpKind::Requantize, {acc, m, s}, {t}, name);
    if (mult.size() > 1)
      n->setAttr("axis", Attribute(r.axis));
    if (r.zeroPoint != 0)
      n->setAttr("zero_point", Attribute(r.zeroPoint));
    n->setAttr("output_type", Attribute(std::string(toString(r.type))));
    if (r.qmin != typeMin(r.type))
      n->setAttr("min", Attribute(r.qmin));
    if (r.qmax != typeMax(r.type))
      n->setAttr("max", Attribute(r.qmax));
    return n->result(0);
  }

  /// acc + bias, the i32 bias shaped to broadcast along `axis` of acc.
  static Value *addBias(Function &f, Function::NodeList::iterator pos,
                        Value *acc, const std::vector<int32_t> &bias,
                        size_t axis, const std::string &name) {
    if (std::all_of(bias.begin(), bias.end(), [](int32_t b) { return b == 0; }))
      return acc;
    size_t rank = acc->type().rank();
    std::vector<int64_t> shape(rank - axis, 1);
    shape[0] = int64_t(bias.size());
    if (rank - axis == 1)
      shape = {int64_t(bias.size())};
    Value *b = constant(f, pos, Tensor::fromVector<int32_t>(bias, shape),
                        name + ".bias");
    return f
        .createNodeBefore(pos, OpKind::Add, {acc, b}, {acc->type()},
                          name + ".bias_add")
        ->result(0);
  }

  //===--------------------------------------------------------------------===//
  // QDQ patterns, anchored at a QuantizeLinear
  //===--------------------------------------------------------------------===//

  /// The per-tensor output side: Q's parameters and an optional fused
  /// activation between the float op and Q.
  struct Output {
    QParams params;
    Clamp clamp;
    Value *opResult = nullptr; // the float op's result (Relu/Clip's input)
  };

  static std::optional<Output> matchOutput(Node &q) {
    auto params = quantizeParams(q);
    Value *v = q.operand(0);
    if (!params || !params->perTensor() ||
        v->type().elementType() != ElementType::F32 || !singleUse(v) ||
        !v->producer())
      return std::nullopt;
    Output o{*params, {typeMin(params->type), typeMax(params->type)}, v};
    Node *p = v->producer();
    if (p->parent() != q.parent())
      return std::nullopt;
    if (p->kind() == OpKind::Relu || p->kind() == OpKind::Clip) {
      auto c = activationClamp(*p, *params);
      Value *in = p->operand(0);
      if (!c || !singleUse(in) || !in->producer() ||
          in->producer()->parent() != q.parent())
        return std::nullopt;
      o.clamp = *c;
      o.opResult = in;
    }
    return o;
  }

  Builder matchQuantize(Node &q, const char *&counter) {
    // Q(pass-through ops(DQ(x))) with equal parameters: the ops on x.
    if (auto pq = quantizeParams(q); pq && pq->perTensor()) {
      auto d = matchDequantized(q.operand(0));
      if (d && d->params == *pq) {
        counter = d->chain.empty() ? "Q(DQ) pairs removed"
                                   : "pass-through chains moved to 8 bits";
        bool output = isFunctionOutput(*q.result(0));
        return [d, output](Function &f,
                           Function::NodeList::iterator pos) -> Built {
          Value *v = cloneChain(f, pos, *d);
          if (v != d->q)
            return v;
          // Q(DQ(x)) is x; an output keeps its name through an Identity.
          if (!output)
            return Built(d->q, false);
          return f
              .createNodeBefore(pos, OpKind::Identity, {d->q}, {d->q->type()})
              ->result(0);
        };
      }
      if (Builder b = matchConcat(q, *pq)) {
        counter = "Concat moved to 8 bits";
        return b;
      }
    }
    auto out = matchOutput(q);
    if (!out)
      return nullptr;
    Node &op = *out->opResult->producer();
    if (op.numResults() != 1 ||
        op.result(0)->type().elementType() != ElementType::F32)
      return nullptr;
    switch (op.kind()) {
    case OpKind::Conv:
      counter = "Conv rewritten";
      return matchConv(op, nullptr, *out);
    case OpKind::MatMul:
      counter = "MatMul rewritten";
      if (Builder b = matchMatMul(op, nullptr, *out))
        return b;
      return matchActivationMatMul(op, *out);
    case OpKind::Gemm:
      counter = "Gemm rewritten";
      return matchGemm(op, *out);
    case OpKind::Add: {
      // Conv/MatMul + constant bias, or an Add of two quantized values.
      for (size_t i = 0; i < 2; ++i) {
        Value *u = op.operand(i);
        Node *p = u->producer();
        if (!p || !singleUse(u) || !floatConstantValues(op.operand(1 - i)))
          continue;
        if (p->kind() == OpKind::Conv && !p->hasOperand(2)) {
          counter = "Conv rewritten";
          return matchConv(*p, op.operand(1 - i), *out);
        }
        if (p->kind() == OpKind::MatMul) {
          counter = "MatMul rewritten";
          return matchMatMul(*p, op.operand(1 - i), *out);
        }
      }
      counter = "Add rewritten";
      return matchAdd(op, *out);
    }
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool: {
      counter = "AveragePool rewritten";
      return matchAveragePool(op, *out);
    }
    default:
      return nullptr;
    }
  }

  /// Q(Concat(DQ(a), DQ(b), ...)) with per-tensor parameters throughout:
  /// Concat only moves values, so it commutes with DequantizeLinear and
  /// runs on the 8-bit values, exactly where an input has Q's parameters.
  /// An input quantized otherwise (SqueezeNet's fire modules concatenate
  /// two convolutions' outputs) is first requantized to them, Cast to i32,
  /// minus its zero point, Requantize by its scale over Q's: within one
  /// quantum of Q(DQ(x)), as the other rewrites (ONNX Runtime's
  /// QLinearConcat does the same).
  static Builder matchConcat(Node &q, const QParams &pq) {
    Value *v = q.operand(0);
    Node *cat = v->producer();
    if (!cat || cat->kind() != OpKind::Concat || cat->numResults() != 1 ||
        cat->numOperands() == 0 || cat->parent() != q.parent() ||
        v->type().elementType() != ElementType::F32 || !singleUse(v))
      return nullptr;
    std::vector<Dequantized> inputs;
    std::vector<std::optional<Requant>> rescale;
    Output same{pq, {typeMin(pq.type), typeMax(pq.type)}, nullptr};
    for (size_t i = 0; i < cat->numOperands(); ++i) {
      if (!cat->hasOperand(i))
        return nullptr;
      auto d = matchDequantized(cat->operand(i));
      if (!d || !d->params.perTensor())
        return nullptr;
      inputs.push_back(*d);
      if (d->params == pq) {
        rescale.push_back(std::nullopt);
        continue;
      }
      auto r =
          requantFor({double(d->params.scale()) / double(pq.scale())}, same, 1);
      if (!r)
        return nullptr;
      rescale.push_back(r);
    }
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      std::vector<Value *> ops;
      for (size_t i = 0; i < inputs.size(); ++i) {
        Value *x = cloneChain(f, pos, inputs[i]);
        if (rescale[i]) {
          std::string name = baseName(*cat) + ".in" + std::to_string(i);
          TensorType t = x->type();
          t.setElementType(ElementType::I32);
          t.setQuant(std::nullopt);
          Node *cast = f.createNodeBefore(pos, OpKind::Cast, {x}, {t}, name);
          cast->setAttr("to",
                        Attribute(int64_t(toOnnxDataType(ElementType::I32))));
          Value *acc = cast->result(0);
          if (int64_t zp = inputs[i].params.zeroPoint()) {
            Value *c = constant(f, pos, Tensor::scalar<int32_t>(int32_t(-zp)),
                                name + ".offset");
            acc = f.createNodeBefore(pos, OpKind::Add, {acc, c}, {t},
                                     name + ".offset_add")
                      ->result(0);
          }
          x = requantize(f, pos, acc, *rescale[i], name + ".requantize");
        }
        ops.push_back(x);
      }
      TensorType t = cat->result(0)->type();
      t.setElementType(pq.type);
      t.setQuant(std::nullopt);
      Node *c = f.createNodeBefore(pos, OpKind::Concat, ops, {t}, cat->name(),
                                   {cat->result(0)->name() + ".q"});
      for (const auto &[attr, value] : cat->attrs())
        c->setAttr(attr, value);
      return c->result(0);
    };
  }

  /// Q(AveragePool|GlobalAveragePool(DQ(x))): QdqToIntegerPool.cpp.
  Builder matchAveragePool(Node &pool, const Output &out) {
    auto x = matchDequantized(pool.operand(0));
    if (!x)
      return nullptr;
    PoolQuantParams p;
    p.xScale = x->params.scale();
    p.xZeroPoint = x->params.zeroPoint();
    p.xType = x->params.type;
    p.yScale = out.params.scale();
    p.yZeroPoint = out.params.zeroPoint();
    p.yType = out.params.type;
    p.qmin = out.clamp.qmin;
    p.qmax = out.clamp.qmax;
    IntegerPoolBuilder build = matchIntegerAveragePool(pool, p);
    if (!build)
      return nullptr;
    Dequantized xd = *x;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      return build(f, pos, cloneChain(f, pos, xd));
    };
  }

  /// Per-channel i32 bias round(B / (x_scale * w_scale[c])). Nothing when
  /// a bias is too large for i32 next to an accumulator of `reduction`
  /// 8-bit products (|acc| <= reduction * 255^2): saturating it would be
  /// wrong, and acc + bias could wrap. This happens when x_scale * w_scale
  /// is tiny next to the bias (e.g. activations ~1e-10 feeding a bias 0.1).
  static std::optional<std::vector<int32_t>>
  integerBias(const std::vector<double> &bias, float xScale, const QParams &w,
              size_t channels, int64_t reduction) {
    std::vector<int32_t> out(channels, 0);
    if (bias.empty())
      return out;
    double limit = double(INT32_MAX) - double(reduction) * 255.0 * 255.0;
    for (size_t c = 0; c < channels; ++c) {
      double b =
          std::nearbyint(bias[c] / (double(xScale) * double(w.scale(c))));
      if (!(std::fabs(b) <= limit))
        return std::nullopt;
      out[c] = int32_t(b);
    }
    return out;
  }

  static std::optional<Requant> requantFor(const std::vector<double> &scales,
                                           const Output &out, int64_t axis) {
    auto mult = fixedPointMultipliers(scales);
    if (!mult)
      return std::nullopt;
    Requant r;
    r.multipliers = *mult;
    r.axis = axis;
    r.zeroPoint = out.params.zeroPoint();
    r.type = out.params.type;
    r.qmin = out.clamp.qmin;
    r.qmax = out.clamp.qmax;
    return r;
  }

  /// Conv(DQ(x), DQ(w), B?) [+ bias] -> activation -> Q.
  Builder matchConv(Node &conv, Value *addBiasOperand, const Output &out) {
    if (conv.numOperands() < 2)
      return nullptr;
    auto x = matchDequantized(conv.operand(0));
    auto w = matchWeight(conv.operand(1));
    const TensorType &yt = conv.result(0)->type();
    if (!x || !w || !yt.isRanked() || yt.rank() < 3 || w->value->rank() < 3)
      return nullptr;
    int64_t m = w->value->dim(0);
    if (!w->params.perTensor() && w->params.axis != 0)
      return nullptr;
    std::vector<double> bias;
    Value *biasValue = conv.hasOperand(2) ? conv.operand(2) : addBiasOperand;
    if (biasValue) {
      auto vals = floatConstantValues(biasValue);
      if (!vals)
        return nullptr;
      auto ch = channelValues(*vals, constantShape(biasValue),
                              conv.hasOperand(2) ? 1 : yt.rank(),
                              conv.hasOperand(2) ? 0 : 1, m);
      if (!ch)
        return nullptr;
      bias = *ch;
    }
    std::vector<double> scales;
    for (int64_t c = 0; c < m; ++c)
      scales.push_back(double(x->params.scale()) *
                       double(w->params.scale(size_t(c))) /
                       double(out.params.scale()));
    auto rq = requantFor(scales, out, 1);
    if (!rq)
      return nullptr;
    int64_t reduction = w->value->numElements() / std::max<int64_t>(m, 1);
    auto ibOrNone =
        integerBias(bias, x->params.scale(), w->params, size_t(m), reduction);
    if (!ibOrNone)
      return nullptr;
    std::vector<int32_t> ib = *ibOrNone;
    Node *convNode = &conv;
    Dequantized xd = *x;
    Weight wd = *w;
    Requant r = *rq;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      Value *xq = cloneChain(f, pos, xd);
      std::vector<Value *> ops = {xq, wd.dq->operand(0)};
      Value *xzp = zeroPointConstant(f, pos, xd.params, "x_zero_point");
      Value *wzp = zeroPointConstant(f, pos, wd.params, "w_zero_point");
      if (xzp || wzp)
        ops.push_back(xzp);
      if (wzp)
        ops.push_back(wzp);
      TensorType at = convNode->result(0)->type();
      at.setElementType(ElementType::I32);
      Node *ci = f.createNodeBefore(pos, OpKind::ConvInteger, ops, {at},
                                    baseName(*convNode),
                                    {convNode->result(0)->name() + ".acc"});
      for (const auto &[attr, value] : convNode->attrs())
        ci->setAttr(attr, value);
      Value *acc = addBias(f, pos, ci->result(0), ib, 1, baseName(*convNode));
      return requantize(f, pos, acc, r, baseName(*convNode) + ".requantize");
    };
  }

  /// MatMul(DQ(a), DQ(b)) with constant 2-D b [+ bias] -> activation -> Q.
  Builder matchMatMul(Node &mm, Value *addBiasOperand, const Output &out) {
    auto a = matchDequantized(mm.operand(0));
    auto b = matchWeight(mm.operand(1));
    const TensorType &yt = mm.result(0)->type();
    const TensorType &at = mm.operand(0)->type();
    if (!a || !b || !yt.isRanked() || !at.isRanked() || at.rank() < 2 ||
        b->value->rank() != 2)
      return nullptr;
    if (!b->params.perTensor() && b->params.axis != 1)
      return nullptr; // per column only
    int64_t n = b->value->dim(1);
    return matmulBuilder(mm, *a, b->dq->operand(0), std::nullopt, b->params, n,
                         addBiasOperand, out);
  }

  /// Gemm(DQ(A), DQ(B), C?) with alpha = 1, beta = 1 (when C), transA = 0,
  /// constant B (transposed here when transB = 1).
  Builder matchGemm(Node &gemm, const Output &out) {
    if (gemm.getFloat("alpha") != 1.0f || gemm.getInt("transA") != 0 ||
        (gemm.hasOperand(2) && gemm.getFloat("beta") != 1.0f))
      return nullptr;
    auto a = matchDequantized(gemm.operand(0));
    auto b = matchWeight(gemm.operand(1));
    if (!a || !b || b->value->rank() != 2)
      return nullptr;
    bool transB = gemm.getInt("transB") != 0;
    QParams bp = b->params;
    if (!bp.perTensor()) {
      if (bp.axis != (transB ? 0 : 1))
        return nullptr;
      bp.axis = 1;
    }
    int64_t n = b->value->dim(transB ? 0 : 1);
    std::optional<Tensor> transposed;
    if (transB) {
      const Tensor &w = *b->value;
      int64_t k = w.dim(1);
      Tensor t(w.elementType(), {k, n});
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j)
          t.setInt(j * n + i, w.getInt(i * k + j));
      transposed = std::move(t);
    }
    return matmulBuilder(gemm, *a, b->dq->operand(0), transposed, bp, n,
                         gemm.hasOperand(2) ? gemm.operand(2) : nullptr, out);
  }

  /// MatMulInteger(a, b) [+ bias along the last axis] -> Requantize, b
  /// being `bq` or, when given, a new constant `bConst`.
  Builder matmulBuilder(Node &op, const Dequantized &a, Value *bq,
                        const std::optional<Tensor> &bConst, const QParams &bp,
                        int64_t n, Value *biasOperand, const Output &out) {
    const TensorType &yt = op.result(0)->type();
    if (!yt.isRanked() || yt.rank() < 2)
      return nullptr;
    std::vector<double> bias;
    if (biasOperand) {
      auto vals = floatConstantValues(biasOperand);
      if (!vals)
        return nullptr;
      auto ch = channelValues(*vals, constantShape(biasOperand), yt.rank(),
                              yt.rank() - 1, n);
      if (!ch)
        return nullptr;
      bias = *ch;
    }
    std::vector<double> scales;
    for (int64_t c = 0; c < n; ++c)
      scales.push_back(double(a.params.scale()) * double(bp.scale(size_t(c))) /
                       double(out.params.scale()));
    auto rq = requantFor(scales, out, -1);
    if (!rq)
      return nullptr;
    const Tensor *bv = bConst ? &*bConst : bq->constantValue();
    if (!bv)
      return nullptr;
    int64_t reduction = bv->numElements() / std::max<int64_t>(n, 1);
    auto ibOrNone =
        integerBias(bias, a.params.scale(), bp, size_t(n), reduction);
    if (!ibOrNone)
      return nullptr;
    std::vector<int32_t> ib = *ibOrNone;
    Node *opNode = &op;
    Requant r = *rq;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      Value *aq = cloneChain(f, pos, a);
      Value *b =
          bConst ? constant(f, pos, *bConst, baseName(*opNode) + ".weight_t")
                 : bq;
      Value *mi = matMulInteger(f, pos, aq, b, a.params, bp, *opNode);
      Value *acc =
          addBias(f, pos, mi, ib, mi->type().rank() - 1, baseName(*opNode));
      return requantize(f, pos, acc, r, baseName(*opNode) + ".requantize");
    };
  }

  /// MatMul(DQ(a), DQ(b)) -> activation -> Q of two activations (attention's
  /// Q x K^T and scores x V), both per tensor: MatMulInteger with both zero
  /// points -> Requantize by a_scale * b_scale / y_scale. Without this the
  /// quantizer's QDQ MatMul of two activations stayed a float MatMul
  /// between DequantizeLinear and QuantizeLinear.
  Builder matchActivationMatMul(Node &mm, const Output &out) {
    auto a = matchDequantized(mm.operand(0));
    auto b = matchDequantized(mm.operand(1));
    const TensorType &yt = mm.result(0)->type();
    if (!a || !b || !a->params.perTensor() || !b->params.perTensor() ||
        !yt.isRanked() || !mm.operand(0)->type().isRanked() ||
        !mm.operand(1)->type().isRanked())
      return nullptr;
    auto rq =
        requantFor({double(a->params.scale()) * double(b->params.scale()) /
                    double(out.params.scale())},
                   out, -1);
    if (!rq)
      return nullptr;
    Node *mmNode = &mm;
    Dequantized ad = *a, bd = *b;
    Requant r = *rq;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      Value *mi =
          matMulInteger(f, pos, cloneChain(f, pos, ad), cloneChain(f, pos, bd),
                        ad.params, bd.params, *mmNode);
      return requantize(f, pos, mi, r, baseName(*mmNode) + ".requantize");
    };
  }

  /// Add(DQ(a), DQ(b)) -> activation -> Q: both operands rescaled to a
  /// common fixed-point scale S / 2^kAddBits in i32, then Requantize.
  static constexpr int kAddBits = 21;

  Builder matchAdd(Node &add, const Output &out) {
    auto a = matchDequantized(add.operand(0));
    auto b = matchDequantized(add.operand(1));
    if (!a || !b)
      return nullptr;
    // Both chains cannot share nodes (each intermediate has one use), but
    // the same DQ may feed both operands: that is fine.
    double sa = a->params.scale(), sb = b->params.scale();
    double big = std::max(sa, sb);
    double unit = std::ldexp(1.0, kAddBits);
    int64_t ia = int64_t(std::nearbyint(sa / big * unit));
    int64_t ib = int64_t(std::nearbyint(sb / big * unit));
    // |q - zp| <= 255, so |acc| <= 2 * 255 * 2^21 < 2^31.
    int64_t offset = -(a->params.zeroPoint() * ia + b->params.zeroPoint() * ib);
    auto rq = requantFor({big / unit / double(out.params.scale())}, out, 1);
    if (!rq)
      return nullptr;
    Node *addNode = &add;
    Dequantized ad = *a, bd = *b;
    Requant r = *rq;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      auto scaled = [&](const Dequantized &d, int64_t mult, const char *which) {
        Value *q = cloneChain(f, pos, d);
        TensorType t = q->type();
        t.setElementType(ElementType::I32);
        Node *cast = f.createNodeBefore(pos, OpKind::Cast, {q}, {t},
                                        baseName(*addNode) + "." + which);
        cast->setAttr("to",
                      Attribute(int64_t(toOnnxDataType(ElementType::I32))));
        Value *m = constant(f, pos, Tensor::scalar<int32_t>(int32_t(mult)),
                            baseName(*addNode) + "." + which + ".scale");
        return f
            .createNodeBefore(pos, OpKind::Mul, {cast->result(0), m}, {t},
                              baseName(*addNode) + "." + which + ".mul")
            ->result(0);
      };
      Value *sa = scaled(ad, ia, "a");
      Value *sb = scaled(bd, ib, "b");
      TensorType t = addNode->result(0)->type();
      t.setElementType(ElementType::I32);
      t.setQuant(std::nullopt);
      Value *acc = f.createNodeBefore(pos, OpKind::Add, {sa, sb}, {t},
                                      baseName(*addNode))
                       ->result(0);
      if (offset != 0) {
        Value *c = constant(f, pos, Tensor::scalar<int32_t>(int32_t(offset)),
                            baseName(*addNode) + ".offset");
        acc = f.createNodeBefore(pos, OpKind::Add, {acc, c}, {t},
                                 baseName(*addNode) + ".offset_add")
                  ->result(0);
      }
      return requantize(f, pos, acc, r, baseName(*addNode) + ".requantize");
    };
  }

  //===--------------------------------------------------------------------===//
  // QLinearConv / QLinearMatMul
  //===--------------------------------------------------------------------===//

  /// The op's output parameters and Requant with multipliers computed in
  /// float exactly as ONNX (and Kiln's kernels) compute them.
  static std::optional<Requant> qlinearRequant(const std::vector<float> &mult,
                                               const QParams &y, int64_t axis) {
    std::vector<double> scales(mult.begin(), mult.end());
    auto m = fixedPointMultipliers(scales);
    if (!m)
      return std::nullopt;
    Requant r;
    r.multipliers = *m;
    r.axis = axis;
    r.zeroPoint = y.zeroPoint();
    r.type = y.type;
    r.qmin = typeMin(y.type);
    r.qmax = typeMax(y.type);
    return r;
  }

  Builder matchQLinearConv(Node &n) {
    const TensorType &xt = n.operand(0)->type(), &wt = n.operand(3)->type();
    if (!n.hasOperand(7) || !wt.isRanked() || wt.rank() < 3 ||
        !wt.dim(0).isStatic())
      return nullptr;
    int64_t m = wt.dim(0).size();
    auto x = readParams(n, 1, 2, xt.elementType(), xt, 0);
    auto w = readParams(n, 4, 5, wt.elementType(), wt, 0);
    auto y = readParams(n, 6, 7, n.operand(7)->type().elementType(),
                        n.result(0)->type(), 0);
    if (!x || !w || !y || !x->perTensor() || !y->perTensor())
      return nullptr;
    std::vector<int32_t> bias;
    if (n.hasOperand(8)) {
      const Tensor *b = n.operand(8)->constantValue();
      if (!b || b->elementType() != ElementType::I32 || b->rank() != 1 ||
          b->dim(0) != m)
        return nullptr;
      for (int64_t v : b->toIntVector())
        bias.push_back(int32_t(v));
    } else {
      bias.assign(size_t(m), 0);
    }
    std::vector<float> mult;
    for (int64_t c = 0; c < m; ++c)
      mult.push_back(x->scale() * w->scale(size_t(c)) / y->scale());
    auto r = qlinearRequant(mult, *y, 1);
    if (!r)
      return nullptr;
    Node *node = &n;
    QParams xp = *x, wp = *w;
    Requant rq = *r;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      std::vector<Value *> ops = {node->operand(0), node->operand(3)};
      Value *xzp = zeroPointConstant(f, pos, xp, "x_zero_point");
      Value *wzp = zeroPointConstant(f, pos, wp, "w_zero_point");
      if (xzp || wzp)
        ops.push_back(xzp);
      if (wzp)
        ops.push_back(wzp);
      TensorType at = node->result(0)->type();
      at.setElementType(ElementType::I32);
      at.setQuant(std::nullopt);
      Node *ci = f.createNodeBefore(pos, OpKind::ConvInteger, ops, {at},
                                    baseName(*node),
                                    {node->result(0)->name() + ".acc"});
      for (const auto &[attr, value] : node->attrs())
        ci->setAttr(attr, value);
      Value *acc = addBias(f, pos, ci->result(0), bias, 1, baseName(*node));
      return requantize(f, pos, acc, rq, baseName(*node) + ".requantize");
    };
  }

  Builder matchQLinearMatMul(Node &n) {
    const TensorType &at = n.operand(0)->type(), &bt = n.operand(3)->type();
    const TensorType &yt = n.result(0)->type();
    if (!n.hasOperand(7) || !at.isRanked() || !bt.isRanked() || at.rank() < 2 ||
        bt.rank() < 2 || !yt.isRanked() || !bt.dim(bt.rank() - 1).isStatic())
      return nullptr;
    int64_t cols = bt.dim(bt.rank() - 1).size();
    auto a = readParams(n, 1, 2, at.elementType(), at, 0);
    // b's parameters per tensor or per column (the last axis).
    auto b = readParams(n, 4, 5, bt.elementType(), bt, -1);
    auto y = readParams(n, 6, 7, n.operand(7)->type().elementType(), yt, 0);
    if (!a || !b || !y || !a->perTensor() || !y->perTensor())
      return nullptr;
    std::vector<float> mult;
    for (int64_t c = 0; c < (b->perTensor() ? 1 : cols); ++c)
      mult.push_back(a->scale() * b->scale(size_t(c)) / y->scale());
    auto r = qlinearRequant(mult, *y, -1);
    if (!r)
      return nullptr;
    Node *node = &n;
    QParams ap = *a, bp = *b;
    Requant rq = *r;
    return [=](Function &f, Function::NodeList::iterator pos) -> Built {
      Value *mi = matMulInteger(f, pos, node->operand(0), node->operand(3), ap,
                                bp, *node);
      return requantize(f, pos, mi, rq, baseName(*node) + ".requantize");
    };
  }
};

static RegisterPass<Module, QdqToInteger>
    reg("qdq-to-integer",
        "rewrite DequantizeLinear -> Conv/MatMul/Gemm/Add/AveragePool/"
        "Concat/pass-through -> QuantizeLinear patterns, QLinearConv and "
        "QLinearMatMul into integer ops (ConvInteger/MatMulInteger, i32 bias, "
        "Requantize)");

} // namespace
} // namespace kiln
