//===- FoldBatchNorm.cpp - fold per-channel affine ops into weights -------===//
// The "fold-batchnorm" pass: an inference BatchNormalization, or a Mul, Div,
// Add or Sub by a per-channel constant, that follows a Conv, Gemm or MatMul
// with constant weights is folded into new weight and bias constants. An
// inference BatchNormalization with constant parameters that follows
// anything else becomes Mul + Add by per-channel constants, which fusion
// then merges into the neighbouring kernels.
//===----------------------------------------------------------------------===//

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <cmath>
#include <optional>

namespace kiln {
namespace {

/// y' = y * scale[c] + shift[c] for every channel c; an empty vector is the
/// identity (scale 1, shift 0).
struct ChannelAffine {
  std::vector<double> scale, shift;
};

/// A Conv, Gemm or MatMul whose result may absorb a ChannelAffine.
struct Producer {
  Node *node = nullptr;
  /// Output channels and the result axis they lie along.
  int64_t channels = 0;
  size_t axis = 0;
};

bool allFinite(const std::vector<double> &v) {
  for (double d : v)
    if (!std::isfinite(d))
      return false;
  return true;
}

/// A float constant operand usable for folding, or null.
const Tensor *floatConstant(const Value *v) {
  if (!v || v->type().quant())
    return nullptr;
  const Tensor *t = v->constantValue();
  return t && isFloat(t->elementType()) ? t : nullptr;
}

/// The per-channel values of constant `c` when it broadcasts against a result
/// of rank `rank` along `axis` only (every other dim 1; the channel dim 1 or
/// `channels`), else nothing.
std::optional<std::vector<double>> channelValues(const Tensor &c, size_t rank,
                                                 size_t axis,
                                                 int64_t channels) {
  if (c.rank() > rank)
    return std::nullopt;
  size_t offset = rank - c.rank();
  bool perChannel = false;
  for (size_t i = 0; i < c.rank(); ++i) {
    if (i + offset == axis && c.dim(i) == channels)
      perChannel = true;
    else if (c.dim(i) != 1)
      return std::nullopt;
  }
  std::vector<double> values(static_cast<size_t>(channels));
  for (int64_t m = 0; m < channels; ++m)
    values[size_t(m)] = c.getDouble(perChannel ? m : 0);
  if (!allFinite(values))
    return std::nullopt;
  return values;
}

/// Whether `v` is the result of a Conv/Gemm/MatMul in `f` that can absorb an
/// affine op: a float result used only once and not a function output, with
/// constant weights.
std::optional<Producer> foldableProducer(const Value *v, const Function &f) {
  Node *n = v ? v->producer() : nullptr;
  if (!n || n->parent() != &f || n->numResults() != 1 ||
      v->uses().size() != 1 || isFunctionOutput(*v))
    return std::nullopt;
  const TensorType &type = v->type();
  if (!type.isRanked() || !isFloat(type.elementType()) || type.quant())
    return std::nullopt;
  const Tensor *w = n->numOperands() > 1 ? floatConstant(n->operand(1))
                                         : nullptr;
  if (!w || w->elementType() != type.elementType())
    return std::nullopt;
  Producer p;
  p.node = n;
  switch (n->kind()) {
  case OpKind::Conv:
    if (w->rank() < 3 || type.rank() != w->rank())
      return std::nullopt;
    p.channels = w->dim(0);
    p.axis = 1;
    break;
  case OpKind::Gemm:
    if (w->rank() != 2 || type.rank() != 2)
      return std::nullopt;
    p.channels = w->dim(n->getInt("transB") ? 0 : 1);
    p.axis = 1;
    break;
  case OpKind::MatMul:
    if (w->rank() != 2 || type.rank() < 1)
      return std::nullopt;
    p.channels = w->dim(1);
    p.axis = type.rank() - 1;
    break;
  default:
    return std::nullopt;
  }
  const Dim &d = type.dim(p.axis);
  if (!d.isStatic() || d.size() != p.channels || p.channels == 0)
    return std::nullopt;
  return p;
}

/// The affine map of an inference BatchNormalization over `p`'s result.
std::optional<ChannelAffine> batchNormAffine(const Node &bn,
                                             const Producer &p) {
  if (bn.getInt("training_mode") != 0 || p.axis != 1 || bn.numOperands() != 5)
    return std::nullopt;
  for (size_t r = 1; r < bn.numResults(); ++r)
    if (bn.result(r) && isUsed(*bn.result(r)))
      return std::nullopt;
  std::vector<double> params[4];
  for (size_t i = 0; i < 4; ++i) {
    const Tensor *t = floatConstant(bn.operand(i + 1));
    if (!t || t->rank() != 1 || t->dim(0) != p.channels)
      return std::nullopt;
    params[i] = t->toDoubleVector();
  }
  double eps = bn.getFloat("epsilon");
  ChannelAffine a;
  a.scale.resize(size_t(p.channels));
  a.shift.resize(size_t(p.channels));
  for (size_t m = 0; m < size_t(p.channels); ++m) {
    double var = params[3][m] + eps;
    if (!(var > 0))
      return std::nullopt;
    a.scale[m] = params[0][m] / std::sqrt(var);
    a.shift[m] = params[1][m] - params[2][m] * a.scale[m];
  }
  if (!allFinite(a.scale) || !allFinite(a.shift))
    return std::nullopt;
  return a;
}

/// The affine map of `n` applied to `p`'s result, or nothing if `n` is not
/// a foldable op of it.
std::optional<ChannelAffine> followerAffine(const Node &n, const Producer &p) {
  const Value *y = p.node->result(0);
  if (n.numResults() < 1 || n.result(0)->type() != y->type())
    return std::nullopt;
  if (n.kind() == OpKind::BatchNormalization)
    return n.operand(0) == y ? batchNormAffine(n, p) : std::nullopt;
  if (n.numOperands() != 2)
    return std::nullopt;
  bool yFirst = n.operand(0) == y;
  const Tensor *c = floatConstant(n.operand(yFirst ? 1 : 0));
  if (!c || c->elementType() != y->type().elementType())
    return std::nullopt;
  auto values = channelValues(*c, y->type().rank(), p.axis, p.channels);
  if (!values)
    return std::nullopt;
  ChannelAffine a;
  switch (n.kind()) {
  case OpKind::Mul:
    a.scale = *values;
    return a;
  case OpKind::Add:
    a.shift = *values;
    return a;
  case OpKind::Sub:
    // y - c shifts by -c; c - y negates and shifts by c.
    if (yFirst) {
      for (double &v : *values)
        v = -v;
    } else {
      a.scale.assign(values->size(), -1.0);
    }
    a.shift = *values;
    return a;
  case OpKind::Div:
    if (!yFirst)
      return std::nullopt;
    for (double &v : *values) {
      if (v == 0)
        return std::nullopt;
      v = 1.0 / v;
    }
    a.scale = *values;
    return a;
  default:
    return std::nullopt;
  }
}

double at(const std::vector<double> &v, size_t i, double identity) {
  return v.empty() ? identity : v[i];
}

/// A Conv: scales W's output-channel slices and maps the bias.
std::vector<Tensor> foldIntoConv(const Producer &p, const ChannelAffine &a,
                                 std::vector<Value *> &operands) {
  const Tensor &w = *operands[1]->constantValue();
  std::vector<Tensor> created;
  if (!a.scale.empty()) {
    Tensor nw(w.elementType(), w.shape());
    int64_t per = w.numElements() / p.channels;
    for (int64_t i = 0; i < w.numElements(); ++i)
      nw.setDouble(i, w.getDouble(i) * a.scale[size_t(i / per)]);
    created.push_back(std::move(nw));
  }
  const Tensor *b = operands.size() > 2 ? floatConstant(operands[2]) : nullptr;
  Tensor nb(w.elementType(), {p.channels});
  for (int64_t m = 0; m < p.channels; ++m)
    nb.setDouble(m, (b ? b->getDouble(m) : 0.0) * at(a.scale, size_t(m), 1) +
                        at(a.shift, size_t(m), 0));
  created.push_back(std::move(nb));
  return created;
}

/// A Gemm: scales op(B)'s columns and maps beta * C into a new C (beta 1).
std::vector<Tensor> foldIntoGemm(const Producer &p, const ChannelAffine &a,
                                 const Node &gemm,
                                 std::vector<Value *> &operands) {
  const Tensor &w = *operands[1]->constantValue();
  bool transB = gemm.getInt("transB") != 0;
  std::vector<Tensor> created;
  if (!a.scale.empty()) {
    Tensor nw(w.elementType(), w.shape());
    for (int64_t i = 0; i < w.numElements(); ++i) {
      int64_t col = transB ? i / w.dim(1) : i % w.dim(1);
      nw.setDouble(i, w.getDouble(i) * a.scale[size_t(col)]);
    }
    created.push_back(std::move(nw));
  }
  const Tensor *c = operands.size() > 2 ? floatConstant(operands[2]) : nullptr;
  if (!c && a.shift.empty())
    return created;
  // C as [rows, cols]; the new C has one row per row of C and N columns.
  int64_t rows = c && c->rank() == 2 ? c->dim(0) : 1;
  int64_t cols = c && c->rank() >= 1 ? c->dim(c->rank() - 1) : 1;
  double beta = gemm.getFloat("beta");
  Tensor nc(w.elementType(), {rows, p.channels});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < p.channels; ++j) {
      double cv = c ? beta * c->getDouble(i * cols + (cols == 1 ? 0 : j)) : 0;
      nc.setDouble(i * p.channels + j, cv * at(a.scale, size_t(j), 1) +
                                           at(a.shift, size_t(j), 0));
    }
  if (rows == 1)
    nc = nc.reshaped({p.channels});
  created.push_back(std::move(nc));
  return created;
}

/// A MatMul: scales W's columns; a shift needs a Gemm (2-D x only).
std::vector<Tensor> foldIntoMatMul(const Producer &p, const ChannelAffine &a,
                                   std::vector<Value *> &operands) {
  const Tensor &w = *operands[1]->constantValue();
  std::vector<Tensor> created;
  if (!a.scale.empty()) {
    Tensor nw(w.elementType(), w.shape());
    for (int64_t i = 0; i < w.numElements(); ++i)
      nw.setDouble(i, w.getDouble(i) * a.scale[size_t(i % p.channels)]);
    created.push_back(std::move(nw));
  }
  if (!a.shift.empty())
    created.push_back(
        Tensor::fromVector(a.shift, {p.channels}).castTo(w.elementType()));
  return created;
}

class FoldBatchNorm : public FunctionPass {
public:
  std::string_view name() const override { return "fold-batchnorm"; }

private:
  bool runOn(Function &f, const PassConfig &, PassStats &stats) override {
    bool changed = false;
    for (auto it = f.nodes().begin(); it != f.nodes().end();) {
      Node &n = **it;
      ++it; // folding erases n, never the node after it
      changed |= tryFold(f, n, stats);
    }
    return changed;
  }

