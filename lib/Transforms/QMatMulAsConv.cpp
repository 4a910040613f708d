//===- QMatMulAsConv.cpp - integer matrix products as 1x1 convolutions ----===//
// The "qmatmul-as-conv" pass: MatMulInteger by a constant matrix, with its
// bias Add and Requantize, becomes a 1x1 ConvInteger whose image is one row
// of pixels, one pixel per row of A, so that layout-nchwc runs it as
// QConvNCHWc with the target's dot products: the blocked convolution kernel
// is the one tuned int8 kernel, and a product by a constant matrix is
// exactly a 1x1 convolution. The output channels are padded to whole
// vectors and sliced off afterwards.
//===----------------------------------------------------------------------===//

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <cstring>

namespace kiln {
namespace {

Value *i64Constant(Function &f, Node *pos, const std::vector<int64_t> &v) {
  return createConstant(f, f.find(pos),
                        Tensor::fromVector<int64_t>(v, {int64_t(v.size())}));
}

/// The only user of v, if v has exactly one use and is not an output.
Node *soleUser(const Value *v) {
  if (!v || v->uses().size() != 1 || isFunctionOutput(*v))
    return nullptr;
  return v->uses()[0].user;
}

/// Elements of a per-column vector t (one element per tensor, or [.., 1, n])
/// for columns [0, padded), padded columns repeating column 0 (their
/// results are sliced off; any valid value does).
std::optional<Tensor> perColumn(const Tensor &t, int64_t n, int64_t padded) {
  int64_t count = t.numElements();
  if (count == 1)
    return t.reshaped({1});
  if (count != n || t.rank() == 0 || t.dim(t.rank() - 1) != n)
    return std::nullopt;
  size_t size = t.byteSize() / size_t(count);
  Tensor out(t.elementType(), {padded});
  for (int64_t c = 0; c < padded; ++c)
    std::memcpy(out.rawData() + size_t(c) * size,
                t.rawData() + size_t(c < n ? c : 0) * size, size);
  return out;
}

class QMatMulAsConv : public FunctionPass {
public:
  std::string_view name() const override { return "qmatmul-as-conv"; }
  unsigned requirements() const override { return RequiresStaticShapes; }

private:
  bool runOn(Function &f, const PassConfig &config, PassStats &stats) override {
    int64_t lanes = std::max(config.vectorBytes / 4, 1);
    std::vector<Node *> nodes;
    for (auto &n : f.nodes())
      if (n->kind() == OpKind::MatMulInteger)
        nodes.push_back(n.get());
    bool changed = false;
    for (Node *mm : nodes)
      if (rewrite(f, *mm, lanes)) {
        stats.add("matrix products made convolutions");
        changed = true;
      }
    if (changed)
      removeDeadNodes(f);
    return changed;
  }

  bool rewrite(Function &f, Node &mm, int64_t lanes) {
    Value *a = mm.operand(0), *b = mm.operand(1);
    const Tensor *bt = b->constantValue();
    const TensorType &at = a->type();
    const TensorType &yt = mm.result()->type();
    if (!bt || bt->rank() != 2 || !at.isRanked() || !at.hasStaticShape() ||
        at.rank() < 1 || !yt.isRanked() || !yt.hasStaticShape() ||
        bt->elementType() != ElementType::I8 ||
        (mm.hasOperand(2) && !mm.operand(2)->constantValue()) ||
        (mm.hasOperand(3) && !mm.operand(3)->constantValue()))
      return false;
    // Every row of A is a pixel, so A's zero point must be one for all.
    if (mm.hasOperand(2) && mm.operand(2)->constantValue()->numElements() != 1)
      return false;
    int64_t k = bt->dim(0), n = bt->dim(1);
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < at.rank(); ++d)
      rows *= at.dim(d).size();
    if (at.dim(at.rank() - 1).size() != k || rows < 1)
      return false;
    int64_t padded = (n + lanes - 1) / lanes * lanes;
    // MatMulInteger -> [Add(constant bias)] -> Requantize, a single chain.
    Node *add = nullptr, *rq = soleUser(mm.result());
    const Tensor *bias = nullptr;
    if (rq && rq->kind() == OpKind::Add) {
      add = rq;
      Value *other = add->operand(add->operand(0) == mm.result() ? 1 : 0);
      bias = other->constantValue();
      if (!bias || bias->elementType() != ElementType::I32 ||
          add->result()->type() != mm.result()->type())
        return false;
      rq = soleUser(add->result());
    }
    if (!rq || rq->kind() != OpKind::Requantize)
      return false;
    const Tensor *mult = rq->operand(1)->constantValue();
    const Tensor *shift = rq->operand(2)->constantValue();
    int64_t axis = rq->getInt("axis");
    int64_t rank = int64_t(yt.rank());
    if (!mult || !shift ||
        ((mult->numElements() != 1 || shift->numElements() != 1) &&
         axis != rank - 1 && axis != -1))
      return false;
    std::optional<Tensor> multCols = perColumn(*mult, n, padded);
    std::optional<Tensor> shiftCols = perColumn(*shift, n, padded);
    std::optional<Tensor> biasCols;
    if (bias)
      biasCols = perColumn(*bias, n, padded);
    if (!multCols || !shiftCols || (bias && !biasCols))
      return false;
    // A per-column weight zero point pads like the other parameters.
    std::optional<Tensor> wZp;
    if (mm.hasOperand(3)) {
      wZp = perColumn(*mm.operand(3)->constantValue(), n, padded);
      if (!wZp)
        return false;
    }

