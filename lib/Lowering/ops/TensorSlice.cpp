//===- TensorSlice.cpp - lowering of Slice, Pad, Compress, ReverseSequence ===//
// Ops whose output elements read input elements at per-axis mapped
// coordinates: strided windows, padding modes, selected slices and reversed
// prefixes.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"
#include "kiln/IR/TensorOpHelpers.h"

#include <algorithm>

namespace kiln {

using namespace loop;
using namespace lowerutil;

void lowerSlice(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  int64_t rank = int64_t(in->rank());
  std::vector<int64_t> starts = ctx.requireConstant(1, "starts").toIntVector();
  std::vector<int64_t> ends = ctx.requireConstant(2, "ends").toIntVector();
  const Tensor *axesT =
      ctx.hasInput(3) ? &ctx.requireConstant(3, "axes") : nullptr;
  std::vector<int64_t> steps(starts.size(), 1);
  if (ctx.hasInput(4))
    steps = ctx.requireConstant(4, "steps").toIntVector();
  if (ends.size() != starts.size() || steps.size() != starts.size())
    ctx.error("starts, ends and steps differ in length");
  std::vector<int64_t> axes;
  try {
    axes = resolveAxes(axesT, starts.size(), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (axes.size() != starts.size())
    ctx.error("axes has {} entries for {} starts", axes.size(), starts.size());
  std::vector<int64_t> start(size_t(rank), 0), step(size_t(rank), 1);
  std::vector<bool> sliced(size_t(rank), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    size_t a = size_t(axes[i]);
    SliceDim s;
    try {
      s = resolveSliceDim(starts[i], ends[i], steps[i], in->shape[a]);
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
    if (s.count != out->shape[a])
      ctx.error("slice of axis {} has {} elements, the result {}", a, s.count,
                out->shape[a]);
    start[a] = s.start;
    step[a] = s.count > 1 ? s.step : 0;
    sliced[a] = true;
  }
  for (size_t d = 0; d < size_t(rank); ++d)
    if (!sliced[d] && in->shape[d] != out->shape[d])
      ctx.error("result dim {} is {}, the input's {}", d, out->shape[d],
                in->shape[d]);
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src(o.size());
    for (size_t d = 0; d < o.size(); ++d)
      src[d] = step[d] == 1 && start[d] == 0
                   ? o[d]
                   : Expr(start[d]) + o[d] * Expr(step[d]);
    return load(in, src);
  }));
}

// Input coordinate for output coordinate `o` of a padded axis (known in
// range for constant mode after the caller's check), as in the interpreter.
static Expr padSource(const std::string &mode, Expr o, int64_t before,
                      int64_t dim) {
  Expr c = before == 0 ? o : o - Expr(before);
  if (mode == "constant")
    return clampIndex(c, dim);
  if (mode == "edge")
    return clampIndex(c, dim);
  if (mode == "wrap")
    return floorMod(c, Expr(dim));
  // reflect: mirror without repeating the edge, period 2 * (dim - 1).
  if (dim == 1)
    return Expr(0);
  int64_t period = 2 * (dim - 1);
  Expr m = floorMod(c, Expr(period));
  return select(m < Expr(dim), m, Expr(period) - m);
}

void lowerPad(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  const std::string &mode = ctx.node.getString("mode");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    ctx.error("unsupported pad mode '{}'", mode);
  int64_t rank = int64_t(in->rank());
  std::vector<int64_t> pads = ctx.requireConstant(1, "pads").toIntVector();
  size_t n = pads.size() / 2;
  const Tensor *axesT =
      ctx.hasInput(3) ? &ctx.requireConstant(3, "axes") : nullptr;
  std::vector<int64_t> axes;
  try {
    axes = resolveAxes(axesT, n, rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (pads.size() != 2 * axes.size())
    ctx.error("pads has {} entries for {} axes", pads.size(), axes.size());
  std::vector<int64_t> before(size_t(rank), 0), after(size_t(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    before[size_t(axes[i])] = pads[i];
    after[size_t(axes[i])] = pads[i + n];
  }
  for (size_t d = 0; d < size_t(rank); ++d)
    if (in->shape[d] + before[d] + after[d] != out->shape[d])
      ctx.error("padded dim {} is {}, the result's {}", d,
                in->shape[d] + before[d] + after[d], out->shape[d]);

  Expr fill = makeConst(DType(in->elem), 0);
  if (ctx.hasInput(2)) {
    const Buffer &value = ctx.input(2);
    if (value->numElements() != 1)
      ctx.error("constant_value must be a scalar");
    if (value->elem != in->elem)
      ctx.error("constant_value has element type {}, expected {}",
                toString(value->elem), toString(in->elem));
    fill = load(value, zeros(value));
  }
  if (isEmpty(out->shape))
    return;
  if (isEmpty(in->shape)) {
    if (mode != "constant")
      ctx.error("cannot {}-pad an empty tensor", mode);
    ctx.emit(compute(out, [&](const Indices &) { return fill; }));
    return;
  }
  bool isConstant = mode == "constant";
  bool cropless = std::all_of(before.begin(), before.end(),
                              [](int64_t v) { return v >= 0; }) &&
                  std::all_of(after.begin(), after.end(),
                              [](int64_t v) { return v >= 0; });
  if (isConstant && cropless) {
    // The fill everywhere, then the input into the interior: two plain
    // copies with contiguous rows, where a select per element over clamped
    // indices would be read lane by lane. (Negative pads crop instead.)
    ctx.emit(compute(out, [&](const Indices &) { return fill; }));
    ctx.emit(loopNest(in->shape, [&](const Indices &i) {
      Indices dst(i.size());
      for (size_t d = 0; d < i.size(); ++d)
        dst[d] = before[d] == 0 ? i[d] : i[d] + Expr(before[d]);
      return makeStore(out, dst, load(in, i));
    }));
    return;
  }
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src(o.size());
    Expr inside;
    for (size_t d = 0; d < o.size(); ++d) {
      // Unpadded dims map to themselves.
      if (before[d] == 0 && after[d] == 0) {
        src[d] = o[d];
        continue;
      }
      src[d] = padSource(mode, o[d], before[d], in->shape[d]);
      if (isConstant) {
        Expr c = before[d] == 0 ? o[d] : o[d] - Expr(before[d]);
        Expr ok = inRange(c, in->shape[d]);
        inside = inside ? logicalAnd(inside, ok) : ok;
      }
    }
    Expr value = load(in, src);
    return inside ? select(inside, value, fill) : value;
  }));
}

// Copies of the runs of consecutive selected entries: output positions
// [j, j + len) of the axis read input positions [a, a + len).
void lowerCompress(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  std::vector<int64_t> cond =
      ctx.requireConstant(1, "condition").toIntVector();
  const Attribute *axisAttr = ctx.node.findAttr("axis");
  std::vector<int64_t> inShape{in->numElements()};
  size_t axis = 0;
  if (axisAttr) {
    axis = size_t(normAxis(ctx, axisAttr->getInt(), int64_t(in->rank())));
    inShape = in->shape;
  }
  if (int64_t(cond.size()) > inShape[axis])
    ctx.error("condition has {} entries for {} slices", cond.size(),
              inShape[axis]);
  Buffer src = reshapeView(in, inShape);
  std::vector<int64_t> outShape = inShape;
  int64_t selected = 0;
  for (int64_t c : cond)
    selected += c != 0;
  outShape[axis] = selected;
  if (checkedNumElements(outShape) != out->numElements())
    ctx.error("{} selected slices do not fill the result", selected);
  Buffer dst = reshapeView(out, outShape);
  int64_t j = 0;
  std::vector<Stmt> copies;
  for (size_t a = 0; a < cond.size();) {
    if (!cond[a]) {
      ++a;
      continue;
    }
    size_t end = a;
    while (end < cond.size() && cond[end])
      ++end;
    std::vector<int64_t> run = outShape;
    run[axis] = int64_t(end - a);
    int64_t from = int64_t(a), to = j;
    copies.push_back(loopNest(run, [&](const Indices &idx) {
      Indices s = idx, t = idx;
      s[axis] = idx[axis] + Expr(from);
      t[axis] = idx[axis] + Expr(to);
      return makeStore(dst, t, load(src, s));
    }));
    j += int64_t(end - a);
    a = end;
  }
  ctx.emit(makeSeq(copies));
}

void lowerReverseSequence(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &lens = ctx.input(1);
  const Buffer &out = ctx.output(0);
  if (in->rank() < 2)
    ctx.error("expects an input of rank >= 2, not {}", in->rank());
  int64_t batchAxis = ctx.node.getInt("batch_axis");
  int64_t timeAxis = ctx.node.getInt("time_axis");
  if (batchAxis < 0 || batchAxis > 1 || timeAxis < 0 || timeAxis > 1 ||
      batchAxis == timeAxis)
    ctx.error("batch_axis and time_axis must be 0 and 1 in some order, not "
              "{} and {}",
              batchAxis, timeAxis);
  int64_t time = in->shape[size_t(timeAxis)];
  if (lens->numElements() != in->shape[size_t(batchAxis)] || lens->rank() != 1)
    ctx.error("sequence_lens must have {} entries",
              in->shape[size_t(batchAxis)]);
  ctx.emit(compute(out, [&](const Indices &o) {
    Expr t = o[size_t(timeAxis)];
    // The interpreter rejects lengths outside [0, time]; clamp them here.
    Expr len = min(max(loadIndex(lens, {o[size_t(batchAxis)]}), Expr(0)),
                   Expr(time));
    Indices src = o;
    src[size_t(timeAxis)] = select(t < len, len - Expr(1) - t, t);
    return load(in, src);
  }));
}

} // namespace kiln
