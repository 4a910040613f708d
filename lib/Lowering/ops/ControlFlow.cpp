//===- ControlFlow.cpp - lowering of If, Loop and Scan --------------------===//
//
// Subgraph bodies are lowered inline into the node's kernel (their values
// become workspace temporaries). Compiled code needs static shapes, so a
// Loop's scan outputs fix its iteration count, and a Loop without a trip
// count is only compiled when it has no scan outputs and a trip count bound
// can be read from its type (otherwise it is rejected).
//===----------------------------------------------------------------------===//

#include "kiln/IR/Function.h"
#include "kiln/IR/InferContext.h"
#include "kiln/Lowering/LowerContext.h"

namespace kiln {

using namespace loop;

static Indices zeros(size_t rank) { return Indices(rank, Expr(0)); }

/// dst[...] = src[...] over dst's shape (same element count, flat order).
static Stmt copyFlat(const Buffer &src, const Buffer &dst) {
  Buffer s = reshapeView(src, {src->numElements()});
  Buffer d = reshapeView(dst, {dst->numElements()});
  return compute(d, [&](const Indices &i) { return load(s, i); });
}

/// Scalar value of a one-element buffer.
static Expr scalarOf(const Buffer &b) { return load(b, zeros(b->rank())); }

void lowerIf(LowerContext &ctx) {
  const Node &node = ctx.node;
  std::vector<Buffer> outs(ctx.numOutputs());
  for (size_t i = 0; i < outs.size(); ++i)
    if (ctx.hasOutput(i))
      outs[i] = ctx.output(i);
  const Buffer &cond = ctx.input(0);
  if (cond->numElements() != 1)
    ctx.error("condition must have one element");
  Stmt thenStmt = ctx.lowerSubgraph(node.getGraph("then_branch"), {}, outs);
  Stmt elseStmt = ctx.lowerSubgraph(node.getGraph("else_branch"), {}, outs);
  if (!thenStmt)
    thenStmt = makeSeq({});
  ctx.emit(makeIf(cast(ElementType::Bool, scalarOf(cond)), thenStmt,
                  elseStmt));
}

void lowerLoop(LowerContext &ctx) {
  const Node &node = ctx.node;
  const Function &body = node.getGraph("body");
  size_t numCarried = ctx.numInputs() >= 2 ? ctx.numInputs() - 2 : 0;
  if (ctx.numInputs() < 2 || body.inputs().size() != numCarried + 2 ||
      body.outputs().size() != ctx.numOutputs() + 1)
    ctx.error("body signature does not match the node's operands and "
              "results");
  size_t numScan = ctx.numOutputs() - numCarried;
  bool hasTrip = ctx.hasInput(0), hasCond = ctx.hasInput(1);
  if (!hasTrip)
    ctx.error("a Loop without max_trip_count cannot be compiled (its "
              "iteration count is unbounded)");

  // The iteration count: M, bounded by the static length of scan outputs.
  Expr trip = cast(ElementType::I64, scalarOf(ctx.input(0)));
  trip = max(trip, Expr(0));
  for (size_t k = 0; k < numScan; ++k) {
    const Value *r = node.result(numCarried + k);
    const auto shape = r->type().staticShape();
    if (shape.empty())
      ctx.error("scan output {} is a scalar", k);
    trip = min(trip, Expr(shape[0]));
  }

  Buffer iter = ctx.allocate("iter", ElementType::I64, {}, MemoryScope::Stack);
  Buffer cond = ctx.allocate("cond", ElementType::Bool, {}, MemoryScope::Stack);
  Buffer condOut = ctx.allocate("cond_out", ElementType::Bool, {});
  std::vector<Buffer> carried, next, scanStep;
  for (size_t i = 0; i < numCarried; ++i) {
    const Buffer &init = ctx.input(i + 2);
    carried.push_back(ctx.allocate("carried" + std::to_string(i), init->elem,
                                   init->shape));
    next.push_back(
        ctx.allocate("next" + std::to_string(i), init->elem, init->shape));
  }
  for (size_t k = 0; k < numScan; ++k) {
    const Value *v = body.outputs()[numCarried + 1 + k];
    const TensorType &t = v->type();
    if (!t.isRanked() || !t.hasStaticShape())
      ctx.error("scan output {} of the body has no static shape", k);
    scanStep.push_back(ctx.allocate("scan" + std::to_string(k),
                                    t.elementType(), t.staticShape()));
  }

  std::vector<Stmt> stmts;
  stmts.push_back(makeStore(
      cond, {}, hasCond ? cast(ElementType::Bool, scalarOf(ctx.input(1)))
                        : boolImm(true)));
  for (size_t i = 0; i < numCarried; ++i)
    stmts.push_back(copyFlat(ctx.input(i + 2), carried[i]));

  Var it("it");
  std::vector<Buffer> bodyIns{iter, cond};
  bodyIns.insert(bodyIns.end(), carried.begin(), carried.end());
  std::vector<Buffer> bodyOuts{condOut};
  bodyOuts.insert(bodyOuts.end(), next.begin(), next.end());
  bodyOuts.insert(bodyOuts.end(), scanStep.begin(), scanStep.end());
  std::vector<Stmt> step;
  step.push_back(makeStore(iter, {}, it));
  step.push_back(ctx.lowerSubgraph(body, bodyIns, bodyOuts));
  if (hasCond)
    step.push_back(makeStore(cond, {}, load(condOut, {})));
  for (size_t i = 0; i < numCarried; ++i)
    step.push_back(copyFlat(next[i], carried[i]));
  for (size_t k = 0; k < numScan; ++k) {
    if (!ctx.hasOutput(numCarried + k))
      continue;
    const Buffer &out = ctx.output(numCarried + k);
    const Buffer &part = scanStep[k];
    if (part->numElements() * out->shape[0] != out->numElements())
      ctx.error("scan output {} does not stack to the result's shape", k);
    Buffer flatOut =
        reshapeView(out, {out->shape[0], std::max<int64_t>(part->numElements(), 1)});
    Buffer flatPart = reshapeView(part, {part->numElements()});
    step.push_back(loopNest({part->numElements()}, [&](const Indices &j) {
      return makeStore(flatOut, {it, j[0]}, load(flatPart, j));
    }));
  }
  stmts.push_back(makeFor(it, Expr(0), trip, ForKind::Serial,
                          makeIf(load(cond, {}), makeSeq(step))));
  for (size_t i = 0; i < numCarried; ++i)
    if (ctx.hasOutput(i))
      stmts.push_back(copyFlat(carried[i], ctx.output(i)));
  ctx.emit(makeSeq(stmts));
}

static int64_t entryOr(const std::vector<int64_t> &list, size_t i,
                       int64_t fallback) {
  return i < list.size() ? list[i] : fallback;
}

void lowerScan(LowerContext &ctx) {
  const Node &node = ctx.node;
  const Function &body = node.getGraph("body");
  int64_t numScanIn = node.getInt("num_scan_inputs");
  if (numScanIn < 1 || size_t(numScanIn) > ctx.numInputs())
    ctx.error("num_scan_inputs {} is out of range", numScanIn);
  size_t numState = ctx.numInputs() - size_t(numScanIn);
  if (ctx.numOutputs() < numState || body.inputs().size() != ctx.numInputs() ||
      body.outputs().size() != ctx.numOutputs())
    ctx.error("body signature does not match the node's operands and "
              "results");
  size_t numScanOut = ctx.numOutputs() - numState;
  const auto &inAxes = node.getInts("scan_input_axes");
  const auto &inDirs = node.getInts("scan_input_directions");
  const auto &outAxes = node.getInts("scan_output_axes");
  const auto &outDirs = node.getInts("scan_output_directions");

  int64_t length = -1;
  std::vector<size_t> axes;
  for (size_t j = 0; j < size_t(numScanIn); ++j) {
    const Buffer &in = ctx.input(numState + j);
    if (in->rank() == 0)
      ctx.error("scan input {} is a scalar", j);
    size_t axis =
        size_t(normalizeAxis(entryOr(inAxes, j, 0), int64_t(in->rank())));
    axes.push_back(axis);
    if (length >= 0 && in->shape[axis] != length)
      ctx.error("scan inputs have different lengths");
    length = in->shape[axis];
  }

  std::vector<Buffer> state, next, slices, parts;
  for (size_t i = 0; i < numState; ++i) {
    const Buffer &init = ctx.input(i);
    state.push_back(
        ctx.allocate("state" + std::to_string(i), init->elem, init->shape));
    next.push_back(
        ctx.allocate("next" + std::to_string(i), init->elem, init->shape));
  }
  for (size_t j = 0; j < size_t(numScanIn); ++j) {
    const Buffer &in = ctx.input(numState + j);
    std::vector<int64_t> shape = in->shape;
    shape.erase(shape.begin() + long(axes[j]));
    slices.push_back(
        ctx.allocate("slice" + std::to_string(j), in->elem, shape));
  }
  for (size_t k = 0; k < numScanOut; ++k) {
    const TensorType &t = body.outputs()[numState + k]->type();
    if (!t.isRanked() || !t.hasStaticShape())
      ctx.error("scan output {} of the body has no static shape", k);
    parts.push_back(ctx.allocate("part" + std::to_string(k), t.elementType(),
                                 t.staticShape()));
  }

  std::vector<Stmt> stmts;
  for (size_t i = 0; i < numState; ++i)
    stmts.push_back(copyFlat(ctx.input(i), state[i]));
  Var step("step");
  std::vector<Stmt> body_;
  for (size_t j = 0; j < size_t(numScanIn); ++j) {
    const Buffer &in = ctx.input(numState + j);
    Expr pos = entryOr(inDirs, j, 0) ? Expr(length - 1) - step : Expr(step);
    size_t axis = axes[j];
    body_.push_back(compute(slices[j], [&](const Indices &i) {
      Indices idx(i.begin(), i.end());
      idx.insert(idx.begin() + long(axis), pos);
      return load(in, idx);
    }));
  }
  std::vector<Buffer> ins = state;
  ins.insert(ins.end(), slices.begin(), slices.end());
  std::vector<Buffer> outs = next;
  outs.insert(outs.end(), parts.begin(), parts.end());
  body_.push_back(ctx.lowerSubgraph(body, ins, outs));
  for (size_t i = 0; i < numState; ++i)
    body_.push_back(copyFlat(next[i], state[i]));
  for (size_t k = 0; k < numScanOut; ++k) {
    if (!ctx.hasOutput(numState + k))
      continue;
    const Buffer &out = ctx.output(numState + k);
    const Buffer &part = parts[k];
    size_t axis = size_t(normalizeAxis(entryOr(outAxes, k, 0),
                                       int64_t(part->rank()) + 1));
    if (out->shape[axis] != length)
      ctx.error("scan output {} has length {} along axis {}, expected {}", k,
                out->shape[axis], axis, length);
    Expr pos =
        entryOr(outDirs, k, 0) ? Expr(length - 1) - step : Expr(step);
    body_.push_back(loopNest(part->shape, [&](const Indices &i) {
      Indices idx(i.begin(), i.end());
      idx.insert(idx.begin() + long(axis), pos);
      return makeStore(out, idx, load(part, i));
    }));
  }
  stmts.push_back(
      makeFor(step, Expr(0), Expr(length), ForKind::Serial, makeSeq(body_)));
  for (size_t i = 0; i < numState; ++i)
    if (ctx.hasOutput(i))
      stmts.push_back(copyFlat(state[i], ctx.output(i)));
  ctx.emit(makeSeq(stmts));
}

} // namespace kiln
