//===- PassManager.cpp - runs pipelines of passes, with instrumentation ---===//

#include "kiln/Transforms/PassManager.h"

#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/LoopIR/Verifier.h"
#include "kiln/Support/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace kiln {

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

template <typename IR> PassRegistry<IR> &PassRegistry<IR>::instance() {
  static PassRegistry registry;
  return registry;
}

template <typename IR>
void PassRegistry<IR>::add(std::string name, std::string description,
                           Factory create) {
  check(!entries_.count(name), "pass '{}' is registered twice", name);
  Entry e{name, std::move(description), std::move(create)};
  entries_.emplace(std::move(name), std::move(e));
}

template <typename IR>
const typename PassRegistry<IR>::Entry *
PassRegistry<IR>::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

template <typename IR>
std::vector<const typename PassRegistry<IR>::Entry *>
PassRegistry<IR>::entries() const {
  std::vector<const Entry *> out;
  for (const auto &[name, e] : entries_)
    out.push_back(&e);
  return out;
}

template class PassRegistry<Module>;
template class PassRegistry<loop::Program>;

//===----------------------------------------------------------------------===//
// What the manager needs of each IR: print, verify, check requirements.
//===----------------------------------------------------------------------===//

// Dumps elide big constants (weights) so --print-after-all stays readable on
// real models, as MLIR's dumps do.
static std::string printIR(const Module &m) {
  PrintOptions options;
  options.elideElementsAbove = 16;
  return toText(m, options);
}
static std::string printIR(const loop::Program &p) {
  return loop::printProgram(p);
}
static void verifyIR(const Module &m) { verify(m); }
static void verifyIR(const loop::Program &p) {
  for (const loop::PrimFunc &f : p.funcs)
    loop::verifyPrimFunc(f);
  loop::verifyProgram(p);
}
static const char *irName(const Module *) { return "graph IR"; }
static const char *irName(const loop::Program *) { return "loop IR"; }

std::string unmetRequirement(const Module &m, PassRequirement requirement) {
  if (requirement != RequiresStaticShapes)
    return "";
  const Function &f = m.main();
  auto bad = [](const Value &v) {
    return !v.type().isRanked() || !v.type().hasStaticShape();
  };
  for (const Value *v : f.inputs())
    if (bad(*v))
      return fmt::format("input '{}' has type {}, which is not static",
                         v->name(), v->type().str());
  for (const auto &n : f.nodes())
    for (const Value *r : n->results())
      if (r && bad(*r))
        return fmt::format("value '{}' (result of {}) has type {}, which is "
                           "not static",
                           r->name(), n->describe(), r->type().str());
  return "";
}

std::string unmetRequirement(const loop::Program &, PassRequirement) {
  return ""; // loop IR is static by construction
}

//===----------------------------------------------------------------------===//
// Manager
//===----------------------------------------------------------------------===//

template <typename IR>
PassManager<IR>::PassManager(PassConfig config,
                             PassInstrumentation instrumentation)
    : config_(config), instrumentation_(std::move(instrumentation)) {}
template <typename IR> PassManager<IR>::~PassManager() = default;
template <typename IR> PassManager<IR>::PassManager(PassManager &&) = default;

template <typename IR>
void PassManager<IR>::add(std::unique_ptr<Pass<IR>> pass) {
  passes_.push_back(std::move(pass));
}

