//===- Winograd.cpp - 3x3 convolutions by Winograd F(4x4, 3x3) ------------===//
// The "winograd" pass: a ConvNCHWc with a constant 3x3 kernel, stride 1, no
// dilation and one group becomes WinogradConvNCHWc with its weights
// transformed at compile time, where the layer is large enough for the 4x
// fewer multiplies to outweigh the transforms (docs/passes.md).
//===----------------------------------------------------------------------===//

#include "kiln/IR/Winograd.h"
#include "kiln/IR/Layout.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

namespace kiln {
namespace {

/// Whether the layer's shape pays for the transforms: every tile costs
/// them per input and output channel, the product saves 9*16/36 = 4x per
/// tile, and the transformed weights (4x the kernel's size) are read once
/// per layer, so layers with few tiles are dominated by them.
bool profitable(const ConvNCHWcGeometry &g, int64_t lanes) {
  int64_t tiles = ((g.oh + winograd::kTile - 1) / winograd::kTile) *
                  ((g.ow + winograd::kTile - 1) / winograd::kTile);
  return g.channels() >= lanes && g.outChannels() >= lanes && g.ob % 4 == 0 &&
         tiles >= 16;
}

class WinogradPass : public GraphPass {
public:
  std::string_view name() const override { return "winograd"; }
  unsigned requirements() const override { return RequiresStaticShapes; }

  bool run(Module &m, const PassConfig &config, PassStats &stats) override {
    int64_t lanes = std::max(config.vectorBytes / 4, 1);
    // Microcontrollers (scalar cores; MVE's 8 registers) keep the direct
    // form: its code is far smaller, it needs no workspace for transformed
    // tiles and its weights stay a quarter of the size.
    if (lanes < 4 || config.vectorRegisters < 16)
      return false;
    bool changed = false;
    for (const auto &fn : m.functions())
      forEachFunction(*fn, [&](Function &f) {
        std::vector<Node *> nodes;
        for (auto &n : f.nodes())
          nodes.push_back(n.get());
        for (Node *n : nodes)
          if (n->kind() == OpKind::ConvNCHWc && convert(f, *n, lanes)) {
            stats.add("convolutions converted");
            changed = true;
          }
      });
    return changed;
  }

private:
  static bool convert(Function &f, Node &conv, int64_t lanes) {
    Value *x = conv.operand(0), *w = conv.operand(1);
    Value *bias = conv.hasOperand(2) ? conv.operand(2) : nullptr;
    const Tensor *wt = w->constantValue();
    if (!wt || wt->elementType() != ElementType::F32 ||
        !x->type().hasStaticShape() || !conv.result()->type().hasStaticShape())
      return false;
    ConvNCHWcGeometry g;
    try {
      std::vector<int64_t> xs;
      for (const Dim &d : x->type().dims())
        xs.push_back(d.size());
      g = convNCHWcGeometry(conv, xs, wt->shape());
    } catch (const Error &) {
      return false;
    }
    const WindowParams &p = g.window;
    if (g.depthwise || g.groups != 1 || g.kh != 3 || g.kw != 3 ||
        p.strides[0] != 1 || p.strides[1] != 1 || p.dilations[0] != 1 ||
        p.dilations[1] != 1 || !profitable(g, lanes))
      return false;
    for (int64_t pad : g.pads)
      if (pad > 2)
        return false;
    Value *u =
        createConstant(f, f.find(&conv), winograd::transformWeights(*wt));
    Node *wino =
        createInferred(f, &conv, OpKind::WinogradConvNCHWc, {x, u, bias},
                       {{"pads", g.pads}, {"out_block", g.ob}}, conv.name());
    replaceNode(f, conv, {wino->result()});
    return true;
  }
};

static RegisterPass<Module, WinogradPass>
    reg("winograd", "run 3x3 stride-1 ConvNCHWc layers with constant weights "
                    "as Winograd F(4x4, 3x3) (WinogradConvNCHWc)");

} // namespace
} // namespace kiln
