//===- Printer.cpp - loop IR to text --------------------------------------===//
// The syntax is described in docs/loop-ir.md; Parser.cpp reads it back.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Printer.h"

#include "kiln/LoopIR/Functor.h"

#include "LoopText.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace kiln::loop {

using text::nameText;

namespace {

// Binding strength of an expression's outermost operator: a child printed
// inside a stronger operator gets parentheses.
enum Prec : int {
  PrecOr = 1,
  PrecAnd,
  PrecEq,
  PrecRel,
  PrecAdd,
  PrecMul,
  PrecUnary,
  PrecPrimary,
};

const char *infixSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::Mod: return "%";
  case BinaryOp::EQ: return "==";
  case BinaryOp::NE: return "!=";
  case BinaryOp::LT: return "<";
  case BinaryOp::LE: return "<=";
  case BinaryOp::GT: return ">";
  case BinaryOp::GE: return ">=";
  case BinaryOp::And: return "&&";
  case BinaryOp::Or: return "||";
  default: return nullptr; // printed as a call: min(a, b)
  }
}

int binaryPrec(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or: return PrecOr;
  case BinaryOp::And: return PrecAnd;
  case BinaryOp::EQ:
  case BinaryOp::NE: return PrecEq;
  case BinaryOp::LT:
  case BinaryOp::LE:
  case BinaryOp::GT:
  case BinaryOp::GE: return PrecRel;
  case BinaryOp::Add:
  case BinaryOp::Sub: return PrecAdd;
  case BinaryOp::Mul:
  case BinaryOp::Div:
  case BinaryOp::Mod: return PrecMul;
  default: return PrecPrimary;
  }
}

int precOf(const Expr &e) {
  if (!e)
    return PrecPrimary;
  if (auto *b = e.as<BinaryNode>())
    return binaryPrec(b->op);
  if (e.as<UnaryNode>())
    return PrecUnary;
  // A negative literal starts with '-', like a unary expression.
  if (auto *i = e.as<IntImmNode>())
    return i->value < 0 && i->type.elem != ElementType::U64 ? PrecUnary
                                                            : PrecPrimary;
  if (auto *f = e.as<FloatImmNode>())
    return std::signbit(f->value) ? PrecUnary : PrecPrimary;
  return PrecPrimary;
}

/// The type a shorthand intrinsic call `exp(x)` is read back with.
std::optional<DType> intrinsicType(const CallNode *c) {
  auto id = lookupIntrinsic(c->name);
  if (!id || c->args.empty() || int(c->args.size()) != intrinsicArity(*id) ||
      !c->args[0])
    return std::nullopt;
  DType t = c->args[0].type();
  if (*id == Intrinsic::IsNan || *id == Intrinsic::IsInf)
    return DType::boolean(t.lanes);
  return t;
}

class Printer {
public:
  /// With `unique`, distinct nodes get distinct names in print order.
  explicit Printer(bool unique) : unique_(unique) {}

  std::string name(const void *node, const std::string &own,
                   const char *fallback) {
    if (!unique_)
      return "%" + nameText(own);
    auto it = names_.find(node);
    if (it != names_.end())
      return it->second;
    std::string base = own.empty() ? fallback : own;
    std::string n = base;
    for (int k = 1; taken_.count(n); ++k)
      n = base + "." + std::to_string(k);
    taken_.insert(n);
    return names_[node] = "%" + nameText(n);
  }
  /// At a binding site: a node bound (or used) before gets a fresh name, so
  /// that text from IR that rebinds one node still reads back the same.
  void bind(const void *node) {
    if (unique_)
      names_.erase(node);
  }
  std::string varName(const Var &v) {
    return v ? name(v.get(), v.name(), "v") : "<null>";
  }
  std::string bufName(const Buffer &b) {
    return b ? name(b.get(), b->name, "buf") : "<null>";
  }

  void expr(std::ostream &os, const Expr &e);
  void stmt(std::ostream &os, const Stmt &s, int indent);
  void block(std::ostream &os, const Stmt &s, int indent);
  void bufferType(std::ostream &os, const BufferNode &b);
  void func(std::ostream &os, const PrimFunc &f);

private:
  void operand(std::ostream &os, const Expr &e, bool parens) {
    if (parens)
      os << '(';
    expr(os, e);
    if (parens)
      os << ')';
  }
  void args(std::ostream &os, const std::vector<Expr> &list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i)
        os << ", ";
      expr(os, list[i]);
    }
  }

  void collectViews(const PrimFunc &f);
  void views(std::ostream &os, const BufferNode *root, int indent);

  bool unique_;
  // Views are declared where their root comes into scope, in first-use order.
  std::unordered_map<const BufferNode *, std::vector<Buffer>> viewsOf_;
  std::unordered_set<const BufferNode *> allocated_;
  std::unordered_map<const void *, std::string> names_;
  std::unordered_set<std::string> taken_;
};

