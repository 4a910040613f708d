//===- SimplifyRules.h - rewrite rules of the graph `simplify` pass -*- C++
//-*-===//
// Internal to lib/Transforms: the arithmetic and shape rule sets that the
// `simplify` pass (Simplify.cpp) applies to every node until nothing changes.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_TRANSFORMS_SIMPLIFYRULES_H
#define KILN_LIB_TRANSFORMS_SIMPLIFYRULES_H

#include "kiln/IR/Function.h"

namespace kiln::simplify {

/// What a rule found: the value that replaces the node's first result (null
/// when no rule fired) and the statistics counter to increment. A rule may
/// create nodes before the matched node to compute the replacement; it never
/// erases nodes, and the replacement always has exactly the type of the
/// result it replaces.
struct Rewrite {
  Value *replacement = nullptr;
  const char *counter = nullptr;
  explicit operator bool() const { return replacement != nullptr; }
};

// Counter names, one per rule family.
inline constexpr const char *IdentityOps = "identity ops removed";
inline constexpr const char *ArithIdentities = "arith identities";
inline constexpr const char *RepeatedOps = "repeated ops removed";
inline constexpr const char *CastChains = "cast chains";
inline constexpr const char *ReshapeChains = "reshape chains";
inline constexpr const char *TransposesComposed = "transposes composed";
inline constexpr const char *LayoutsComposed = "layout transforms composed";

/// Identity, inference Dropout, same-type Cast, one-operand variadic ops,
/// x*1 / x+0 / x-0 / x/1 / x^1, Neg(Neg), Not(Not), Relu(Relu), Cast chains.
Rewrite simplifyArith(Function &f, Node &n);
/// No-op Reshape-likes/Expand/Transpose/Slice/Pad/Concat, Reshape chains,
/// Transpose composition and LayoutTransform round trips.
Rewrite simplifyShape(Function &f, Node &n);

/// Whether `a` and `b` have the same element type, the same static shape and
/// the same quantization, so one can stand in for the other.
bool sameStaticType(const Value &a, const Value &b);
/// The node producing `v` if it is of kind `kind`, else null.
Node *producerOf(const Value *v, OpKind kind);

} // namespace kiln::simplify

#endif
