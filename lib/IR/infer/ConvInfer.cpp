//===- ConvInfer.cpp - inference for convolutions and pooling -------------===//
#include "kiln/IR/InferUtils.h"

#include <algorithm>

namespace kiln {

static void requireFloat(InferContext &ctx, size_t i, const char *what) {
  ElementType e = ctx.input(i).elementType();
  if (!isFloat(e))
    ctx.error("{} must have a float element type, not {}", what, toString(e));
}

// Rank check for an image-like input [N, C, D1, ...]; returns false if the
// input is unranked.
static bool checkImage(InferContext &ctx, size_t i, const char *what) {
  const TensorType &t = ctx.input(i);
  if (!t.isRanked())
    return false;
  if (t.rank() < 3)
    ctx.error("{} must have rank >= 3 ([N, C, spatial...]), not {}", what,
              t.str());
  return true;
}

// The spatial kernel size from W's dims and the kernel_shape attribute, or
// nullopt if neither is static.
static std::optional<std::vector<int64_t>>
kernelFromWeight(InferContext &ctx, const TensorType &w, size_t spatial) {
  const std::vector<int64_t> &attr = ctx.node.getInts("kernel_shape");
  if (!attr.empty() && attr.size() != spatial)
    ctx.error("kernel_shape {} must have {} values", shapeStr(attr), spatial);
  std::vector<int64_t> kernel(spatial, -1);
  bool known = true;
  for (size_t i = 0; i < spatial; ++i) {
    const Dim &d = w.dim(i + 2);
    if (d.isStatic()) {
      if (!attr.empty() && attr[i] != d.size())
        ctx.error("kernel_shape {} does not match weight shape {}",
                  shapeStr(attr), w.str());
      kernel[i] = d.size();
    } else if (!attr.empty()) {
      kernel[i] = attr[i];
    } else {
      known = false;
    }
  }
  if (!known)
    return std::nullopt;
  return kernel;
}

// Wraps readWindowParams so errors name the node.
static WindowParams windowParams(InferContext &ctx,
                                 const std::vector<int64_t> &kernel) {
  try {
    return readWindowParams(ctx.node, kernel);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
}

static std::vector<Dim> spatialDims(const TensorType &t) {
  return std::vector<Dim>(t.dims().begin() + 2, t.dims().end());
}

// Operand checks shared by Conv and ConvTranspose. Returns false when either
// operand is unranked, so no shape can be derived.
static bool checkConvOperands(InferContext &ctx) {
  requireFloat(ctx, 0, "input");
  const TensorType &x = ctx.input(0);
  const TensorType &w = ctx.input(1);
  if (w.elementType() != x.elementType())
    ctx.error("weight element type {} differs from input element type {}",
              toString(w.elementType()), toString(x.elementType()));
  int64_t group = ctx.node.getInt("group");
  if (group < 1)
    ctx.error("group = {} must be positive", group);
  bool xRanked = checkImage(ctx, 0, "input");
  if (w.isRanked() && xRanked && w.rank() != x.rank())
    ctx.error("weight rank {} ({}) differs from input rank {} ({})", w.rank(),
              w.str(), x.rank(), x.str());
  return xRanked && w.isRanked();
}

void inferConv(InferContext &ctx) {
  bool ranked = checkConvOperands(ctx);
  const TensorType &x = ctx.input(0);
  const TensorType &w = ctx.input(1);
  int64_t group = ctx.node.getInt("group");
  if (!ranked) {
    if (w.isRanked() && w.rank() < 3)
      ctx.error("weight must have rank >= 3, not {}", w.str());
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  const Dim &c = x.dim(1), &wc = w.dim(1), &m = w.dim(0);
  if (c.isStatic() && wc.isStatic() && c.size() != wc.size() * group)
    ctx.error("input has {} channels but weight {} with group {} expects {}",
              c.size(), w.str(), group, wc.size() * group);
  if (m.isStatic() && m.size() % group != 0)
    ctx.error("{} output channels are not divisible by group {}", m.size(),
              group);
  if (ctx.hasInput(2)) {
    const TensorType &b = ctx.input(2);
    if (b.elementType() != x.elementType())
      ctx.error("bias element type {} differs from input element type {}",
                toString(b.elementType()), toString(x.elementType()));
    if (b.isRanked() && b.rank() != 1)
      ctx.error("bias must be 1-D, not {}", b.str());
    if (b.isRanked() && b.dim(0).isStatic() && m.isStatic() &&
        b.dim(0).size() != m.size())
      ctx.error("bias {} does not match {} output channels", b.str(), m.size());
  }
  size_t spatial = x.rank() - 2;
  std::vector<Dim> dims = {x.dim(0), m};
  if (std::optional<std::vector<int64_t>> kernel =
          kernelFromWeight(ctx, w, spatial)) {
    WindowParams p = windowParams(ctx, *kernel);
    std::vector<Dim> out;
    try {
      out = convOutputDims(p, spatialDims(x));
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
    dims.insert(dims.end(), out.begin(), out.end());
  } else {
    dims.resize(x.rank());
  }
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferConvTranspose(InferContext &ctx) {
  bool ranked = checkConvOperands(ctx);
  const TensorType &x = ctx.input(0);
  const TensorType &w = ctx.input(1);
  int64_t group = ctx.node.getInt("group");
  if (!ranked) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  const Dim &c = x.dim(1), &wc = w.dim(0);
  if (c.isStatic() && wc.isStatic() && c.size() != wc.size())
    ctx.error("input has {} channels but weight {} expects {}", c.size(),
              w.str(), wc.size());
  if (c.isStatic() && c.size() % group != 0)
    ctx.error("{} input channels are not divisible by group {}", c.size(),
              group);
  Dim m = w.dim(1).isStatic() ? Dim(w.dim(1).size() * group) : Dim();
  if (ctx.hasInput(2)) {
    const TensorType &b = ctx.input(2);
    if (b.isRanked() && b.rank() != 1)
      ctx.error("bias must be 1-D, not {}", b.str());
    if (b.isRanked() && b.dim(0).isStatic() && m.isStatic() &&
        b.dim(0).size() != m.size())
      ctx.error("bias {} does not match {} output channels", b.str(), m.size());
  }
  size_t spatial = x.rank() - 2;
  std::vector<Dim> dims = {x.dim(0), m};
  std::optional<std::vector<int64_t>> kernel =
      kernelFromWeight(ctx, w, spatial);
  std::vector<Dim> in = spatialDims(x);
  bool staticIn = std::all_of(in.begin(), in.end(),
                              [](const Dim &d) { return d.isStatic(); });
  const std::vector<int64_t> &outputShape = ctx.node.getInts("output_shape");
  if (kernel && staticIn) {
    WindowParams p = windowParams(ctx, *kernel);
    std::vector<int64_t> inSizes;
    for (const Dim &d : in)
      inSizes.push_back(d.size());
    try {
      ConvTransposeGeometry g = convTransposeGeometry(
          p, inSizes, ctx.node.getInts("output_padding"), outputShape);
      dims.insert(dims.end(), g.outSizes.begin(), g.outSizes.end());
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
  } else if (!outputShape.empty() && (outputShape.size() == spatial ||
                                      outputShape.size() == spatial + 2)) {
    dims.insert(dims.end(), outputShape.end() - spatial, outputShape.end());
  } else {
    dims.resize(x.rank());
  }
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferPool(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  bool isMax = ctx.node.kind() == OpKind::MaxPool;
  ElementType e = x.elementType();
  if (!isFloat(e) && !(isMax && (e == ElementType::I8 || e == ElementType::U8)))
    ctx.error("unsupported element type {}", toString(e));
  const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
  WindowParams p = windowParams(ctx, kernel);
  if (!checkImage(ctx, 0, "input")) {
    for (size_t i = 0; i < ctx.numResults(); ++i)
      ctx.setResult(i, TensorType::unranked(i == 0 ? e : ElementType::I64));
    return;
  }
  if (kernel.size() != x.rank() - 2)
    ctx.error("kernel_shape {} must have {} values for input {}",
              shapeStr(kernel), x.rank() - 2, x.str());
  std::vector<Dim> dims = {x.dim(0), x.dim(1)};
  std::vector<Dim> out;
  try {
    out = convOutputDims(p, spatialDims(x));
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  dims.insert(dims.end(), out.begin(), out.end());
  ctx.setResult(0, TensorType(e, dims));
  if (ctx.numResults() > 1)
    ctx.setResult(1, TensorType(ElementType::I64, dims));
}

void inferGlobalPool(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (!checkImage(ctx, 0, "input")) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  std::vector<Dim> dims(x.rank(), Dim(1));
  dims[0] = x.dim(0);
  dims[1] = x.dim(1);
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

void inferMaxUnpool(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &idx = ctx.input(1);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (idx.elementType() != ElementType::I64)
    ctx.error("indices must be i64, not {}", toString(idx.elementType()));
  const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
  WindowParams p = windowParams(ctx, kernel);
  if (!checkImage(ctx, 0, "input")) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    return;
  }
  if (kernel.size() != x.rank() - 2)
    ctx.error("kernel_shape {} must have {} values for input {}",
              shapeStr(kernel), x.rank() - 2, x.str());
  if (idx.isRanked() && idx.rank() != x.rank())
    ctx.error("indices {} must have the shape of the input {}", idx.str(),
              x.str());
  if (ctx.hasInput(2)) {
    const TensorType &os = ctx.input(2);
    if (os.isRanked() && os.rank() != 1)
      ctx.error("output_shape must be 1-D, not {}", os.str());
    if (std::optional<std::vector<int64_t>> shape = constantInts(ctx, 2)) {
      if (shape->size() != x.rank())
        ctx.error("output_shape {} must have {} values", shapeStr(*shape),
                  x.rank());
      for (int64_t d : *shape)
        if (d < 0)
          ctx.error("output_shape {} must not be negative", shapeStr(*shape));
      ctx.setResult(0, TensorType(x.elementType(), *shape));
      return;
    }
    ctx.setResult(0, TensorType(x.elementType(), std::vector<Dim>(x.rank())));
    return;
  }
  std::vector<Dim> dims = {x.dim(0), x.dim(1)};
  for (size_t i = 0; i < p.rank(); ++i) {
    const Dim &d = x.dim(i + 2);
    if (!d.isStatic()) {
      dims.push_back(Dim());
      continue;
    }
    int64_t out = (d.size() - 1) * p.strides[i] + p.kernel[i] - p.pads[i] -
                  p.pads[i + p.rank()];
    if (out < 1)
      ctx.error("empty output in spatial dimension {}", i);
    dims.push_back(out);
  }
  ctx.setResult(0, TensorType(x.elementType(), dims));
}

} // namespace kiln
