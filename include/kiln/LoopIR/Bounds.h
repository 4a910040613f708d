//===- Bounds.h - integer range analysis of loop IR -------------*- C++ -*-===//
// Conservative [min, max] ranges of integer expressions given ranges of their
// variables; used by the simplifier, the vectorizer and schedules.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_BOUNDS_H
#define KILN_LOOPIR_BOUNDS_H

#include "kiln/LoopIR/Expr.h"

#include <optional>
#include <unordered_map>

namespace kiln::loop {

/// Inclusive range of values (over all lanes for vectors).
struct IntBounds {
  int64_t min, max;
  bool isConst() const { return min == max; }
};

/// Known ranges of variables, keyed by VarNode identity.
using VarBounds = std::unordered_map<const VarNode *, IntBounds>;

/// The range of an integer or bool expression, or nullopt when unknown. Only
/// proven ranges are returned: in particular, if an intermediate result could
/// wrap around its type, the range is unknown. Unsigned 64-bit values above
/// INT64_MAX are never claimed. Variables without an entry in `vars` and
/// loads get their type's full range (unknown for 64-bit types).
std::optional<IntBounds> boundsOf(const Expr &e, const VarBounds &vars = {});

/// The range of the loop variable of `for (v = min; v < min + extent)` given
/// the ranges of min and extent (valid whenever the body runs); nullopt if
/// either is unknown or the loop never runs.
std::optional<IntBounds> loopVarBounds(const Expr &min, const Expr &extent,
                                       const VarBounds &vars = {});

} // namespace kiln::loop

#endif
