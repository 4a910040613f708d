//===- PassFlags.h - the pass-manager flags every Kiln tool shares -*- C++ -*-===//
// --passes= and --verify-each are Kiln's; --print-before/after(-all),
// --time-passes and --stats are LLVM's own options (libLLVM registers them),
// read here so that one spelling works for Kiln's passes and LLVM's.
// Include from exactly one .cpp per tool (the options are static).
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_PASSFLAGS_H
#define KILN_TOOLS_PASSFLAGS_H

#include "kiln/Transforms/PassManager.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Pass.h"
#include "llvm/IR/PrintPasses.h"
#include "llvm/Support/CommandLine.h"

#include <ostream>

namespace kiln::tools {

inline llvm::cl::opt<std::string> &passesFlag(llvm::cl::OptionCategory &cat) {
  static llvm::cl::opt<std::string> flag(
      "passes",
      llvm::cl::desc("Graph passes to run instead of the -O level's pipeline, "
                     "comma-separated (e.g. fold-constants,cse,fuse; "
                     "--passes= runs none). --list-passes names them all"),
      llvm::cl::value_desc("pipeline"), llvm::cl::cat(cat));
  return flag;
}

inline llvm::cl::opt<std::string> &
disablePassesFlag(llvm::cl::OptionCategory &cat) {
  static llvm::cl::opt<std::string> flag(
      "disable-passes",
      llvm::cl::desc("Graph passes to leave out of the -O level's pipeline, "
                     "comma-separated (e.g. winograd: 3x3 layers keep the "
                     "direct convolution and its 4x smaller weights)"),
      llvm::cl::value_desc("passes"), llvm::cl::cat(cat));
  return flag;
}

inline llvm::cl::opt<bool> &verifyEachFlag(llvm::cl::OptionCategory &cat) {
  static llvm::cl::opt<bool> flag(
      "verify-each", llvm::cl::desc("Verify the IR after every pass"),
      llvm::cl::cat(cat));
  return flag;
}

inline llvm::cl::opt<bool> &listPassesFlag(llvm::cl::OptionCategory &cat) {
  static llvm::cl::opt<bool> flag(
      "list-passes", llvm::cl::desc("List the registered passes and exit"),
      llvm::cl::cat(cat));
  return flag;
}

/// Registers the flags in `cat` (call before ParseCommandLineOptions) and
/// un-hides LLVM's shared ones so --help lists them.
inline void registerPassFlags(llvm::cl::OptionCategory &cat) {
  passesFlag(cat);
  disablePassesFlag(cat);
  verifyEachFlag(cat);
  listPassesFlag(cat);
  auto &options = llvm::cl::getRegisteredOptions();
  for (const char *name : {"print-before", "print-after", "print-before-all",
                           "print-after-all", "time-passes", "stats"}) {
    auto it = options.find(name);
    if (it != options.end()) {
      it->second->addCategory(cat);
      it->second->setHiddenFlag(llvm::cl::NotHidden);
    }
  }
}

/// The graph pipeline: --passes= if given, else the -O level's without
/// --disable-passes'.
inline std::string graphPipelineFromFlags(unsigned optLevel) {
  auto &options = llvm::cl::getRegisteredOptions();
  auto *passes =
      static_cast<llvm::cl::opt<std::string> *>(options.lookup("passes"));
  auto *disabled = static_cast<llvm::cl::opt<std::string> *>(
      options.lookup("disable-passes"));
  bool disabling = disabled && disabled->getNumOccurrences();
  if (passes && passes->getNumOccurrences()) {
    check(!disabling, "--disable-passes applies to the -O level's pipeline, "
                      "not to --passes=");
    return *passes;
  }
  std::string pipeline = defaultGraphPipeline(optLevel);
  return disabling ? withoutPasses(pipeline, *disabled) : pipeline;
}

inline PassInstrumentation instrumentationFromFlags() {
  PassInstrumentation inst;
  for (const std::string &p : llvm::printBeforePasses())
    inst.printBefore.insert(p);
  for (const std::string &p : llvm::printAfterPasses())
    inst.printAfter.insert(p);
  inst.printBeforeAll = llvm::shouldPrintBeforeAll();
  inst.printAfterAll = llvm::shouldPrintAfterAll();
  auto &options = llvm::cl::getRegisteredOptions();
  auto *verifyEach =
      static_cast<llvm::cl::opt<bool> *>(options.lookup("verify-each"));
  inst.verifyEach = verifyEach && *verifyEach;
  return inst;
}

/// --list-passes: prints both registries; returns whether it did.
inline bool listPassesIfAsked(std::ostream &os) {
  auto &options = llvm::cl::getRegisteredOptions();
  auto *list = static_cast<llvm::cl::opt<bool> *>(options.lookup("list-passes"));
  if (!list || !*list)
    return false;
  os << "Graph passes:\n";
  for (const auto *e : PassRegistry<Module>::instance().entries())
    os << "  " << e->name << " - " << e->description << "\n";
  os << "Loop IR passes:\n";
  for (const auto *e : PassRegistry<loop::Program>::instance().entries())
    os << "  " << e->name << " - " << e->description << "\n";
  for (unsigned level = 0; level <= 3; ++level)
    os << "-O" << level << ": " << defaultGraphPipeline(level) << "\n";
  return true;
}

/// --time-passes and --stats reports for records of one IR level.
inline void reportPasses(const std::vector<PassRecord> &records,
                         const char *irLevel, std::ostream &os) {
  if (llvm::TimePassesIsEnabled)
    printPassTimings(records, irLevel, os);
  if (llvm::AreStatisticsEnabled())
    printPassStats(records, irLevel, os);
}

} // namespace kiln::tools

#endif
