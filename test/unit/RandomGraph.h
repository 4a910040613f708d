//===- RandomGraph.h - seeded random graphs for pass testing ----*- C++ -*-===//
// Builds small, valid, runnable graph IR modules from a seed, made of the
// patterns graph passes look for (Conv+BN, transpose pairs, shape chains...).
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_UNIT_RANDOMGRAPH_H
#define KILN_TEST_UNIT_RANDOMGRAPH_H

#include "kiln/IR/Module.h"
#include "kiln/IR/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

struct RandomGraph {
  uint64_t seed = 0;
  std::unique_ptr<Module> module;
  /// Seeded random data for the main function's inputs.
  std::vector<Tensor> inputs;
  /// The patterns the graph was built from, in order ("conv-bn", "dead"...).
  std::vector<std::string> patterns;
  /// "seed 17: conv-bn, transposes, gemm-head" for failure messages.
  std::string describe() const;
};

/// The graph of `seed`: 1-2 f32 inputs of shape [1,C,H,W] (C in {2,4,8,16},
/// H and W in 3..9) and about 4-15 non-constant nodes. The same seed gives
/// the same graph on every platform. Throws kiln::Error if the built graph
/// does not verify (a generator bug).
RandomGraph makeRandomGraph(uint64_t seed);

} // namespace kiln

#endif
