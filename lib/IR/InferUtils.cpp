//===- InferUtils.cpp - helpers shared by type inference ------------------===//
#include "kiln/IR/InferUtils.h"

#include <algorithm>

namespace kiln {

static std::vector<int64_t> listOr(const Node &node, const char *name,
                                   size_t size, int64_t dflt) {
  if (!node.findAttr(name))
    return std::vector<int64_t>(size, dflt);
  std::vector<int64_t> v = node.getInts(name);
  if (v.empty())
    return std::vector<int64_t>(size, dflt);
  return v;
}

// Window parameters beyond this are rejected, which keeps every size
// computation below (with dims up to 2^62) inside int64.
static constexpr int64_t MaxWindowParam = int64_t(1) << 31;

WindowParams readWindowParams(const Node &node,
                              const std::vector<int64_t> &kernel) {
  WindowParams p;
  size_t n = kernel.size();
  p.kernel = kernel;
  for (size_t i = 0; i < n; ++i)
    check(kernel[i] >= 1 && kernel[i] <= MaxWindowParam,
          "kernel_shape {} must be positive and at most 2^31",
          shapeStr(kernel));
  p.strides = listOr(node, "strides", n, 1);
  p.dilations = listOr(node, "dilations", n, 1);
  p.pads = listOr(node, "pads", 2 * n, 0);
  check(p.strides.size() == n, "strides {} must have {} values",
        shapeStr(p.strides), n);
  check(p.dilations.size() == n, "dilations {} must have {} values",
        shapeStr(p.dilations), n);
  check(p.pads.size() == 2 * n, "pads {} must have {} values", shapeStr(p.pads),
        2 * n);
  for (size_t i = 0; i < n; ++i) {
    check(p.strides[i] >= 1 && p.strides[i] <= MaxWindowParam,
          "strides {} must be positive and at most 2^31", shapeStr(p.strides));
    check(p.dilations[i] >= 1 && p.dilations[i] <= MaxWindowParam,
          "dilations {} must be positive and at most 2^31",
          shapeStr(p.dilations));
  }
  for (int64_t pad : p.pads)
    check(pad >= 0 && pad <= MaxWindowParam,
          "pads {} must not be negative or above 2^31", shapeStr(p.pads));
  if (node.findAttr("auto_pad"))
    p.autoPad = node.getString("auto_pad");
  check(p.autoPad == "NOTSET" || p.autoPad == "SAME_UPPER" ||
            p.autoPad == "SAME_LOWER" || p.autoPad == "VALID",
        "unknown auto_pad '{}'", p.autoPad);
  if (node.info().findAttr("ceil_mode"))
    p.ceilMode = node.getInt("ceil_mode") != 0;
  return p;
}

int64_t convOutputSize(const WindowParams &p, size_t i, int64_t in) {
  int64_t s = p.strides[i];
  int64_t k = p.effectiveKernel(i);
  int64_t out;
  if (p.autoPad == "SAME_UPPER" || p.autoPad == "SAME_LOWER") {
    out = (in + s - 1) / s;
  } else {
    int64_t padBegin = p.autoPad == "VALID" ? 0 : p.pads[i];
    int64_t padEnd = p.autoPad == "VALID" ? 0 : p.pads[i + p.rank()];
    int64_t span = in + padBegin + padEnd - k;
    check(span >= 0,
          "window of size {} does not fit input size {} with pads {}+{} in "
          "spatial dimension {}",
          k, in, padBegin, padEnd, i);
    if (p.ceilMode) {
      out = (span + s - 1) / s + 1;
      // A last window starting inside the end padding is dropped.
      if ((out - 1) * s >= in + padBegin)
        --out;
    } else {
      out = span / s + 1;
    }
  }
  check(out >= 1, "empty output in spatial dimension {}", i);
  return out;
}

std::vector<Dim> convOutputDims(const WindowParams &p,
                                const std::vector<Dim> &in) {
  check(in.size() == p.rank(), "{} spatial dimensions, expected {}", in.size(),
        p.rank());
  std::vector<Dim> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].isStatic())
      out.push_back(convOutputSize(p, i, in[i].size()));
    else if (in[i].isSymbol() && p.strides[i] == 1 &&
             (p.autoPad == "SAME_UPPER" || p.autoPad == "SAME_LOWER"))
      out.push_back(in[i]); // SAME with stride 1 keeps the size
    else
      out.push_back(Dim::unknown());
  }
  return out;
}

