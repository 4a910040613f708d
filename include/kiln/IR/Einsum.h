//===- Einsum.h - parsing Einsum equations ----------------------*- C++ -*-===//
// Turns an Einsum equation such as "...ij,jk->...ik" into per-operand label
// lists, shared by type inference and the interpreter kernel.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_EINSUM_H
#define KILN_IR_EINSUM_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// A parsed equation. Labels are small integers: letters a-z are 0-25,
/// A-Z are 26-51, and the dims covered by an ellipsis are 52, 53, ...
/// counted from the outermost broadcast dim.
struct EinsumEquation {
  std::vector<std::vector<int>> inputs; // one label per operand dim
  std::vector<int> output;              // one label per result dim
  int numLabels = 0;                    // labels are < numLabels
  int numEllipsisDims = 0;              // broadcast dims under "..."
};

/// Parses `equation` for operands of the given ranks. Without "->" the
/// output is the ellipsis dims followed by the labels used exactly once, in
/// alphabetical order. Throws kiln::Error on malformed equations.
EinsumEquation parseEinsum(const std::string &equation,
                           const std::vector<int64_t> &ranks);

} // namespace kiln

#endif