void Printer::expr(std::ostream &os, const Expr &e) {
  if (!e) {
    os << "<null>";
    return;
  }
  switch (e.kind()) {
  case ExprKind::IntImm: {
    auto *n = e.as<IntImmNode>();
    if (n->type.isBool()) {
      os << (n->value ? "true" : "false");
      if (n->type.lanes != 1)
        os << ':' << n->type.str();
      return;
    }
    if (n->type.elem == ElementType::U64)
      os << uint64_t(n->value);
    else
      os << n->value;
    if (n->type != DType::index())
      os << ':' << n->type.str();
    return;
  }
  case ExprKind::FloatImm: {
    auto *n = e.as<FloatImmNode>();
    os << text::formatDouble(n->value) << ':' << n->type.str();
    return;
  }
  case ExprKind::Var:
    os << name(e.get(), e.as<VarNode>()->name, "v");
    return;
  case ExprKind::Binary: {
    auto *n = e.as<BinaryNode>();
    if (const char *op = infixSpelling(n->op)) {
      int p = binaryPrec(n->op);
      // Left-associative: an equal-strength right operand needs parentheses.
      operand(os, n->a, precOf(n->a) < p);
      os << ' ' << op << ' ';
      operand(os, n->b, precOf(n->b) <= p);
      return;
    }
    os << toString(n->op) << '(';
    args(os, {n->a, n->b});
    os << ')';
    return;
  }
  case ExprKind::Unary: {
    auto *n = e.as<UnaryNode>();
    os << (n->op == UnaryOp::Neg ? "-" : n->op == UnaryOp::Not ? "!" : "~");
    // "-4" would read back as a literal, so a literal operand gets parens.
    bool literal = n->a && (n->a.as<IntImmNode>() || n->a.as<FloatImmNode>());
    operand(os, n->a, precOf(n->a) < PrecUnary || literal);
    return;
  }
  case ExprKind::Select: {
    auto *n = e.as<SelectNode>();
    os << "select(";
    args(os, {n->cond, n->trueValue, n->falseValue});
    os << ')';
    return;
  }
  case ExprKind::Cast: {
    auto *n = e.as<CastNode>();
    os << "cast<" << n->type.str() << ">(";
    expr(os, n->value);
    os << ')';
    return;
  }
  case ExprKind::Load: {
    auto *n = e.as<LoadNode>();
    os << bufName(n->buffer) << '[';
    args(os, n->indices);
    os << ']';
    return;
  }
  case ExprKind::Call: {
    auto *n = e.as<CallNode>();
    if (intrinsicType(n) == n->type)
      os << n->name << '(';
    else
      os << "call<" << n->type.str() << ">(" << text::quote(n->name)
         << (n->args.empty() ? "" : ", ");
    args(os, n->args);
    os << ')';
    return;
  }
  case ExprKind::Ramp: {
    auto *n = e.as<RampNode>();
    os << "ramp(";
    args(os, {n->base, n->stride});
    os << ", " << n->lanes << ')';
    return;
  }
  case ExprKind::Broadcast: {
    auto *n = e.as<BroadcastNode>();
    os << "broadcast(";
    expr(os, n->value);
    os << ", " << n->lanes << ')';
    return;
  }
  }
  os << "<?>";
}

void Printer::bufferType(std::ostream &os, const BufferNode &b) {
  os << toString(b.elem) << '[';
  for (size_t i = 0; i < b.shape.size(); ++i)
    os << (i ? "," : "") << b.shape[i];
  os << ']';
  if (!b.isDense()) {
    os << " strides [";
    for (size_t i = 0; i < b.strides.size(); ++i)
      os << (i ? "," : "") << b.strides[i];
    os << ']';
  }
  os << ' ' << toString(b.scope);
}

// The statements of a block body, one per line (a Seq is spread out).
void Printer::block(std::ostream &os, const Stmt &s, int indent) {
  if (auto *seq = s.as<SeqNode>()) {
    for (const Stmt &c : seq->stmts)
      block(os, c, indent);
    return;
  }
  stmt(os, s, indent);
}

static bool sameTypedInt(const Expr &e, DType t, int64_t *value) {
  auto *imm = e ? e.as<IntImmNode>() : nullptr;
  if (!imm || imm->type != t)
    return false;
  *value = imm->value;
  return true;
}

