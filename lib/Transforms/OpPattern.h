//===- OpPattern.h - how graph ops combine in fusion groups -----*- C++ -*-===//
// Classifies a node by the shape of its computation (TVM's op patterns), which
// the fusion pass uses to decide which neighbours may share one kernel.
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_OPPATTERN_H
#define KILN_TRANSFORMS_OPPATTERN_H

namespace kiln {

class Node;

/// Ordered from most to least fusable.
enum class OpPattern {
  /// Each output element depends on the input elements at the same
  /// (broadcast) index: Add, Relu, Clip, Cast, Where...
  ElemWise,
  /// Each output element reads one input element at a computed index
  /// (Reshape, Transpose, Slice, Concat...).
  Injective,
  /// A commutative reduction over some axes (ReduceSum, ReduceMax...).
  CommReduce,
  /// A complex op whose output may take an elementwise epilogue in its
  /// output loop (Conv, MatMul, Gemm, pools).
  OutEWiseFusable,
  /// Anything else: never fused.
  Opaque,
};

const char *toString(OpPattern pattern);

/// The pattern of `node`, taking its attributes and operands into account
/// (a Slice with non-constant bounds, or a MaxPool whose indices are used,
/// is Opaque; so is any node with more than one used result).
OpPattern opPatternOf(const Node &node);

/// Whether `node` only rearranges elements without changing which ones exist
/// (Reshape, Flatten, Squeeze, Unsqueeze, Transpose, LayoutTransform): the
/// injective ops that may follow an anchor or reduction in a group.
bool isLayoutOnly(const Node &node);

} // namespace kiln

#endif