std::vector<int64_t> resolvePads(const WindowParams &p,
                                 const std::vector<int64_t> &in) {
  size_t n = p.rank();
  check(in.size() == n, "{} spatial dimensions, expected {}", in.size(), n);
  if (p.autoPad == "VALID")
    return std::vector<int64_t>(2 * n, 0);
  if (p.autoPad != "SAME_UPPER" && p.autoPad != "SAME_LOWER")
    return p.pads;
  std::vector<int64_t> pads(2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t out = convOutputSize(p, i, in[i]);
    int64_t total = std::max<int64_t>(0, (out - 1) * p.strides[i] +
                                             p.effectiveKernel(i) - in[i]);
    int64_t small = total / 2, large = total - total / 2;
    // SAME_UPPER puts the extra pad at the end, SAME_LOWER at the beginning.
    pads[i] = p.autoPad == "SAME_UPPER" ? small : large;
    pads[i + n] = p.autoPad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

ConvTransposeGeometry
convTransposeGeometry(const WindowParams &p, const std::vector<int64_t> &in,
                      const std::vector<int64_t> &outputPadding,
                      const std::vector<int64_t> &outputShape) {
  size_t n = p.rank();
  check(in.size() == n, "{} spatial dimensions, expected {}", in.size(), n);
  std::vector<int64_t> outPad =
      outputPadding.empty() ? std::vector<int64_t>(n, 0) : outputPadding;
  check(outPad.size() == n, "output_padding {} must have {} values",
        shapeStr(outPad), n);
  for (size_t i = 0; i < n; ++i)
    check(outPad[i] >= 0, "output_padding {} must not be negative",
          shapeStr(outPad));
  std::vector<int64_t> requested;
  if (!outputShape.empty()) {
    check(outputShape.size() == n || outputShape.size() == n + 2,
          "output_shape {} must have {} (or {}) values", shapeStr(outputShape),
          n, n + 2);
    requested.assign(outputShape.end() - n, outputShape.end());
  }
  bool same = p.autoPad == "SAME_UPPER" || p.autoPad == "SAME_LOWER";
  ConvTransposeGeometry g;
  g.pads.assign(2 * n, 0);
  g.outSizes.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    check(in[i] >= 1, "empty input in spatial dimension {}", i);
    int64_t full =
        p.strides[i] * (in[i] - 1) + outPad[i] + p.effectiveKernel(i);
    if (!requested.empty() || same) {
      int64_t out = !requested.empty() ? requested[i] : in[i] * p.strides[i];
      check(out >= 1, "output_shape {} must be positive",
            shapeStr(outputShape));
      int64_t total = full - out;
      // As the ONNX spec: SAME_UPPER puts the odd pad at the end, every
      // other mode at the beginning (Python floor division semantics).
      int64_t half = floorDiv(total, 2);
      g.pads[i] = p.autoPad == "SAME_UPPER" ? half : total - half;
      g.pads[i + n] = total - g.pads[i];
      g.outSizes[i] = out;
    } else {
      if (p.autoPad != "VALID") {
        g.pads[i] = p.pads[i];
        g.pads[i + n] = p.pads[i + n];
      }
      g.outSizes[i] = full - g.pads[i] - g.pads[i + n];
      check(g.outSizes[i] >= 1, "empty output in spatial dimension {}", i);
    }
  }
  return g;
}

std::optional<std::vector<int64_t>> constantInts(const InferContext &ctx,
                                                 size_t i) {
  const Tensor *t = ctx.constant(i);
  if (!t)
    return std::nullopt;
  check(isInteger(t->elementType()), "operand {} must be an integer tensor", i);
  return t->toIntVector();
}

std::vector<int64_t> normalizeAxes(const std::vector<int64_t> &axes,
                                   int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    int64_t n = normalizeAxis(a, rank);
    check(std::find(out.begin(), out.end(), n) == out.end(),
          "axis {} is repeated in {}", a, shapeStr(axes));
    out.push_back(n);
  }
  return out;
}

} // namespace kiln
