//===- QuantizeGraph.cpp - insert QDQ pairs into a float graph ------------===//
// The post-training quantizer's graph rewrite: which ops are quantized,
// which values get a QuantizeLinear, and where DequantizeLinear goes, so
// that qdq-to-integer can turn each DQ -> op -> Q into integer kernels.
//===----------------------------------------------------------------------===//
#include "kiln/Quantization/Quantizer.h"
#include "kiln/Transforms/GraphUtils.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

namespace kiln {
namespace {

bool isF32(const Value *v) {
  return v && v->type().elementType() == ElementType::F32;
}

bool isConstant(const Value *v) { return v && v->constantValue(); }

bool isQuantizableKind(OpKind k) {
  return k == OpKind::Conv || k == OpKind::Gemm || k == OpKind::MatMul;
}

// Ops whose integer form needs no new parameters: the result takes the
// operand's scale and zero point (max, reshaping, max(x, zero point)).
bool isPassThroughKind(OpKind k) {
  switch (k) {
  case OpKind::MaxPool:
  case OpKind::Flatten:
  case OpKind::Reshape:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Transpose:
  case OpKind::Identity:
  case OpKind::Relu:
    return true;
  default:
    return false;
  }
}

/// The --keep-float entries: node names or op kind names.
class KeepFloat {
public:
  explicit KeepFloat(const std::vector<std::string> &entries)
      : entries_(entries.begin(), entries.end()) {}
  bool matches(const Node &n) const {
    return entries_.count(n.name()) || entries_.count(n.opName());
  }

private:
  std::set<std::string> entries_;
};

/// A Conv, Gemm, MatMul or Add of two activations to quantize.
struct QuantOp {
  Node *node = nullptr;
  /// Operands quantized per tensor as activations.
  std::vector<unsigned> activations;
  /// The constant weight operand quantized per channel, or -1.
  int weight = -1;
  int64_t weightAxis = 0;
  /// A MatMul's constant bias Add folded into it (foldableBias), or null.
  Node *bias = nullptr;
  /// A Relu or Clip folded into the requantization, or null.
  Node *activation = nullptr;
  /// The value quantized after the op (the activation's result if any).
  Value *output = nullptr;
};

std::optional<QuantOp> analyze(Node &n) {
  if (n.numResults() != 1 || !isF32(n.result(0)) ||
      !isQuantizableKind(n.kind()) || n.numOperands() < 2)
    return std::nullopt;
  Value *x = n.operand(0), *w = n.operand(1);
  if (!isF32(x) || isConstant(x) || !isF32(w))
    return std::nullopt;
  QuantOp q;
  q.node = &n;
  q.activations = {0};
  size_t wRank = w->type().isRanked() ? w->type().rank() : 0;
  switch (n.kind()) {
  case OpKind::Conv:
    if (!isConstant(w) || wRank < 3)
      return std::nullopt;
    q.weight = 1;
    q.weightAxis = 0;
    break;
  case OpKind::Gemm:
    if (!isConstant(w) || wRank != 2)
      return std::nullopt;
    q.weight = 1;
    q.weightAxis = n.getInt("transB") ? 0 : 1;
    break;
  default: // MatMul: a constant 2-D weight, or two activations
    if (isConstant(w)) {
      if (wRank != 2)
        return std::nullopt;
      q.weight = 1;
      q.weightAxis = 1;
    } else {
      q.activations.push_back(1);
    }
    break;
  }
  return q;
}

/// Add(a, b) of two non-constant f32 activations: both operands quantized
/// per tensor (qdq-to-integer rescales them to a common scale; any
/// broadcast works, its integer form broadcasts the same way).
std::optional<QuantOp> analyzeAdd(Node &n) {
  if (n.kind() != OpKind::Add || n.numOperands() != 2 ||
      n.numResults() != 1 || !isF32(n.result(0)) ||
      !n.result(0)->type().isRanked())
    return std::nullopt;
  for (size_t i = 0; i < 2; ++i)
    if (!n.hasOperand(i) || !isF32(n.operand(i)) ||
        isConstant(n.operand(i)) || !n.operand(i)->type().isRanked())
      return std::nullopt;
  QuantOp q;
  q.node = &n;
  q.activations = {0, 1};
  return q;
}

/// Concat of non-constant f32 values: an 8-bit pass-through when all its
/// inputs and its result share one scale and zero point.
bool isConcatCandidate(const Node &n) {
  if (n.kind() != OpKind::Concat || n.numResults() != 1 ||
      n.numOperands() == 0 || !isF32(n.result(0)))
    return false;
  for (size_t i = 0; i < n.numOperands(); ++i)
    if (!n.hasOperand(i) || !isF32(n.operand(i)) || isConstant(n.operand(i)))
      return false;
  return true;
}

/// A Relu, or a Clip with constant bounds, that alone reads the op's result.
Node *foldableActivation(const Node &op, const KeepFloat &keep) {
  Value *out = op.result(0);
  if (out->uses().size() != 1 || isFunctionOutput(*out))
    return nullptr;
  const Use &u = out->uses()[0];
  Node *act = u.user;
  if (u.index != 0 || act->parent() != op.parent() || act->numResults() != 1 ||
      keep.matches(*act))
    return nullptr;
  if (act->kind() == OpKind::Relu)
    return act;
  if (act->kind() == OpKind::Clip) {
    for (size_t i = 1; i < act->numOperands(); ++i)
      if (act->hasOperand(i) && !isConstant(act->operand(i)))
        return nullptr;
    return act;
  }
  return nullptr;
}

/// The Add of a constant per-column bias that alone reads a MatMul's
/// result (torch.nn.Linear on 3-D inputs exports MatMul + Add), or null.
/// Quantized after the Add, the pair becomes one integer MatMul with the
/// bias in its i32 accumulator (qdq-to-integer's MatMul [+ Add(bias)] -> Q)
/// instead of a requantization, a DequantizeLinear and a float Add.
Node *foldableBias(const Node &op, const KeepFloat &keep) {
  if (op.kind() != OpKind::MatMul)
    return nullptr;
  Value *out = op.result(0);
  if (out->uses().size() != 1 || isFunctionOutput(*out))
    return nullptr;
  const Use &u = out->uses()[0];
  Node *add = u.user;
  if (add->kind() != OpKind::Add || add->numOperands() != 2 ||
      add->numResults() != 1 || add->parent() != op.parent() ||
      keep.matches(*add) || add->result(0)->type() != out->type())
    return nullptr;
  const Value *bias = add->operand(1 - u.index);
  const TensorType &yt = out->type(), &bt = bias->type();
  if (!isConstant(bias) || !isF32(bias) || !yt.isRanked() || !bt.isRanked() ||
      !bt.hasStaticShape() || bt.rank() > yt.rank() || yt.rank() < 2)
    return nullptr;
  // One value per column (or one for all): every other dimension is 1.
  for (size_t i = 0; i + 1 < bt.rank(); ++i)
    if (bt.dim(i).size() != 1)
      return nullptr;
  if (bt.rank() > 0 && bt.dim(bt.rank() - 1).size() != 1 &&
      !(yt.dim(yt.rank() - 1).isStatic() &&
        bt.dim(bt.rank() - 1).size() == yt.dim(yt.rank() - 1).size()))
    return nullptr;
  return add;
}

/// Which ops and values the rewrite touches.
struct Plan {
  std::vector<QuantOp> ops;
  std::map<const Node *, size_t> opIndex;
  std::set<const Node *> passThrough;
  /// Concats run on 8 bits: inputs and result share one set of parameters.
  std::set<const Node *> concats;
  /// Quantized activations in definition order.
  std::vector<Value *> quantized;
  /// Values that exist only in integer form after qdq-to-integer: results
  /// of quantized ops and of pass-through ops.
  std::set<const Value *> integerProduced;
  /// Results of Adds/Concats kept in float (and of an Add's Relu/Clip):
  /// their Q reads them through an Identity, so that qdq-to-integer does
  /// not turn DQ -> Add/Concat -> Q into the integer form anyway (simplify
  /// removes the Identity afterwards).
  std::set<const Value *> fenced;
  int64_t keptFloat = 0;

