//===- ElementwiseCommon.h - elementwise kernel machinery ------*- C++ -*-===//
// Elementwise kernels compute floats in double and integers/bool in int64, so
// each op instantiates one loop per domain instead of one per element type.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_KERNELS_ELEMENTWISECOMMON_H
#define KILN_INTERPRETER_KERNELS_ELEMENTWISECOMMON_H

#include "kiln/Interpreter/KernelUtils.h"

namespace kiln {

/// Sets of element types an op accepts.
enum TypeSet : unsigned {
  FloatTypes = 1,
  SignedIntTypes = 2,
  UnsignedIntTypes = 4,
  BoolType = 8,
  IntTypes = SignedIntTypes | UnsignedIntTypes,
  NumericTypes = FloatTypes | IntTypes,
  AllTypes = NumericTypes | BoolType,
};

bool inTypeSet(ElementType type, unsigned set);
/// Throws naming the node and operand unless the operand's type is in `set`.
void checkOperandType(const EvalContext &ctx, size_t operand, unsigned set);
bool isUnsignedInt(ElementType type);

/// Elements as double; exact for every type except 64-bit integers > 2^53.
std::vector<double> loadDoubles(const Tensor &t);
/// Integer and bool elements as int64: signed types sign-extend, unsigned
/// ones zero-extend (u64 keeps its bit pattern), bool is 0/1.
std::vector<int64_t> loadInts(const Tensor &t);

/// A tensor of `type` from doubles. Floats round to nearest even with a
/// single rounding (also for f16/bf16); integers truncate toward zero and
/// saturate, NaN becomes 0; bool is v != 0 (NaN is true, as in numpy).
Tensor storeDoubles(ElementType type, const std::vector<int64_t> &shape,
                    const std::vector<double> &values);
/// A tensor of `type` from int64 values (read as uint64 when `isUnsigned`).
/// Integers wrap modulo 2^bits, floats round to nearest even, bool is v != 0.
Tensor storeInts(ElementType type, const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &values, bool isUnsigned);

/// Converts a tensor to another element type with Cast's semantics.
Tensor castTensor(const Tensor &x, ElementType to);

/// Round half to even without depending on the FPU rounding mode.
double roundHalfToEven(double v);
/// Rounds to float keeping a sticky low bit (round to odd), so that a second
/// rounding to f16/bf16 equals a single correct rounding of `v`.
float toFloatRoundToOdd(double v);

/// Unary op over floats (fn(double)) and integers/bool (intFn(int64)).
/// Either functor may be omitted with `nullptr` when `types` excludes it.
template <typename FloatFn, typename IntFn>
Tensor mapUnary(const Tensor &x, FloatFn floatFn, IntFn intFn) {
  if (isFloat(x.elementType())) {
    if constexpr (!std::is_null_pointer_v<FloatFn>) {
      std::vector<double> v = loadDoubles(x);
      for (double &e : v)
        e = floatFn(e);
      return storeDoubles(x.elementType(), x.shape(), v);
    }
  } else {
    if constexpr (!std::is_null_pointer_v<IntFn>) {
      std::vector<int64_t> v = loadInts(x);
      for (int64_t &e : v)
        e = intFn(e);
      return storeInts(x.elementType(), x.shape(), v,
                       isUnsignedInt(x.elementType()));
    }
  }
  fail("unsupported element type {}", toString(x.elementType()));
}

/// Checks operand 0 against `types`, applies mapUnary and sets output 0.
template <typename FloatFn, typename IntFn>
void evalUnary(EvalContext &ctx, unsigned types, FloatFn floatFn, IntFn intFn) {
  checkOperandType(ctx, 0, types);
  ctx.outputs[0] = mapUnary(ctx.input(0), floatFn, intFn);
}

/// Float-only unary op.
template <typename FloatFn> void evalFloatUnary(EvalContext &ctx, FloatFn fn) {
  evalUnary(ctx, FloatTypes, fn, nullptr);
}

/// Binary op over the numpy broadcast of a and b. If a is a float type both
/// operands are read as double and floatFn(double, double) -> double is
/// applied; otherwise both are read as int64 and intFn(int64, int64) ->
/// int64. The result has element type `resultType` (int64 results are read
/// as unsigned when `a` is unsigned).
template <typename FloatFn, typename IntFn>
Tensor broadcastBinary(const Tensor &a, const Tensor &b, ElementType resultType,
                       FloatFn floatFn, IntFn intFn) {
  std::vector<int64_t> shape = broadcastShape(a.shape(), b.shape());
  int64_t n = checkedNumElements(shape);
  BroadcastIndexer ia(a.shape(), shape), ib(b.shape(), shape);
  if (isFloat(a.elementType())) {
    if constexpr (!std::is_null_pointer_v<FloatFn>) {
      std::vector<double> x = loadDoubles(a), y = loadDoubles(b);
      std::vector<double> out(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i)
        out[size_t(i)] = floatFn(x[size_t(ia(i))], y[size_t(ib(i))]);
      return storeDoubles(resultType, shape, out);
    }
  } else {
    if constexpr (!std::is_null_pointer_v<IntFn>) {
      std::vector<int64_t> x = loadInts(a), y = loadInts(b);
      std::vector<int64_t> out(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i)
        out[size_t(i)] = intFn(x[size_t(ia(i))], y[size_t(ib(i))]);
      return storeInts(resultType, shape, out, isUnsignedInt(a.elementType()));
    }
  }
  fail("unsupported element type {}", toString(a.elementType()));
}

/// Checks both operands have one element type in `types`, then applies
/// broadcastBinary with a result of the operands' type (or `bool`).
template <typename FloatFn, typename IntFn>
void evalBinary(EvalContext &ctx, unsigned types, bool boolResult,
                FloatFn floatFn, IntFn intFn) {
  checkOperandType(ctx, 0, types);
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  if (a.elementType() != b.elementType())
    ctx.error("operands have different element types {} and {}",
              toString(a.elementType()), toString(b.elementType()));
  ElementType resultType = boolResult ? ElementType::Bool : a.elementType();
  ctx.outputs[0] = broadcastBinary(a, b, resultType, floatFn, intFn);
}

/// Wrapping integer arithmetic: computed on the uint64 bit patterns.
inline int64_t wrapAdd(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) + uint64_t(b));
}
inline int64_t wrapSub(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) - uint64_t(b));
}
inline int64_t wrapMul(int64_t a, int64_t b) {
  return int64_t(uint64_t(a) * uint64_t(b));
}

} // namespace kiln

#endif
