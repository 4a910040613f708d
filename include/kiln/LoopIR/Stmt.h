//===- Stmt.h - loop IR statements ------------------------------*- C++ -*-===//
// Immutable statement trees: For, Seq, IfThenElse, Store, Allocate, Let,
// Evaluate (an intrinsic call for its effect) and Barrier.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_STMT_H
#define KILN_LOOPIR_STMT_H

#include "kiln/LoopIR/Buffer.h"

namespace kiln::loop {

enum class StmtKind : uint8_t {
  For,
  Seq,
  IfThenElse,
  Store,
  Allocate,
  Let,
  Evaluate,
  Barrier,
};

/// How a loop runs. Vectorized loops must have a constant extent and are
/// turned into Ramp/Broadcast code by the vectorizer before code generation;
/// Parallel loops run on the runtime's thread pool; Gpu* bind to CUDA ids.
enum class ForKind : uint8_t {
  Serial,
  Parallel,
  Vectorized,
  Unrolled,
  GpuBlockX,
  GpuBlockY,
  GpuBlockZ,
  GpuThreadX,
  GpuThreadY,
  GpuThreadZ,
};
const char *toString(ForKind kind); // "serial", "gpu.block.x", ...
std::optional<ForKind> parseForKind(std::string_view name);

struct StmtNode {
  explicit StmtNode(StmtKind kind) : kind(kind) {}
  virtual ~StmtNode() = default;
  const StmtKind kind;
};

/// A nullable handle to an immutable statement node.
class Stmt {
public:
  Stmt() = default;
  template <typename T, typename = std::enable_if_t<
                            std::is_base_of_v<StmtNode, T>>>
  Stmt(std::shared_ptr<T> node) : node_(std::move(node)) {}
  const StmtNode *get() const { return node_.get(); }
  const StmtNode *operator->() const { return node_.get(); }
  explicit operator bool() const { return node_ != nullptr; }
  StmtKind kind() const { return node_->kind; }
  bool same(const Stmt &o) const { return node_ == o.node_; }
  template <typename T> const T *as() const {
    return node_ && node_->kind == T::Kind ? static_cast<const T *>(get())
                                           : nullptr;
  }

private:
  std::shared_ptr<const StmtNode> node_;
};

/// for (var = min; var < min + extent; ++var) body
struct ForNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::For;
  ForNode(Var var, Expr min, Expr extent, ForKind forKind, Stmt body)
      : StmtNode(Kind), var(std::move(var)), min(std::move(min)),
        extent(std::move(extent)), forKind(forKind), body(std::move(body)) {}
  const Var var;
  const Expr min, extent;
  const ForKind forKind;
  const Stmt body;
};

struct SeqNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Seq;
  explicit SeqNode(std::vector<Stmt> stmts)
      : StmtNode(Kind), stmts(std::move(stmts)) {}
  const std::vector<Stmt> stmts;
};

struct IfThenElseNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::IfThenElse;
  IfThenElseNode(Expr cond, Stmt thenBody, Stmt elseBody)
      : StmtNode(Kind), cond(std::move(cond)), thenBody(std::move(thenBody)),
        elseBody(std::move(elseBody)) {}
  const Expr cond;
  const Stmt thenBody;
  const Stmt elseBody; // may be null
};

/// buffer[indices...] = value. A Ramp in the last index makes a vector store.
struct StoreNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Store;
  StoreNode(Buffer buffer, std::vector<Expr> indices, Expr value)
      : StmtNode(Kind), buffer(std::move(buffer)), indices(std::move(indices)),
        value(std::move(value)) {}
  const Buffer buffer;
  const std::vector<Expr> indices;
  const Expr value;
};

/// Declares `buffer` (scope Stack or a target scope; Global temporaries are
/// carved from the kernel's workspace) for the extent of body.
struct AllocateNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Allocate;
  AllocateNode(Buffer buffer, Stmt body)
      : StmtNode(Kind), buffer(std::move(buffer)), body(std::move(body)) {}
  const Buffer buffer;
  const Stmt body;
};

/// Binds var to value (evaluated once) within body.
struct LetNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Let;
  LetNode(Var var, Expr value, Stmt body)
      : StmtNode(Kind), var(std::move(var)), value(std::move(value)),
        body(std::move(body)) {}
  const Var var;
  const Expr value;
  const Stmt body;
};

struct EvaluateNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Evaluate;
  explicit EvaluateNode(Expr value) : StmtNode(Kind), value(std::move(value)) {}
  const Expr value;
};

/// A memory barrier among the threads of a GPU block or accelerator queues.
struct BarrierNode : StmtNode {
  static constexpr StmtKind Kind = StmtKind::Barrier;
  BarrierNode() : StmtNode(Kind) {}
};

Stmt makeFor(Var var, Expr min, Expr extent, ForKind kind, Stmt body);
/// Flattens nested Seqs and drops null statements; one statement is returned
/// as itself.
Stmt makeSeq(std::vector<Stmt> stmts);
Stmt makeIf(Expr cond, Stmt thenBody, Stmt elseBody = Stmt());
Stmt makeStore(Buffer buffer, std::vector<Expr> indices, Expr value);
Stmt makeAllocate(Buffer buffer, Stmt body);
Stmt makeLet(Var var, Expr value, Stmt body);
Stmt makeEvaluate(Expr value);
Stmt makeBarrier();

} // namespace kiln::loop

#endif
