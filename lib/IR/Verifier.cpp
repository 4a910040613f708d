//===- Verifier.cpp -------------------------------------------------------===//
#include "kiln/IR/Verifier.h"
#include "kiln/IR/InferContext.h"

#include <unordered_set>

namespace kiln {

namespace {

class Verifier {
public:
  void verifyFunction(const Function &f,
                      std::vector<std::unordered_set<const Value *>> &scopes);

private:
  void verifyNode(const Node &n,
                  std::vector<std::unordered_set<const Value *>> &scopes);
};

bool isDefined(const Value *v,
               const std::vector<std::unordered_set<const Value *>> &scopes) {
  for (const auto &s : scopes)
    if (s.count(v))
      return true;
  return false;
}

// Types agree if element types match and every dimension known on both
// sides is the same.
bool typesAgree(const TensorType &declared, const TensorType &inferred) {
  if (declared.elementType() != inferred.elementType())
    return false;
  if (!declared.isRanked() || !inferred.isRanked())
    return true;
  if (declared.rank() != inferred.rank())
    return false;
  for (size_t i = 0; i < declared.rank(); ++i) {
    const Dim &a = declared.dim(i), &b = inferred.dim(i);
    if (a.isStatic() && b.isStatic() && a.size() != b.size())
      return false;
  }
  return true;
}

void Verifier::verifyNode(
    const Node &n, std::vector<std::unordered_set<const Value *>> &scopes) {
  const OpInfo &info = n.info();
  std::string where = n.describe();
  int numOperands = int(n.numOperands());
  if (numOperands < info.minInputs ||
      (info.maxInputs >= 0 && numOperands > info.maxInputs))
    fail("{}: has {} operands, expected {}{}", where, numOperands,
         info.minInputs,
         info.maxInputs < 0 ? " or more"
         : info.maxInputs == info.minInputs
             ? std::string()
             : fmt::format(" to {}", info.maxInputs));
  for (int i = 0; i < numOperands; ++i) {
    const Value *v = n.operand(size_t(i));
    if (!v) {
      if (i < info.minInputs)
        fail("{}: required operand {} is missing", where, i);
      continue;
    }
    if (!isDefined(v, scopes))
      fail("{}: operand {} ('{}') is not defined before its use", where, i,
           v->name());
  }
  int numResults = int(n.numResults());
  if (numResults < info.minOutputs ||
      (info.maxOutputs >= 0 && numResults > info.maxOutputs))
    fail("{}: has {} results, expected {}{}", where, numResults,
         info.minOutputs,
         info.maxOutputs < 0 ? " or more"
         : info.maxOutputs == info.minOutputs
             ? std::string()
             : fmt::format(" to {}", info.maxOutputs));
  for (const auto &[name, attr] : n.attrs()) {
    const AttrSpec *spec = info.findAttr(name);
    if (!spec)
      fail("{}: unknown attribute '{}'", where, name);
    if (spec->kind != attr.kind())
      fail("{}: attribute '{}' must be {}, not {}", where, name,
           toString(spec->kind), toString(attr.kind()));
  }
  for (const AttrSpec &spec : info.attrs)
    if (spec.required && !n.hasAttr(spec.name))
      fail("{}: missing required attribute '{}'", where, spec.name);

  // Subgraph bodies see everything defined so far.
  for (const auto &[name, attr] : n.attrs())
    if (attr.kind() == AttrKind::Graph) {
      try {
        verifyFunction(attr.getGraph(), scopes);
      } catch (const Error &e) {
        fail("{}: in attribute '{}': {}", where, name, e.what());
      }
    }

  std::vector<TensorType> inferred = inferResultTypes(n);
  for (size_t i = 0; i < n.numResults() && i < inferred.size(); ++i) {
    const TensorType &declared = n.result(i)->type();
    if (!typesAgree(declared, inferred[i]))
      fail("{}: result {} ('{}') is declared {} but inferred {}", where, i,
           n.result(i)->name(), declared.str(), inferred[i].str());
  }
  for (const Value *r : n.results()) {
    if (r->producer() != &n)
      fail("{}: result '{}' does not point back to its node", where,
           r->name());
    scopes.back().insert(r);
  }
}

void Verifier::verifyFunction(
    const Function &f, std::vector<std::unordered_set<const Value *>> &scopes) {
  scopes.emplace_back();
  for (const Value *in : f.inputs()) {
    if (!scopes.back().insert(in).second)
      fail("function '{}': input '{}' is listed twice", f.name(), in->name());
  }
  for (const auto &n : f.nodes()) {
    if (n->parent() != &f)
      fail("{}: belongs to another function", n->describe());
    verifyNode(*n, scopes);
  }
  for (size_t i = 0; i < f.outputs().size(); ++i) {
    const Value *out = f.outputs()[i];
    if (!out)
      fail("function '{}': output {} is missing", f.name(), i);
    if (!isDefined(out, scopes))
      fail("function '{}': output '{}' is not defined", f.name(), out->name());
  }
  scopes.pop_back();
}

} // namespace

void verify(const Function &function) {
  std::vector<std::unordered_set<const Value *>> scopes;
  Verifier().verifyFunction(function, scopes);
}

void verify(const Module &module) {
  for (const auto &f : module.functions())
    verify(*f);
}

} // namespace kiln
