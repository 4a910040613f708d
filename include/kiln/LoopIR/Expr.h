//===- Expr.h - loop IR expressions -----------------------------*- C++ -*-===//
// Immutable, reference-counted expression trees of Kiln's loop IR: immediates,
// variables, arithmetic, comparisons, Select, Cast, Load, math calls and the
// vector forms Ramp/Broadcast. Expr is a cheap handle; nodes are shared.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_EXPR_H
#define KILN_LOOPIR_EXPR_H

#include "kiln/IR/ElementType.h"

#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <type_traits>
#include <vector>

namespace kiln::loop {

/// A scalar element type and a lane count (1 for scalars). Index arithmetic
/// uses i64; conditions use bool.
struct DType {
  ElementType elem = ElementType::I64;
  int lanes = 1;

  DType() = default;
  DType(ElementType elem, int lanes = 1) : elem(elem), lanes(lanes) {}
  static DType index() { return DType(ElementType::I64); }
  static DType boolean(int lanes = 1) { return DType(ElementType::Bool, lanes); }
  DType withLanes(int l) const { return DType(elem, l); }
  DType scalar() const { return DType(elem, 1); }
  bool isVector() const { return lanes > 1; }
  bool isFloat() const { return kiln::isFloat(elem); }
  bool isInt() const { return kiln::isInteger(elem); }
  bool isBool() const { return elem == ElementType::Bool; }
  bool operator==(const DType &o) const {
    return elem == o.elem && lanes == o.lanes;
  }
  bool operator!=(const DType &o) const { return !(*this == o); }
  /// "f32", "f32x8".
  std::string str() const;
};

enum class ExprKind : uint8_t {
  IntImm,
  FloatImm,
  Var,
  Binary,
  Unary,
  Select,
  Cast,
  Load,
  Call,
  Ramp,
  Broadcast,
};

/// Binary operators. Div and Mod truncate toward zero for integers (C
/// semantics) and are IEEE division / fmod for floats; FloorDiv and FloorMod
/// round toward negative infinity (integers only). Comparisons yield bool;
/// And/Or are logical on bool; Bit* and shifts are on integers (Shr is
/// arithmetic for signed, logical for unsigned types).
/// Defined everywhere, so generated code has no undefined behaviour: integer
/// arithmetic wraps (two's complement); integer division or remainder by zero
/// yields 0, and MIN / -1 yields MIN (remainder 0); a shift by a negative
/// amount or by >= the bit width yields 0 (Shr of a negative signed value
/// yields -1). Float Min/Max return NaN when either operand
/// is NaN (numpy's minimum/maximum). Casts: float to integer truncates toward zero and saturates
/// to the target range, NaN gives 0; to bool is "!= 0"; to f16/bf16 rounds to
/// nearest even.
enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Mod, FloorDiv, FloorMod, Min, Max,
  EQ, NE, LT, LE, GT, GE,
  And, Or, BitAnd, BitOr, BitXor, Shl, Shr,
};
/// Neg (arithmetic), Not (logical, bool), BitNot (integers).
enum class UnaryOp : uint8_t { Neg, Not, BitNot };

const char *toString(BinaryOp op);
const char *toString(UnaryOp op);
bool isComparison(BinaryOp op);

class BufferNode;
using Buffer = std::shared_ptr<BufferNode>;

struct ExprNode {
  ExprNode(ExprKind kind, DType type) : kind(kind), type(type) {}
  virtual ~ExprNode() = default;
  const ExprKind kind;
  const DType type;
};

/// A nullable handle to an immutable expression node.
class Expr {
public:
  Expr() = default;
  template <typename T, typename = std::enable_if_t<
                            std::is_base_of_v<ExprNode, T>>>
  Expr(std::shared_ptr<T> node) : node_(std::move(node)) {}
  /// An i64 immediate, so that index arithmetic can use plain integers.
  Expr(int64_t value);
  Expr(int value) : Expr(int64_t(value)) {}

  const ExprNode *get() const { return node_.get(); }
  const ExprNode *operator->() const { return node_.get(); }
  explicit operator bool() const { return node_ != nullptr; }
  ExprKind kind() const { return node_->kind; }
  DType type() const { return node_->type; }
  bool same(const Expr &o) const { return node_ == o.node_; }
  template <typename T> const T *as() const {
    return node_ && node_->kind == T::Kind ? static_cast<const T *>(get())
                                           : nullptr;
  }
  const std::shared_ptr<const ExprNode> &ptr() const { return node_; }

private:
  std::shared_ptr<const ExprNode> node_;
};

struct IntImmNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::IntImm;
  IntImmNode(DType t, int64_t v) : ExprNode(Kind, t), value(v) {}
  const int64_t value; // also holds u64 bit patterns and bool (0/1)
};

struct FloatImmNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::FloatImm;
  FloatImmNode(DType t, double v) : ExprNode(Kind, t), value(v) {}
  const double value;
};

/// A variable; identity is the node, the name is for printing only.
struct VarNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Var;
  VarNode(DType t, std::string name) : ExprNode(Kind, t), name(std::move(name)) {}
  const std::string name;
};