  bool tryFold(Function &f, Node &n, PassStats &stats) {
    switch (n.kind()) {
    case OpKind::BatchNormalization:
    case OpKind::Mul:
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Div:
      break;
    default:
      return false;
    }
    if (n.kind() == OpKind::BatchNormalization &&
        !foldableProducer(n.operand(0), f))
      return decomposeBatchNorm(f, n, stats);
    for (size_t i = 0; i < n.numOperands() && i < 2; ++i) {
      if (n.kind() == OpKind::BatchNormalization && i > 0)
        break;
      auto p = foldableProducer(n.operand(i), f);
      if (!p)
        continue;
      auto a = followerAffine(n, *p);
      OpKind kind = n.kind(); // fold erases n
      if (!a || !fold(f, n, *p, *a))
        continue;
      if (kind == OpKind::BatchNormalization)
        stats.add("batchnorms folded");
      else if (kind == OpKind::Mul || kind == OpKind::Div)
        stats.add("scales folded");
      else
        stats.add("biases folded");
      return true;
    }
    return false;
  }

  /// BatchNormalization(x) -> Add(Mul(x, scale), shift) with [C,1,...,1]
  /// constants, for an inference BN whose producer cannot absorb it.
  bool decomposeBatchNorm(Function &f, Node &bn, PassStats &stats) {
    const TensorType &xt = bn.operand(0)->type();
    Value *out = bn.result(0);
    if (!xt.isRanked() || xt.rank() < 2 || !isFloat(xt.elementType()) ||
        xt.quant() || !xt.dims()[1].isStatic() || out->type() != xt)
      return false;
    Producer channels;
    channels.channels = xt.dims()[1].size();
    channels.axis = 1;
    auto a = batchNormAffine(bn, channels);
    if (!a)
      return false;
    std::vector<int64_t> shape(xt.rank() - 1, 1);
    shape[0] = channels.channels;
    Tensor scale(xt.elementType(), shape), shift(xt.elementType(), shape);
    for (int64_t c = 0; c < channels.channels; ++c) {
      scale.setDouble(c, a->scale[size_t(c)]);
      shift.setDouble(c, a->shift[size_t(c)]);
    }
    auto pos = f.find(&bn);
    Value *s = createConstant(f, pos, std::move(scale));
    Value *t = createConstant(f, pos, std::move(shift));
    Node *mul = f.createNodeBefore(pos, OpKind::Mul, {bn.operand(0), s}, {xt},
                                   bn.name());
    // The Add takes the BN's result name (outputs must keep theirs): free
    // it by erasing the BN first, its uses parked on the Mul meanwhile.
    std::string name = out->name();
    f.replaceAllUsesWith(out, mul->result(0));
    auto after = std::next(f.find(&bn));
    f.eraseNode(&bn);
    Node *add = f.createNodeBefore(after, OpKind::Add, {mul->result(0), t},
                                   {xt}, mul->name(), {name});
    f.replaceAllUsesWith(mul->result(0), add->result(0));
    add->setOperand(0, mul->result(0));
    stats.add("batchnorms decomposed");
    return true;
  }

