//===- FoldShapes.cpp - Shape and Size of statically shaped values --------===//
// The fold-shapes pass: Shape/Size read only their operand's type, so with a
// static type they are constants. The shape arithmetic that consumes them
// (Gather, Unsqueeze, Concat, ...) is folded in the same sweep, so PyTorch's
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains collapse at once.
//===----------------------------------------------------------------------===//

#include "Folding.h"

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace kiln {
namespace {

/// Loop bodies and the functions nested in them: a loop-carried value may
/// change shape from one iteration to the next, whatever its declared type.
void collectLoopScoped(Function &f, bool inLoop,
                       std::unordered_set<const Function *> &out) {
  if (inLoop)
    out.insert(&f);
  for (auto &n : f.nodes())
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        collectLoopScoped(attr.getGraph(), inLoop || n->kind() == OpKind::Loop,
                          out);
}

/// The value of a Shape or Size node computed from its operand's type, if the
/// dimensions it reads are static.
std::optional<Tensor>
valueFromType(const Node &node,
              const std::unordered_set<const Function *> &loopScoped) {
  if (node.kind() != OpKind::Shape && node.kind() != OpKind::Size)
    return std::nullopt;
  if (!node.hasOperand(0) || loopScoped.count(node.operand(0)->owner()))
    return std::nullopt;
  const TensorType &t = node.operand(0)->type();
  if (!t.isRanked())
    return std::nullopt;
  if (node.kind() == OpKind::Size) {
    if (!t.hasStaticShape())
      return std::nullopt;
    return Tensor::scalar<int64_t>(t.numElements());
  }
  // Same clamping as the interpreter's Shape kernel.
  int64_t rank = int64_t(t.rank());
  auto clampAxis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  int64_t start = clampAxis(node.getInt("start"));
  int64_t end = node.findAttr("end") ? clampAxis(node.getInt("end")) : rank;
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    if (!t.dim(size_t(i)).isStatic())
      return std::nullopt;
    dims.push_back(t.dim(size_t(i)).size());
  }
  int64_t n = int64_t(dims.size());
  return Tensor::fromVector<int64_t>(dims, {n});
}

class FoldShapes : public GraphPass {
public:
  std::string_view name() const override { return "fold-shapes"; }

  bool run(Module &m, const PassConfig &config, PassStats &stats) override {
    int64_t shapes = 0, folded = 0;
    // Constants this pass created: only their consumers are folded, so the
    // pass stays about shapes and leaves the rest to fold-constants. Bodies
    // are visited after their enclosing function and may read its values.
    std::unordered_set<const Value *> fresh;
    auto reads = [&](const Node &node) {
      return std::any_of(node.operands().begin(), node.operands().end(),
                         [&](const Value *v) { return fresh.count(v); });
    };
    std::unordered_set<const Function *> loopScoped;
    for (const auto &fn : m.functions())
      collectLoopScoped(*fn, false, loopScoped);
    for (const auto &fn : m.functions())
      forEachFunction(*fn, [&](Function &f) {
        std::vector<Node *> order;
        for (auto &n : f.nodes())
          order.push_back(n.get());
        for (Node *node : order) {
          // Folding upstream may have made this node's operand types static.
          refineResultTypes(*node);
          std::vector<Value *> created;
          if (std::optional<Tensor> value = valueFromType(*node, loopScoped)) {
            created = replaceByConstants(f, *node, {std::move(*value)});
            ++shapes;
          } else if (reads(*node)) {
            created = tryFoldNode(f, *node, config.foldLimit);
            folded += created.empty() ? 0 : 1;
          }
          fresh.insert(created.begin(), created.end());
        }
      });
    if (shapes + folded) {
      for (const auto &fn : m.functions())
        reinferAllTypes(*fn);
      stats.add("shape nodes folded", shapes);
      stats.add("nodes folded", folded);
    }
    return shapes + folded != 0;
  }
};

RegisterPass<Module, FoldShapes>
    reg("fold-shapes", "replace Shape and Size of statically shaped values by "
                       "constants and fold the shape arithmetic using them");

} // namespace
} // namespace kiln
