//===- Folding.h - constant folding shared by folding passes --*- C++ -*-===//
// Evaluates a node whose operands are all constants with the interpreter and
// replaces it by Constant nodes; also what makes an op unsafe to fold or merge.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_TRANSFORMS_FOLDING_H
#define KILN_LIB_TRANSFORMS_FOLDING_H

#include "kiln/IR/Function.h"
#include "kiln/IR/Tensor.h"

namespace kiln {

/// Whether two evaluations of `node` on the same operands may differ (random
/// ops, Dropout that may be in training mode): never fold or merge these.
bool isNondeterministic(const Node &node);

/// Replaces `node`'s results by new Constant nodes holding `values` (one per
/// result, inserted before it; quantization parameters of the old result
/// types are kept), erases the node and returns the new values.
std::vector<Value *> replaceByConstants(Function &f, Node &node,
                                        std::vector<Tensor> values);

/// Folds `node` if every present operand is a Constant result, it has an
/// interpreter kernel, is deterministic and has no subgraph. Size limits keep
/// folding from growing a model or taking long: no result may be larger than
/// max(foldLimit, the operands' total elements), and superlinear ops (Conv,
/// MatMul, ...) fold only when their operands total at most foldLimit. An
/// interpreter error leaves the node alone. Returns the new constant values,
/// or an empty vector if it did not fold.
std::vector<Value *> tryFoldNode(Function &f, Node &node, int64_t foldLimit);

/// Re-infers result types of every node of f and of the subgraphs nested in
/// it, in order.
void reinferAllTypes(Function &f);

} // namespace kiln

#endif