  /// Rewrites `p` to compute `follower`'s result and erases `follower`.
  bool fold(Function &f, Node &follower, const Producer &p,
            const ChannelAffine &a) {
    Node &prod = *p.node;
    std::vector<Value *> operands = prod.operands();
    // The bias operand must be constant to fold into it.
    if (operands.size() > 2 && operands[2] && !floatConstant(operands[2]))
      return false;
    const Tensor *bias = operands.size() > 2 ? floatConstant(operands[2])
                                             : nullptr;
    ElementType elem = prod.result(0)->type().elementType();
    if (bias && bias->elementType() != elem)
      return false;
    OpKind kind = prod.kind();
    std::vector<Tensor> created;
    if (kind == OpKind::Conv) {
      if (bias && (bias->rank() != 1 || bias->dim(0) != p.channels))
        return false;
      created = foldIntoConv(p, a, operands);
    } else if (kind == OpKind::Gemm) {
      if (bias && (bias->rank() > 2 ||
                   (bias->rank() > 0 && bias->shape().back() != 1 &&
                    bias->shape().back() != p.channels)))
        return false;
      created = foldIntoGemm(p, a, prod, operands);
    } else {
      if (!a.shift.empty()) {
        const TensorType &x = operands[0]->type();
        if (!x.isRanked() || x.rank() != 2 || x.elementType() != elem)
          return false;
        kind = OpKind::Gemm;
      }
      created = foldIntoMatMul(p, a, operands);
    }

    // New constants before the producer; shared old ones stay untouched.
    auto pos = f.find(&prod);
    size_t next = 0;
    if (!a.scale.empty())
      operands[1] = createConstant(f, pos, std::move(created[next++]));
    if (next < created.size()) {
      operands.resize(3, nullptr);
      operands[2] = createConstant(f, pos, std::move(created[next++]));
    }

    Value *out = follower.result(0);
    Value *y = prod.result(0);
    if (kind == prod.kind() && !isFunctionOutput(*out)) {
      prod.setOperands(operands);
      if (kind == OpKind::Gemm && operands.size() > 2 && operands[2])
        prod.setAttr("beta", 1.0f);
      f.replaceAllUsesWith(out, y);
      f.eraseNode(&follower);
      return true;
    }
    // A new producer node takes the follower's result name (which an output
    // must keep): free the name first by erasing the follower.
    std::string name = out->name();
    TensorType type = y->type();
    f.replaceAllUsesWith(out, y);
    f.eraseNode(&follower);
    Node *repl = f.createNodeBefore(f.find(&prod), kind, operands, {type},
                                    prod.name(), {name});
    if (kind == prod.kind())
      for (const auto &[attr, value] : prod.attrs())
        repl->setAttr(attr, value);
    if (kind == OpKind::Gemm && operands.size() > 2 && operands[2])
      repl->setAttr("beta", 1.0f);
    f.replaceAllUsesWith(y, repl->result(0));
    f.eraseNode(&prod);
    return true;
  }
};

static RegisterPass<Module, FoldBatchNorm>
    reg("fold-batchnorm",
        "fold inference BatchNormalization and per-channel Mul/Div/Add/Sub "
        "by constants into the weights of a preceding Conv, Gemm or MatMul");

} // namespace
} // namespace kiln