    // W[c, i, 0, 0] = B[i, c]; padded rows are zero.
    Tensor w(ElementType::I8, {padded, k, 1, 1});
    std::memset(w.rawData(), 0, size_t(w.byteSize()));
    const int8_t *src = bt->data<int8_t>();
    int8_t *dst = w.data<int8_t>();
    for (int64_t i = 0; i < k; ++i)
      for (int64_t c = 0; c < n; ++c)
        dst[c * k + i] = src[i * n + c];

    // The image [1, k, 1, rows]: channel i of pixel r is A[r, i].
    Node *pos = &mm;
    auto reshape = [&](Node *at, Value *v, const std::vector<int64_t> &shape) {
      return createInferred(f, at, OpKind::Reshape,
                            {v, i64Constant(f, at, shape)})
          ->result();
    };
    auto transpose = [&](Node *at, Value *v) {
      return createInferred(f, at, OpKind::Transpose, {v},
                            {{"perm", std::vector<int64_t>{1, 0}}})
          ->result();
    };
    Value *x = a;
    if (rows > 1)
      x = transpose(pos, reshape(pos, a, {rows, k}));
    x = reshape(pos, x, {1, k, 1, rows});
    std::vector<Value *> ops = {x, createConstant(f, f.find(pos), w)};
    ops.push_back(mm.hasOperand(2) ? mm.operand(2) : nullptr);
    ops.push_back(wZp ? createConstant(f, f.find(pos), *wZp) : nullptr);
    while (!ops.back())
      ops.pop_back();
    Value *acc = createInferred(f, pos, OpKind::ConvInteger, ops,
                                {{"kernel_shape", std::vector<int64_t>{1, 1}}},
                                mm.name())
                     ->result();
    if (bias)
      acc = createInferred(
                f, pos, OpKind::Add,
                {acc, createConstant(f, f.find(pos),
                                     biasCols->reshaped({padded, 1, 1}))},
                {}, add->name())
                ->result();
    std::map<std::string, Attribute> attrs = rq->attrs();
    attrs["axis"] = int64_t(1);
    Value *y = createInferred(f, rq, OpKind::Requantize,
                              {acc, createConstant(f, f.find(rq), *multCols),
                               createConstant(f, f.find(rq), *shiftCols)},
                              attrs, rq->name())
                   ->result();
    // [1, padded, 1, rows] -> [rows, padded] -> [rows, n] -> Y's shape.
    y = reshape(rq, y, {padded, rows});
    y = rows > 1 ? transpose(rq, y) : reshape(rq, y, {1, padded});
    if (padded != n)
      y = createInferred(f, rq, OpKind::Slice,
                         {y, i64Constant(f, rq, {0}), i64Constant(f, rq, {n}),
                          i64Constant(f, rq, {1})})
              ->result();
    std::vector<int64_t> shape;
    for (size_t d = 0; d < yt.rank(); ++d)
      shape.push_back(yt.dim(d).size());
    if (shape != std::vector<int64_t>{rows, n})
      y = reshape(rq, y, shape);
    std::string resultName = rq->result()->name();
    replaceNode(f, *rq, {y});
    // Outputs and profiles keep the Requantize's result name.
    y->setName(resultName);
    return true;
  }
};

static RegisterPass<Module, QMatMulAsConv>
    reg("qmatmul-as-conv",
        "run MatMulInteger by a constant i8 matrix, with its bias Add and "
        "Requantize, as a 1x1 ConvInteger over one pixel per row (for "
        "layout-nchwc's QConvNCHWc)");

} // namespace
} // namespace kiln