void Printer::stmt(std::ostream &os, const Stmt &s, int indent) {
  std::string pad(size_t(indent) * 2, ' ');
  if (!s) {
    os << pad << "<null>\n";
    return;
  }
  switch (s.kind()) {
  case StmtKind::For: {
    auto *n = s.as<ForNode>();
    bind(n->var.get());
    os << pad << "for " << varName(n->var);
    DType vt = n->var ? n->var.type() : DType::index();
    if (vt != DType::index())
      os << ": " << vt.str();
    int64_t lo, extent, hi;
    if (sameTypedInt(n->min, vt, &lo) && sameTypedInt(n->extent, vt, &extent) &&
        !__builtin_add_overflow(lo, extent, &hi)) {
      os << " in [" << lo << ", " << hi << ")";
    } else {
      os << " from ";
      expr(os, n->min);
      os << " extent ";
      expr(os, n->extent);
    }
    os << ' ' << toString(n->forKind) << " {\n";
    block(os, n->body, indent + 1);
    os << pad << "}\n";
    return;
  }
  case StmtKind::Seq: {
    auto *n = s.as<SeqNode>();
    for (const Stmt &c : n->stmts)
      block(os, c, indent);
    return;
  }
  case StmtKind::IfThenElse: {
    auto *n = s.as<IfThenElseNode>();
    os << pad << "if ";
    expr(os, n->cond);
    os << " {\n";
    block(os, n->thenBody, indent + 1);
    // else-if chains stay flat.
    while (n->elseBody && n->elseBody.as<IfThenElseNode>()) {
      n = n->elseBody.as<IfThenElseNode>();
      os << pad << "} else if ";
      expr(os, n->cond);
      os << " {\n";
      block(os, n->thenBody, indent + 1);
    }
    if (n->elseBody) {
      os << pad << "} else {\n";
      block(os, n->elseBody, indent + 1);
    }
    os << pad << "}\n";
    return;
  }
  case StmtKind::Store: {
    auto *n = s.as<StoreNode>();
    os << pad << bufName(n->buffer) << '[';
    args(os, n->indices);
    os << "] = ";
    expr(os, n->value);
    os << '\n';
    return;
  }
  case StmtKind::Allocate: {
    auto *n = s.as<AllocateNode>();
    bind(n->buffer.get());
    os << pad << "alloc " << bufName(n->buffer) << ": ";
    if (n->buffer)
      bufferType(os, *n->buffer);
    os << " {\n";
    views(os, n->buffer.get(), indent + 1);
    block(os, n->body, indent + 1);
    os << pad << "}\n";
    return;
  }
  case StmtKind::Let: {
    auto *n = s.as<LetNode>();
    bind(n->var.get());
    os << pad << "let " << varName(n->var) << ": "
       << (n->var ? n->var.type().str() : "?") << " = ";
    expr(os, n->value);
    os << " {\n";
    block(os, n->body, indent + 1);
    os << pad << "}\n";
    return;
  }
  case StmtKind::Evaluate:
    os << pad << "eval ";
    expr(os, s.as<EvaluateNode>()->value);
    os << '\n';
    return;
  case StmtKind::Barrier:
    os << pad << "barrier\n";
    return;
  }
  os << pad << "<?>\n";
}

void Printer::func(std::ostream &os, const PrimFunc &f) {
  os << "func @" << nameText(f.name) << '(';
  for (size_t i = 0; i < f.params.size(); ++i) {
    os << (i ? ", " : "") << bufName(f.params[i]) << ": ";
    if (f.params[i])
      bufferType(os, *f.params[i]);
  }
  os << ") {\n";
  collectViews(f);
  for (const Buffer &p : f.params)
    views(os, p.get(), 1);
  // Views of buffers that are neither parameters nor allocated (invalid IR,
  // printed for diagnostics).
  std::vector<const BufferNode *> rest;
  for (const auto &entry : viewsOf_)
    if (!allocated_.count(entry.first))
      rest.push_back(entry.first);
  std::sort(rest.begin(), rest.end(), [&](auto *a, auto *b) {
    return viewsOf_[a].front()->name < viewsOf_[b].front()->name;
  });
  for (const BufferNode *root : rest)
    views(os, root, 1);
  if (f.body)
    block(os, f.body, 1);
  os << "}\n";
}

void Printer::collectViews(const PrimFunc &f) {
  struct Collector : IRVisitor {
    Printer *p;
    std::unordered_set<const BufferNode *> seen;
    void note(const Buffer &b) {
      if (b && b->viewOf && seen.insert(b.get()).second)
        p->viewsOf_[b->viewOf.get()].push_back(b);
    }
    void visitLoad(const LoadNode *n) override {
      note(n->buffer);
      IRVisitor::visitLoad(n);
    }
    void visitStore(const StoreNode *n) override {
      note(n->buffer);
      IRVisitor::visitStore(n);
    }
    void visitAllocate(const AllocateNode *n) override {
      p->allocated_.insert(n->buffer.get());
      IRVisitor::visitAllocate(n);
    }
  } c;
  c.p = this;
  if (f.body)
    c.visit(f.body);
}

