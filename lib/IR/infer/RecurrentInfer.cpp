//===- RecurrentInfer.cpp - inference for RNN, GRU and LSTM ---------------===//
// Y is [seq, dirs, batch, hidden] (layout 0) or [batch, seq, dirs, hidden]
// (layout 1); Y_h and Y_c are [dirs, batch, hidden] or [batch, dirs, hidden].
//===----------------------------------------------------------------------===//
#include "kiln/IR/InferContext.h"

namespace kiln {

void inferRNN(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &w = ctx.input(1);
  if (!isFloat(x.elementType()))
    ctx.error("X must be a float tensor, not {}", toString(x.elementType()));
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    // sequence_lens (operand 4) is i32; everything else matches X.
    if (!ctx.hasInput(i) || i == 4)
      continue;
    if (ctx.input(i).elementType() != x.elementType())
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(ctx.input(i).elementType()),
                toString(x.elementType()));
  }
  if (ctx.hasInput(4) && !isInteger(ctx.input(4).elementType()))
    ctx.error("sequence_lens must be an integer tensor");

  int64_t gates = ctx.node.kind() == OpKind::GRU    ? 3
                  : ctx.node.kind() == OpKind::LSTM ? 4
                                                    : 1;
  const std::string &direction = ctx.node.getString("direction");
  int64_t dirs;
  if (direction == "forward" || direction == "reverse")
    dirs = 1;
  else if (direction == "bidirectional")
    dirs = 2;
  else
    ctx.error("unknown direction '{}'", direction);
  int64_t layout = ctx.node.getInt("layout");
  if (layout != 0 && layout != 1)
    ctx.error("layout must be 0 or 1, not {}", layout);

  if (x.isRanked() && x.rank() != 3)
    ctx.error("X must have rank 3, not {}", x.rank());
  if (w.isRanked() && w.rank() != 3)
    ctx.error("W must have rank 3, not {}", w.rank());

  Dim hidden;
  if (ctx.node.findAttr("hidden_size")) {
    int64_t h = ctx.node.getInt("hidden_size");
    if (h <= 0)
      ctx.error("hidden_size must be positive, not {}", h);
    hidden = Dim(h);
    if (w.isRanked() && w.dim(1).isStatic() && w.dim(1).size() != gates * h)
      ctx.error("W has {} rows, expected {} for hidden_size {}",
                w.dim(1).size(), gates * h, h);
  } else if (w.isRanked() && w.dim(1).isStatic()) {
    if (w.dim(1).size() % gates != 0)
      ctx.error("W has {} rows, not a multiple of {}", w.dim(1).size(), gates);
    hidden = Dim(w.dim(1).size() / gates);
  }
  if (w.isRanked() && w.dim(0).isStatic() && w.dim(0).size() != dirs)
    ctx.error("W has {} directions, expected {}", w.dim(0).size(), dirs);

  Dim seq, batch;
  if (x.isRanked()) {
    seq = x.dim(layout == 0 ? 0 : 1);
    batch = x.dim(layout == 0 ? 1 : 0);
  }
  ElementType elem = x.elementType();
  for (size_t i = 0; i < ctx.numResults(); ++i) {
    if (i == 0)
      ctx.setResult(
          0, TensorType(elem,
                        layout == 0
                            ? std::vector<Dim>{seq, Dim(dirs), batch, hidden}
                            : std::vector<Dim>{batch, seq, Dim(dirs), hidden}));
    else
      ctx.setResult(
          i,
          TensorType(elem, layout == 0
                               ? std::vector<Dim>{Dim(dirs), batch, hidden}
                               : std::vector<Dim>{batch, Dim(dirs), hidden}));
  }
}

} // namespace kiln