  bool isQuantizedUse(const Use &u) const {
    auto it = opIndex.find(u.user);
    if (it != opIndex.end()) {
      const auto &acts = ops[it->second].activations;
      return std::find(acts.begin(), acts.end(), u.index) != acts.end();
    }
    if (concats.count(u.user))
      return true;
    return passThrough.count(u.user) && u.index == 0;
  }
};

Plan makePlan(const Function &f, const KeepFloat &keep) {
  Plan plan;
  auto addOp = [&](const QuantOp &q) {
    plan.opIndex[q.node] = plan.ops.size();
    plan.ops.push_back(q);
  };
  for (auto &node : f.nodes()) {
    if (!isQuantizableKind(node->kind()))
      continue;
    if (keep.matches(*node)) {
      ++plan.keptFloat;
      continue;
    }
    std::optional<QuantOp> q = analyze(*node);
    if (!q) {
      ++plan.keptFloat;
      continue;
    }
    q->bias = foldableBias(*node, keep);
    const Node *last = q->bias ? q->bias : node.get();
    q->activation = foldableActivation(*last, keep);
    q->output = q->activation ? q->activation->result(0) : last->result(0);
    addOp(*q);
  }

  auto passThroughCandidate = [&](const Node &n) {
    return isPassThroughKind(n.kind()) && n.numResults() == 1 &&
           n.numOperands() >= 1 && isF32(n.operand(0)) &&
           isF32(n.result(0)) && !keep.matches(n);
  };
  // Adds and Concats, in definition order. `integer`: values that will
  // exist in 8 bits (results of quantized ops, assuming pass-through ops on
  // them stay 8-bit: they do when they feed the Add or Concat, found below).
  // An Add is quantized when both operands are integer or quantized anyway
  // as a Conv/Gemm/MatMul input: otherwise it would add a Q to a float
  // value, e.g. to the float residual stream of a transformer. A Concat is
  // quantized when all its inputs are integer.
  std::set<const Value *> integer;
  std::set<const Value *> opInputs;
  for (const QuantOp &q : plan.ops)
    for (unsigned i : q.activations)
      opInputs.insert(q.node->operand(i));
  auto quantizedAnyway = [&](const Value *v) {
    return integer.count(v) || opInputs.count(v);
  };
  //
  // A MatMul whose bias Add was folded into it counts as float here, as it
  // did before the fold: otherwise a transformer's residual Add (attention
  // or FFN output + bias + the block's input) would become an integer Add
  // and its residual stream 8-bit, which cost the BERT encoder's int8
  // accuracy (relative L2 to float 0.009 -> 0.038, top-1 agreement 4/4 ->
  // 2/4 on bench/quant_speed.py's inputs).
  for (auto &node : f.nodes()) {
    auto op = plan.opIndex.find(node.get());
    if (op != plan.opIndex.end()) {
      const QuantOp &q = plan.ops[op->second];
      if (!q.bias)
        integer.insert(q.output);
      continue;
    }
    if (passThroughCandidate(*node) && integer.count(node->operand(0))) {
      integer.insert(node->result(0));
      continue;
    }
    if (std::optional<QuantOp> q = analyzeAdd(*node)) {
      if (keep.matches(*node)) {
        plan.fenced.insert(node->result(0));
        if (Node *act = foldableActivation(*node, keep))
          plan.fenced.insert(act->result(0));
      }
      if (!quantizedAnyway(node->operand(0)) ||
          !quantizedAnyway(node->operand(1)))
        continue;
      if (keep.matches(*node)) {
        ++plan.keptFloat;
        continue;
      }
      q->activation = foldableActivation(*node, keep);
      q->output = q->activation ? q->activation->result(0) : node->result(0);
      addOp(*q);
      integer.insert(q->output);
      continue;
    }
    if (isConcatCandidate(*node) && keep.matches(*node))
      plan.fenced.insert(node->result(0));
    if (isConcatCandidate(*node) &&
        std::all_of(node->operands().begin(), node->operands().end(),
                    [&](const Value *v) { return integer.count(v) > 0; })) {
      if (keep.matches(*node)) {
        ++plan.keptFloat;
        continue;
      }
      plan.concats.insert(node.get());
      integer.insert(node->result(0));
    }
  }

  std::set<const Value *> quantized;
  std::set<const Value *> feedsOp; // reaches a quantized operand via
                                   // pass-through ops
  for (const QuantOp &q : plan.ops) {
    for (unsigned i : q.activations) {
      quantized.insert(q.node->operand(i));
      feedsOp.insert(q.node->operand(i));
    }
    quantized.insert(q.output);
    plan.integerProduced.insert(q.output);
  }
  for (const Node *c : plan.concats) {
    for (const Value *v : c->operands()) {
      quantized.insert(v);
      feedsOp.insert(v);
    }
    quantized.insert(c->result(0));
    plan.integerProduced.insert(c->result(0));
  }
  for (auto it = f.nodes().rbegin(); it != f.nodes().rend(); ++it)
    if (passThroughCandidate(**it) && feedsOp.count((*it)->result(0)))
      feedsOp.insert((*it)->operand(0));
  // A pass-through op stays integer when its operand is quantized anyway
  // and its result feeds a quantized op; otherwise the Q goes after it.
  for (auto &node : f.nodes())
    if (passThroughCandidate(*node) && quantized.count(node->operand(0)) &&
        feedsOp.count(node->result(0))) {
      plan.passThrough.insert(node.get());
      quantized.insert(node->result(0));
      plan.integerProduced.insert(node->result(0));
    }

  for (Value *v : f.inputs())
    if (quantized.count(v))
      plan.quantized.push_back(v);
  for (auto &node : f.nodes())
    for (Value *r : node->results())
      if (quantized.count(r))
        plan.quantized.push_back(r);
  return plan;
}

Value *makeConstant(Function &f, Function::NodeList::iterator pos, Tensor t,
                    const std::string &name) {
  TensorType type(t.elementType(), t.shape());
  Node *c = f.createNodeBefore(pos, OpKind::Constant, {}, {type}, "", {name});
  c->setAttr("value", Attribute(std::move(t)));
  return c->result(0);
}

/// Recreates v's (single-result) producer with its result named after
/// `hint`, freeing v's name for the DequantizeLinear that replaces it as a
/// function output. Returns the new result.
Value *renameResult(Function &f, Value *v, const std::string &hint) {
  Node *old = v->producer();
  Node *copy =
      f.createNodeBefore(f.find(old), old->kind(), old->operands(),
                         {v->type()}, old->name(), {f.uniqueName(hint)});
  for (const auto &[name, value] : old->attrs())
    copy->setAttr(name, value);
  f.replaceAllUsesWith(v, copy->result(0));
  f.eraseNode(old);
  return copy->result(0);
}

Tensor zeroPointTensor(const ActivationParams &p) {
  if (p.type == ElementType::U8)
    return Tensor::scalar<uint8_t>(uint8_t(p.zeroPoint));
  return Tensor::scalar<int8_t>(int8_t(p.zeroPoint));
}

} // namespace

void checkQuantizable(const Function &f, const QuantizeOptions &options) {
  std::set<std::string> names, kinds;
  bool anyQuantizable = false;
  for (const auto &node : f.nodes()) {
    names.insert(node->name());
    kinds.insert(node->opName());
    anyQuantizable |= isQuantizableKind(node->kind());
  }
  check(anyQuantizable,
        "the model has no quantizable op: --quantize needs a Conv, Gemm or "
        "MatMul");
  for (const std::string &e : options.keepFloat)
    check(names.count(e) || kinds.count(e),
          "--keep-float: '{}' is neither the name of a node nor an op kind "
          "of the model",
          e);
  Plan plan = makePlan(f, KeepFloat(options.keepFloat));
  check(!plan.ops.empty(),
        "nothing to quantize: every Conv, Gemm and MatMul is kept in float "
        "(--keep-float) or lacks a constant weight ({} op{} left in float)",
        plan.keptFloat, plan.keptFloat == 1 ? "" : "s");
}

QuantizeSummary quantizeFunction(Function &f, const CalibrationStats &stats,
                                 const QuantizeOptions &options) {
  checkQuantizable(f, options);
  KeepFloat keep(options.keepFloat);

  // Outputs computed in integer form get their float value back from a DQ
  // that must keep the output's name: rename the producers' results first.
  std::map<const Value *, std::string> outputNames;
  {
    Plan first = makePlan(f, keep);
    std::vector<Value *> rename;
    for (Value *v : first.quantized)
      if (first.integerProduced.count(v) && isFunctionOutput(*v))
        rename.push_back(v);
    for (Value *v : rename) {
      std::string name = v->name();
      outputNames[renameResult(f, v, name + ".float")] = name;
    }
  }
  Plan plan = makePlan(f, keep);

  QuantizeSummary summary;
  summary.quantizedOps = int64_t(plan.ops.size());
  summary.passThroughOps =
      int64_t(plan.passThrough.size() + plan.concats.size());
  summary.keptFloat = plan.keptFloat;
  for (const QuantOp &q : plan.ops)
    summary.fusedActivations += q.activation != nullptr;

  // Values that share one scale and zero point form a class: a
  // pass-through result with its operand, a Concat's inputs with its result
  // (so the Concat moves 8-bit values unchanged and each producer's
  // requantization absorbs the common scale). A class's range is the union
  // of its members' calibrated ranges; pass-through and Concat results add
  // nothing, their values are their operands'. The first member in
  // definition order is never such a result, so it names the constants.
  std::map<const Value *, const Value *> parent;
  auto classOf = [&](const Value *v) {
    while (parent.at(v) != v)
      v = parent.at(v);
    return v;
  };
  auto unite = [&](const Value *a, const Value *b) {
    const Value *ra = classOf(a), *rb = classOf(b);
    if (ra != rb)
      parent[rb] = ra;
  };
  for (Value *v : plan.quantized)
    parent[v] = v;
  for (const Node *n : plan.passThrough)
    unite(n->operand(0), n->result(0));
  for (const Node *n : plan.concats)
    for (const Value *v : n->operands())
      unite(v, n->result(0));
  auto isShared = [&](const Value *v) {
    const Node *p = v->producer();
    return p && (plan.passThrough.count(p) || plan.concats.count(p));
  };
  std::map<const Value *, Range> classRange;
  for (Value *v : plan.quantized) {
    if (isShared(v))
      continue;
    auto it = stats.find(v->name());
    auto original = outputNames.find(v);
    if (it == stats.end() && original != outputNames.end())
      it = stats.find(original->second);
    check(it != stats.end() && it->second.seen,
          "no calibration statistics for value '{}'", v->name());
    Range r = chooseRange(it->second, options.method, options.percentile);
    auto [slot, fresh] = classRange.emplace(classOf(v), r);
    if (!fresh)
      slot->second = {std::min(slot->second.lo, r.lo),
                      std::max(slot->second.hi, r.hi)};
  }
  std::map<const Value *, ActivationParams> params;
  for (Value *v : plan.quantized)
    params[v] = activationParams(classRange.at(classOf(v)),
                                 options.activationType);

  // Scale and zero-point constants per class.
  std::map<const Value *, std::pair<Value *, Value *>> paramValues;
  // Function inputs are quantized before the first original node, in order.
  auto firstNode = f.nodes().begin();
  for (Value *v : plan.quantized) {
    const ActivationParams &p = params.at(v);
    auto pos = v->producer() ? std::next(f.find(v->producer())) : firstNode;
    std::vector<Use> uses = v->uses();
    Value *scale, *zp;
    auto shared = paramValues.find(classOf(v));
    if (shared != paramValues.end()) {
      std::tie(scale, zp) = shared->second;
    } else {
      scale = makeConstant(f, pos, Tensor::scalar<float>(p.scale),
                           f.uniqueName(v->name() + "_scale"));
      zp = makeConstant(f, pos, zeroPointTensor(p),
                        f.uniqueName(v->name() + "_zero_point"));
      paramValues[classOf(v)] = {scale, zp};
    }
    Value *qIn = v;
    if (plan.fenced.count(v))
      qIn = f.createNodeBefore(pos, OpKind::Identity, {v}, {v->type()},
                               v->name() + "/keep_float",
                               {v->name() + "_float"})
                ->result(0);
    TensorType qType = v->type();
    qType.setElementType(p.type);
    Node *q = f.createNodeBefore(pos, OpKind::QuantizeLinear, {qIn, scale, zp},
                                 {qType}, v->name() + "/quantize",
                                 {v->name() + "_quantized"});
    ++summary.quantizeNodes;

    bool integer = plan.integerProduced.count(v);
    auto output = outputNames.find(v);
    Value *floatView = nullptr; // the DQ float consumers read
    auto sharedDequantize = [&]() {
      if (!floatView) {
        std::string name = output != outputNames.end()
                               ? output->second
                               : v->name() + "_dequantized";
        floatView = f.createNodeBefore(pos, OpKind::DequantizeLinear,
                                       {q->result(0), scale, zp}, {v->type()},
                                       v->name() + "/dequantize", {name})
                        ->result(0);
        ++summary.dequantizeNodes;
      }
      return floatView;
    };
    for (const Use &u : uses) {
      if (plan.isQuantizedUse(u)) {
        Node *dq = f.createNodeBefore(
            f.find(u.user), OpKind::DequantizeLinear, {q->result(0), scale, zp},
            {v->type()}, v->name() + "/dequantize",
            {v->name() + "_dequantized"});
        u.user->setOperand(u.index, dq->result(0));
        ++summary.dequantizeNodes;
      } else if (integer) {
        // A float consumer of an integer-only value reads it dequantized.
        u.user->setOperand(u.index, sharedDequantize());
      }
    }
    if (integer && isFunctionOutput(*v)) {
      for (size_t i = 0; i < f.outputs().size(); ++i)
        if (f.outputs()[i] == v)
          f.setOutput(i, sharedDequantize());
    }
  }

  // Weights: one int8 constant per (weight, axis), a DQ per consumer.
  struct WeightConstants {
    Value *values, *scales, *zeroPoints;
  };
  std::map<std::pair<const Value *, int64_t>, WeightConstants> cache;
  for (const QuantOp &op : plan.ops) {
    if (op.weight < 0)
      continue;
    Value *w = op.node->operand(size_t(op.weight));
    auto pos = f.find(op.node);
    auto key = std::make_pair(w, op.weightAxis);
    auto it = cache.find(key);
    if (it == cache.end()) {
      QuantizedWeight qw =
          quantizeWeightPerChannel(*w->constantValue(), op.weightAxis);
      auto channels = int64_t(qw.scales.size());
      WeightConstants c;
      c.values = makeConstant(f, pos, std::move(qw.values),
                              f.uniqueName(w->name() + "_quantized"));
      c.scales = makeConstant(f, pos,
                              Tensor::fromVector<float>(qw.scales, {channels}),
                              f.uniqueName(w->name() + "_scale"));
      c.zeroPoints = makeConstant(f, pos, Tensor(ElementType::I8, {channels}),
                                  f.uniqueName(w->name() + "_zero_point"));
      it = cache.emplace(key, c).first;
    }
    const WeightConstants &c = it->second;
    Node *dq = f.createNodeBefore(
        pos, OpKind::DequantizeLinear, {c.values, c.scales, c.zeroPoints},
        {w->type()}, w->name() + "/dequantize", {w->name() + "_dequantized"});
    dq->setAttr("axis", Attribute(op.weightAxis));
    op.node->setOperand(size_t(op.weight), dq->result(0));
    ++summary.dequantizeNodes;
  }
  removeDeadNodes(f);
  return summary;
}

} // namespace kiln