// "view %v: f32[2,16] global of %root offset 8", once per view.
void Printer::views(std::ostream &os, const BufferNode *root, int indent) {
  auto it = viewsOf_.find(root);
  if (it == viewsOf_.end())
    return;
  std::vector<Buffer> list = std::move(it->second);
  viewsOf_.erase(it);
  for (const Buffer &v : list) {
    os << std::string(size_t(indent) * 2, ' ') << "view " << bufName(v)
       << ": ";
    bufferType(os, *v);
    os << " of " << bufName(v->viewOf);
    if (v->viewOffset)
      os << " offset " << v->viewOffset;
    os << '\n';
  }
}

} // namespace

void printPrimFunc(std::ostream &os, const PrimFunc &func) {
  Printer(/*unique=*/true).func(os, func);
}

std::string printPrimFunc(const PrimFunc &func) {
  std::ostringstream os;
  printPrimFunc(os, func);
  return os.str();
}

std::string printPrimFuncs(const std::vector<PrimFunc> &funcs) {
  std::ostringstream os;
  for (size_t i = 0; i < funcs.size(); ++i) {
    if (i)
      os << '\n';
    printPrimFunc(os, funcs[i]);
  }
  return os.str();
}

std::string printPrimFuncCanonical(const PrimFunc &func) {
  std::string text = printPrimFunc(func), out;
  out.reserve(text.size());
  std::unordered_map<std::string, size_t> ids;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    bool sigil = (c == '%' || c == '@') && i + 1 < text.size() &&
                 (text::isNameChar(text[i + 1]) || text[i + 1] == '"');
    if (!sigil) {
      out += c;
      ++i;
      continue;
    }
    // The whole name: bare name characters, or a quoted string.
    size_t end = i + 1;
    if (text[end] == '"') {
      for (++end; end < text.size() && text[end] != '"'; ++end)
        if (text[end] == '\\')
          ++end;
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && text::isNameChar(text[end]))
        ++end;
    }
    std::string name = text.substr(i, end - i);
    auto [it, fresh] = ids.emplace(name, ids.size());
    out += c;
    out += std::to_string(it->second);
    i = end;
  }
  return out;
}

std::string printExpr(const Expr &expr) {
  std::ostringstream os;
  Printer(/*unique=*/false).expr(os, expr);
  return os.str();
}

std::string printStmt(const Stmt &stmt) {
  std::ostringstream os;
  Printer(/*unique=*/false).stmt(os, stmt, 0);
  return os.str();
}

static const char *toString(StorageKind k) {
  switch (k) {
  case StorageKind::Input: return "input";
  case StorageKind::Output: return "output";
  case StorageKind::Constant: return "constant";
  case StorageKind::Arena: return "arena";
  }
  return "?";
}

std::string printProgram(const Program &p) {
  std::ostringstream os;
  os << "// program " << text::quote(p.name) << ": " << p.tensors.size()
     << " tensors, " << p.funcs.size() << " kernels, " << p.calls.size()
     << " calls, arena " << p.arenaSize << " bytes\n";
  os << "tensors {\n";
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const ProgramTensor &t = p.tensors[i];
    os << "  #" << i << ' ' << text::quote(t.name) << ": " << toString(t.elem)
       << '[';
    for (size_t d = 0; d < t.shape.size(); ++d)
      os << (d ? "," : "") << t.shape[d];
    os << "] " << toString(t.storage);
    if (t.storage == StorageKind::Input || t.storage == StorageKind::Output)
      os << ' ' << t.index;
    if (t.offset >= 0)
      os << " offset " << t.offset;
    os << " size " << t.byteSize() << '\n';
  }
  os << "}\n";
  auto ids = [&](const char *what, const std::vector<size_t> &list) {
    os << what << " (";
    for (size_t i = 0; i < list.size(); ++i)
      os << (i ? ", #" : "#") << list[i];
    os << ")\n";
  };
  ids("inputs", p.inputs);
  ids("outputs", p.outputs);
  os << "calls {\n";
  for (const KernelCall &c : p.calls) {
    os << "  ";
    if (c.func < p.funcs.size())
      os << '@' << nameText(p.funcs[c.func].name);
    else
      os << "@<bad function " << c.func << '>';
    os << '(';
    for (size_t i = 0; i < c.args.size(); ++i)
      os << (i ? ", #" : "#") << c.args[i];
    os << ')';
    if (c.workspaceSize)
      os << " workspace " << c.workspaceSize << " at " << c.workspaceOffset;
    if (c.inPlace.first >= 0)
      os << " inplace " << c.inPlace.first << " <- " << c.inPlace.second;
    os << '\n';
  }
  os << "}\n";
  for (const PrimFunc &f : p.funcs) {
    os << '\n';
    printPrimFunc(os, f);
  }
  return os.str();
}

} // namespace kiln::loop