template <typename IR>
void PassManager<IR>::addPipeline(std::string_view pipeline) {
  size_t pos = 0;
  while (pos <= pipeline.size()) {
    size_t comma = pipeline.find(',', pos);
    if (comma == std::string_view::npos)
      comma = pipeline.size();
    std::string_view name = pipeline.substr(pos, comma - pos);
    while (!name.empty() && name.front() == ' ')
      name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ')
      name.remove_suffix(1);
    if (!name.empty()) {
      const auto *entry = PassRegistry<IR>::instance().find(name);
      if (!entry) {
        std::vector<std::string> known;
        for (const auto *e : PassRegistry<IR>::instance().entries())
          known.push_back(e->name);
        fail("unknown {} pass '{}' in pipeline '{}' (known passes: {})",
             irName(static_cast<IR *>(nullptr)), name, pipeline,
             known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
      }
      passes_.push_back(entry->create());
    } else if (comma < pipeline.size()) {
      fail("empty pass name in pipeline '{}'", pipeline);
    }
    pos = comma + 1;
  }
}

template <typename IR> std::string PassManager<IR>::pipelineText() const {
  std::string text;
  for (const auto &p : passes_)
    text += (text.empty() ? "" : ",") + std::string(p->name());
  return text;
}

template <typename IR> bool PassManager<IR>::run(IR &ir) {
  std::ostream &dump =
      instrumentation_.dumpStream ? *instrumentation_.dumpStream : std::cerr;
  bool anyChanged = false;
  for (const auto &pass : passes_) {
    PassRecord record;
    record.name = std::string(pass->name());
    for (unsigned bit = 1; bit != 0 && bit <= pass->requirements(); bit <<= 1) {
      if (!(pass->requirements() & bit))
        continue;
      std::string why = unmetRequirement(ir, PassRequirement(bit));
      if (why.empty())
        continue;
      if (!instrumentation_.skipUnmetRequirements)
        fail("pass '{}' requires static shapes: {}; pin symbolic input "
             "dimensions with --input-shape",
             record.name, why);
      record.skipped = true;
      record.skipReason = why;
      break;
    }
    if (record.skipped) {
      records_.push_back(std::move(record));
      continue;
    }
    if (instrumentation_.printBeforeAll ||
        instrumentation_.printBefore.count(record.name))
      dump << "// *** IR Dump Before " << record.name << " ***\n"
           << printIR(ir) << std::flush;
    auto start = std::chrono::steady_clock::now();
    try {
      record.changed = pass->run(ir, config_, record.stats);
    } catch (const Error &e) {
      fail("pass '{}': {}", record.name, e.what());
    }
    record.seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    anyChanged |= record.changed;
    if (instrumentation_.printAfterAll ||
        instrumentation_.printAfter.count(record.name))
      dump << "// *** IR Dump After " << record.name
           << (record.changed ? "" : " (no change)") << " ***\n"
           << printIR(ir) << std::flush;
    if (instrumentation_.verifyEach) {
      try {
        verifyIR(ir);
      } catch (const Error &e) {
        fail("{} is invalid after pass '{}': {}",
             irName(static_cast<IR *>(nullptr)), record.name, e.what());
      }
    }
    records_.push_back(std::move(record));
  }
  return anyChanged;
}

void printPassTimings(const std::vector<PassRecord> &records,
                      const char *irLevel, std::ostream &os) {
  // One row per pass name, runs of the same pass summed, largest first.
  std::vector<std::pair<std::string, std::pair<double, int>>> rows;
  double total = 0;
  for (const PassRecord &r : records) {
    total += r.seconds;
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const auto &row) { return row.first == r.name; });
    if (it == rows.end())
      rows.push_back({r.name, {r.seconds, 1}});
    else {
      it->second.first += r.seconds;
      it->second.second += 1;
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  const char *rule = "===-------------------------------------------------------"
                     "------------------===\n";
  os << rule
     << fmt::format("{:^77}\n",
                    fmt::format("... {} pass execution timing report ...",
                                irLevel))
     << rule;
  os << fmt::format("  Total Execution Time: {:.4f} seconds\n\n", total);
  os << fmt::format("  {:>10}  {:>7}  {:>4}  {}\n", "Wall Time", "%", "Runs",
                    "Name");
  for (const auto &[name, t] : rows)
    os << fmt::format("  {:10.4f}  {:6.1f}%  {:4}  {}\n", t.first,
                      total > 0 ? 100.0 * t.first / total : 0.0, t.second,
                      name);
  os << fmt::format("  {:10.4f}  {:6.1f}%  {:4}  Total\n", total, 100.0,
                    records.size());
}

void printPassStats(const std::vector<PassRecord> &records, const char *irLevel,
                    std::ostream &os) {
  // Counters summed over runs of the same pass.
  std::map<std::pair<std::string, std::string>, int64_t> sums;
  std::map<std::string, int64_t> skipped;
  for (const PassRecord &r : records) {
    for (const auto &[counter, value] : r.stats.counters())
      sums[{r.name, counter}] += value;
    if (r.skipped)
      skipped[r.name] += 1;
  }
  const char *rule = "===-------------------------------------------------------"
                     "------------------===\n";
  os << rule
     << fmt::format("{:^77}\n",
                    fmt::format("... {} pass statistics ...", irLevel))
     << rule;
  for (const auto &[key, value] : sums)
    if (value != 0)
      os << fmt::format("{:>8} {} - {}\n", value, key.first, key.second);
  for (const auto &[name, n] : skipped)
    os << fmt::format("{:>8} {} - runs skipped (requirement not met)\n", n,
                      name);
}

template class PassManager<Module>;
template class PassManager<loop::Program>;

} // namespace kiln
