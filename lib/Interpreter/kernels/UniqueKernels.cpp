//===- UniqueKernels.cpp - Unique -----------------------------------------===//
// Unique elements (no axis: of the flattened input) or unique slices along
// an axis, compared lexicographically. Results: the unique values, the index
// of each one's first occurrence, the inverse map and the counts.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kiln {

using namespace tensorkernels;

// A total order on values: NaN sorts after everything and equals itself,
// so sorting is well defined for every input.
template <typename C> static int compareValues(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb)
      return na == nb ? 0 : (na ? 1 : -1);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

void evalUnique(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  const Attribute *axisAttr = ctx.node.findAttr("axis");
  bool sorted = ctx.node.getInt("sorted") != 0;
  // The input as `outer` x `count` slices x `inner`: slice s is the
  // elements (o * count + s) * inner + i.
  int64_t outer = 1, count = in.numElements(), inner = 1;
  size_t axis = 0;
  if (axisAttr) {
    axis = size_t(normalizeAxis(axisAttr->getInt(), int64_t(in.rank())));
    outer = productOf(in.shape(), 0, axis);
    count = in.dim(axis);
    inner = productOf(in.shape(), axis + 1, in.rank());
  }
  auto element = [&](int64_t slice, int64_t j) {
    return (j / inner * count + slice) * inner + j % inner;
  };
  int64_t sliceSize = outer * inner;

  // Slice ids sorted by content; the stable sort keeps equal slices in
  // input order, so each run starts with its first occurrence.
  std::vector<int64_t> ids(static_cast<size_t>(count));
  std::iota(ids.begin(), ids.end(), 0);
  std::vector<int64_t> groupOf(static_cast<size_t>(count)); // slice -> group
  std::vector<int64_t> first, counts; // per group, sorted order
  visitType(in.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = ComputeType<T>;
    const T *p = in.data<T>();
    auto cmp = [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < sliceSize; ++j)
        if (int c = compareValues<C>(C(p[element(a, j)]), C(p[element(b, j)])))
          return c;
      return 0;
    };
    std::stable_sort(ids.begin(), ids.end(),
                     [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i == 0 || cmp(ids[i - 1], ids[i]) != 0) {
        first.push_back(ids[i]);
        counts.push_back(0);
      }
      groupOf[size_t(ids[i])] = int64_t(first.size()) - 1;
      ++counts.back();
    }
  });
  int64_t numUnique = int64_t(first.size());
  // Result position of each group: sorted order, or first occurrence.
  std::vector<int64_t> groups(first.size());
  std::iota(groups.begin(), groups.end(), 0);
  if (!sorted)
    std::sort(groups.begin(), groups.end(), [&](int64_t a, int64_t b) {
      return first[size_t(a)] < first[size_t(b)];
    });
  std::vector<int64_t> position(groups.size());
  for (size_t u = 0; u < groups.size(); ++u)
    position[size_t(groups[u])] = int64_t(u);

  std::vector<int64_t> yShape = {numUnique};
  if (axisAttr) {
    yShape = in.shape();
    yShape[axis] = numUnique;
  }
  Tensor y(in.elementType(), yShape);
  copyMapped(in, y, [&](int64_t e) {
    // Element e of y is element j of result slice u.
    int64_t u = (e / inner) % numUnique;
    int64_t j = e / (inner * numUnique) * inner + e % inner;
    return element(first[size_t(groups[size_t(u)])], j);
  });
  Tensor indices(ElementType::I64, {numUnique});
  Tensor countT(ElementType::I64, {numUnique});
  for (int64_t u = 0; u < numUnique; ++u) {
    size_t g = size_t(groups[size_t(u)]);
    indices.data<int64_t>()[u] = first[g];
    countT.data<int64_t>()[u] = counts[g];
  }
  Tensor inverse(ElementType::I64, {count});
  for (int64_t s = 0; s < count; ++s)
    inverse.data<int64_t>()[s] = position[size_t(groupOf[size_t(s)])];
  Tensor results[] = {y, indices, inverse, countT};
  for (size_t i = 0; i < ctx.numOutputs() && i < 4; ++i)
    ctx.outputs[i] = results[i];
}

} // namespace kiln