/// A handle that is known to point at a VarNode.
class Var : public Expr {
public:
  Var() = default;
  explicit Var(std::string name, DType type = DType::index());
  const VarNode *node() const { return static_cast<const VarNode *>(get()); }
  const std::string &name() const { return node()->name; }
};

struct BinaryNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Binary;
  BinaryNode(DType t, BinaryOp op, Expr a, Expr b)
      : ExprNode(Kind, t), op(op), a(std::move(a)), b(std::move(b)) {}
  const BinaryOp op;
  const Expr a, b;
};

struct UnaryNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Unary;
  UnaryNode(DType t, UnaryOp op, Expr a) : ExprNode(Kind, t), op(op), a(std::move(a)) {}
  const UnaryOp op;
  const Expr a;
};

struct SelectNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Select;
  SelectNode(DType t, Expr c, Expr tv, Expr fv)
      : ExprNode(Kind, t), cond(std::move(c)), trueValue(std::move(tv)),
        falseValue(std::move(fv)) {}
  const Expr cond, trueValue, falseValue;
};

/// Numeric conversion with C semantics for in-range values; float to int
/// truncates toward zero, to bool is "!= 0".
struct CastNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Cast;
  CastNode(DType t, Expr v) : ExprNode(Kind, t), value(std::move(v)) {}
  const Expr value;
};

/// buffer[indices...] with one index per buffer dimension. A Ramp index in
/// the last dimension makes a vector load.
struct LoadNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Load;
  LoadNode(DType t, Buffer buffer, std::vector<Expr> indices)
      : ExprNode(Kind, t), buffer(std::move(buffer)), indices(std::move(indices)) {}
  const Buffer buffer;
  const std::vector<Expr> indices;
};

/// A pure math intrinsic (see Intrinsics.def) or, in Evaluate statements, a
/// target intrinsic with side effects.
struct CallNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Call;
  CallNode(DType t, std::string name, std::vector<Expr> args)
      : ExprNode(Kind, t), name(std::move(name)), args(std::move(args)) {}
  const std::string name;
  const std::vector<Expr> args;
};

/// The vector [base, base+stride, ..., base+(lanes-1)*stride].
struct RampNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Ramp;
  RampNode(DType t, Expr base, Expr stride, int lanes)
      : ExprNode(Kind, t), base(std::move(base)), stride(std::move(stride)),
        lanes(lanes) {}
  const Expr base, stride;
  const int lanes;
};

struct BroadcastNode : ExprNode {
  static constexpr ExprKind Kind = ExprKind::Broadcast;
  BroadcastNode(DType t, Expr v, int lanes)
      : ExprNode(Kind, t), value(std::move(v)), lanes(lanes) {}
  const Expr value;
  const int lanes;
};

// Constructors. They check operand types and throw kiln::Error on mismatch.
Expr intImm(DType type, int64_t value);
Expr floatImm(DType type, double value);
/// An immediate of `type` (int, bool or float) holding `value`.
Expr makeConst(DType type, double value);
Expr boolImm(bool value);
Expr binary(BinaryOp op, Expr a, Expr b);
Expr unary(UnaryOp op, Expr a);
Expr select(Expr cond, Expr trueValue, Expr falseValue);
/// No-op if `value` already has `type`'s element type.
Expr cast(DType type, Expr value);
Expr cast(ElementType type, Expr value);
Expr load(Buffer buffer, std::vector<Expr> indices);
Expr call(DType type, std::string name, std::vector<Expr> args);
Expr ramp(Expr base, Expr stride, int lanes);
Expr broadcast(Expr value, int lanes);

Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr floorDiv(Expr a, Expr b);
Expr floorMod(Expr a, Expr b);
Expr logicalAnd(Expr a, Expr b);
Expr logicalOr(Expr a, Expr b);
Expr logicalNot(Expr a);

// Operators (logical and/or/not are the functions above: overloading && and
// || would break `if (a && b)` on handles). A plain integer/double on one side becomes an immediate of the
// other side's type.
Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator%(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator+(Expr a, double b);
Expr operator-(Expr a, double b);
Expr operator*(Expr a, double b);
Expr operator/(Expr a, double b);
Expr operator+(double a, Expr b);
Expr operator-(double a, Expr b);
Expr operator*(double a, Expr b);
Expr operator/(double a, Expr b);

/// Math intrinsics of Intrinsics.def.
enum class Intrinsic : uint8_t {
#define KILN_INTRINSIC(E, N, A) E,
#include "kiln/LoopIR/Intrinsics.def"
};
/// The intrinsic a Call names, if it is one of Intrinsics.def.
std::optional<Intrinsic> lookupIntrinsic(std::string_view name);
const char *toString(Intrinsic intrinsic);
int intrinsicArity(Intrinsic intrinsic);

/// Math call on a float expression: call(x.type(), name, {x}).
Expr mathCall(const std::string &name, Expr x);
Expr mathCall(const std::string &name, Expr x, Expr y);

/// If e is an integer immediate (or broadcast of one), its value.
bool isConstInt(const Expr &e, int64_t *value = nullptr);

} // namespace kiln::loop

#endif
