//===- Pipelines.cpp - the default graph pipelines of -O0..-O3 ------------===//
// docs/passes.md explains each level. Folding runs again after passes that
// create constant subgraphs (BN folding, layout's weight packing), and DCE
// before fusion so groups never include dead nodes. qdq-to-integer runs
// before the first fold-constants, which would fold DequantizeLinear of
// constant 8-bit weights into float weights.
//===----------------------------------------------------------------------===//

#include "kiln/Support/Error.h"
#include "kiln/Transforms/PassManager.h"

#include <algorithm>

namespace kiln {

std::string defaultGraphPipeline(unsigned optLevel) {
  switch (optLevel) {
  case 0:
    return "";
  case 1:
    return "fold-shapes,qdq-to-integer,fold-constants,simplify,cse,dce";
  case 2:
    return "fold-shapes,qdq-to-integer,fold-constants,simplify,cse,"
           "fold-batchnorm,fold-constants,simplify,pack-gemm-weights,dce,fuse";
  case 3:
    return "fold-shapes,qdq-to-integer,fold-constants,simplify,cse,"
           "fold-batchnorm,fold-constants,simplify,qmatmul-as-conv,"
           "layout-nchwc,winograd,fold-constants,"
           "simplify,cse,pack-gemm-weights,dce,fuse";
  }
  fail("unknown optimization level -O{} (expected 0-3)", optLevel);
}

static std::vector<std::string> splitNames(std::string_view text) {
  std::vector<std::string> names;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    if (!name.empty())
      names.emplace_back(name);
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  return names;
}

std::string withoutPasses(std::string_view pipeline, std::string_view names) {
  std::vector<std::string> passes = splitNames(pipeline);
  for (const std::string &name : splitNames(names)) {
    auto end = std::remove(passes.begin(), passes.end(), name);
    check(end != passes.end(), "pass '{}' is not in the pipeline '{}'", name,
          pipeline);
    passes.erase(end, passes.end());
  }
  std::string out;
  for (const std::string &p : passes)
    out += (out.empty() ? "" : ",") + p;
  return out;
}

} // namespace kiln
