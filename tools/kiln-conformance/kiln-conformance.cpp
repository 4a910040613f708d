//===- kiln-conformance.cpp - run the ONNX backend tests ------------------===//
// Runs every ONNX test case through a target, prints one line per case and a
// summary, and checks the results against a checked-in expectation list.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CaseLists.h"
#include "kiln/Driver/Conformance.h"
#include "kiln/Driver/CrossRunner.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Driver/TestData.h"
#include "kiln/Driver/ToolMain.h"

#include "../common/PassFlags.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>

using namespace kiln;
namespace cl = llvm::cl;

static cl::OptionCategory confCategory("kiln-conformance options");

static cl::list<std::string>
    suiteDirs(cl::Positional,
              cl::desc("[suite or case folders] (default: node, "
                       "pytorch-converted, pytorch-operator and simple under "
                       "/usr/share/libonnx-testdata/data)"),
              cl::cat(confCategory));
static cl::opt<std::string> target(
    "target",
    cl::desc("Execution target: 'interp' (the reference interpreter), "
             "'loop-eval' (lowered, run by the loop IR evaluator), 'host' "
             "(compiled, JIT-run) or a cross Linux triple such as "
             "'aarch64-linux-gnu' (compiled to an object, linked with "
             "<triple>-gcc, run under qemu-user)"),
    cl::init("interp"), cl::cat(confCategory));
static cl::opt<std::string>
    crossDir("cross-dir",
             cl::desc("Cross targets: folder holding <triple>/"
                      "libKilnRuntime.a and <triple>/kiln-cross-driver.o "
                      "(default: $KILN_CROSS_DIR, else <build>/cross)"),
             cl::value_desc("DIR"), cl::cat(confCategory));
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("Cross targets: target CPU, as "
                                          "kilnc --mcpu (default: generic)"),
                                 cl::cat(confCategory));
static cl::opt<std::string>
    mattr("mattr",
          cl::desc("Cross targets: target features, as kilnc --mattr "
                   "(e.g. +dotprod)"),
          cl::cat(confCategory));
static cl::opt<bool> differential(
    "differential",
    cl::desc("With --target=host or loop-eval: compare compiled outputs with "
             "the interpreter on random float inputs (seeded by --seed) "
             "instead of the reference outputs"),
    cl::cat(confCategory));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed for --differential (default 1)"),
                              cl::init(1), cl::cat(confCategory));
static cl::opt<std::string>
    filter("filter",
           cl::desc("Run only cases whose name (e.g. node/test_abs) "
                    "contains a match of this ECMAScript regex"),
           cl::value_desc("REGEX"), cl::cat(confCategory));
static cl::opt<std::string>
    expectFile("expect",
               cl::desc("Expectation list: cases that must PASS; each one "
                        "that does not is a REGRESSION and the exit status "
                        "is 1"),
               cl::value_desc("FILE"), cl::cat(confCategory));
static cl::opt<std::string>
    writePassing("write-passing",
                 cl::desc("Write the names of the passing cases to FILE"),
                 cl::value_desc("FILE"), cl::cat(confCategory));
static cl::opt<std::string>
    excludeFile("exclude",
                cl::desc("Cases that cannot apply by design ('PATTERN  # "
                         "reason' per line); reported UNSUPPORTED, not run"),
                cl::value_desc("FILE"), cl::cat(confCategory));
static cl::opt<bool>
    roundtrip("roundtrip",
              cl::desc("Also print -> parse -> print each imported module; "
                       "the texts must be identical and the reparsed module "
                       "must verify (it is the one that runs)"),
              cl::cat(confCategory));
static cl::opt<bool>
    table("table",
          cl::desc("Print a table of failed/unsupported cases per ONNX op "
                   "type in their models"),
          cl::cat(confCategory));
static cl::opt<bool>
    verbose("verbose",
            cl::desc("Print full messages and the time of each case"),
            cl::cat(confCategory));
static cl::opt<double> relTol("rtol",
                              cl::desc("Relative tolerance (default 1e-3)"),
                              cl::init(kDefaultRtol), cl::cat(confCategory));
static cl::opt<double> absTol("atol",
                              cl::desc("Absolute tolerance (default 1e-7)"),
                              cl::init(kDefaultAtol), cl::cat(confCategory));
static cl::opt<unsigned>
    timeout("timeout",
            cl::desc("Per-case time limit in seconds (default 300; 0 = "
                     "none; needs process isolation)"),
            cl::init(300), cl::cat(confCategory));
static cl::opt<unsigned> memoryLimit(
    "memory-limit",
    cl::desc("Per-case address-space limit in MiB (default 8192; 0 = none; "
             "ignored in sanitizer builds)"),
    cl::init(8192), cl::cat(confCategory));
static cl::opt<unsigned>
    jobs("j",
         cl::desc("Run N cases at a time, each in its own process (default "
                  "1); the case lines stay in order"),
         cl::value_desc("N"), cl::Prefix, cl::init(1), cl::cat(confCategory));
static cl::opt<bool>
    noFork("no-fork",
           cl::desc("Run cases in this process (for debuggers; a crash "
                    "then stops the run and --timeout does not apply)"),
           cl::cat(confCategory));

static cl::opt<unsigned> optLevel(
    "O",
    cl::desc("Run the graph pipeline of optimization level 0-3 on every model "
             "before it runs (default 0: none), verifying after each pass; "
             "--passes= overrides"),
    cl::Prefix, cl::init(0), cl::cat(confCategory));

static cl::opt<bool> passDifferential(
    "pass-differential",
    cl::desc("Run every registered graph pass and each -O pipeline on each "
             "model and compare the interpreter's outputs before and after "
             "(instead of the reference outputs)"),
    cl::cat(confCategory));

static const char *const toolName = "kiln-conformance";
static const char *const defaultRoot = "/usr/share/libonnx-testdata/data";

#if defined(__SANITIZE_ADDRESS__)
static constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
static constexpr bool sanitized = true;
#else
static constexpr bool sanitized = false;
#endif
#else
static constexpr bool sanitized = false;
#endif

// One line per case; short unless --verbose.
static std::string oneLine(const std::string &message) {
  std::string s;
  for (char c : message)
    s += c == '\n' ? std::string("; ") : std::string(1, c);
  const size_t limit = 400;
  if (!verbose && s.size() > limit)
    s = s.substr(0, limit) + "...";
  return s;
}

static int conformanceMain() {
  bool cross = isCrossLinuxTriple(target);
  check(target == "interp" || target == "loop-eval" || target == "host" ||
            cross,
        "unknown target '{}' (kiln-conformance supports: interp, loop-eval, "
        "host and cross Linux triples such as aarch64-linux-gnu)",
        std::string(target));
  check(cross || (mcpu.empty() && mattr.empty() && crossDir.empty()),
        "--mcpu, --mattr and --cross-dir are for cross targets (such as "
        "--target=aarch64-linux-gnu)");
  // Missing cross tools and bad CPUs are reported once, before any case.
  if (cross) {
    findCrossToolchain(target, crossDir);
    cpu::CpuTargetOptions cpuOptions;
    cpuOptions.triple = target;
    cpuOptions.cpu = mcpu;
    cpuOptions.features = mattr;
    cpu::CpuTarget validated(cpuOptions); // throws for an unknown CPU
  }
  check(relTol >= 0 && absTol >= 0, "tolerances must not be negative");
  std::optional<std::regex> filterRegex;
  if (!filter.empty()) {
    try {
      filterRegex.emplace(filter, std::regex::ECMAScript);
    } catch (const std::regex_error &e) {
      fail("--filter='{}' is not a valid regex: {}", std::string(filter),
           e.what());
    }
  }
  std::vector<std::string> expected;
  if (!expectFile.empty())
    expected = readCaseList(expectFile);
  std::vector<Exclusion> exclusions;
  if (!excludeFile.empty())
    exclusions = readExclusionList(excludeFile);
  if (!writePassing.empty())
    checkWritableFile(writePassing, "case list");

  std::vector<std::string> dirs(suiteDirs.begin(), suiteDirs.end());
  if (dirs.empty())
    for (const char *suite :
         {"node", "pytorch-converted", "pytorch-operator", "simple"})
      dirs.push_back(std::string(defaultRoot) + "/" + suite);
  std::vector<ConformanceCase> all = findCases(dirs);
  std::set<std::string> searchedSuites;
  for (const std::string &dir : dirs) {
    std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
    if (p.filename().empty())
      p = p.parent_path();
    if (!std::filesystem::exists(p / "model.onnx"))
      searchedSuites.insert(p.filename().string());
  }
  std::vector<ConformanceCase> cases;
  for (const ConformanceCase &c : all)
    if (!filterRegex || std::regex_search(c.name, *filterRegex))
      cases.push_back(c);

  if (cases.empty())
    reportWarning(toolName, "no test case matches");

  ConformanceOptions options;
  options.target = target;
  options.differential = differential;
  options.seed = seed;
  check(!differential || target != "interp",
        "--differential compares a compiled target with the interpreter; "
        "give --target=host or --target=loop-eval");
  options.rtol = relTol;
  options.atol = absTol;
  options.roundtrip = roundtrip;
  check(optLevel <= 3, "unknown optimization level -O{} (expected 0-3)",
        unsigned(optLevel));
  options.graphPipeline = tools::graphPipelineFromFlags(optLevel);
  options.optLevel = optLevel;
  options.cpu = mcpu;
  options.features = mattr;
  options.crossRoot = crossDir;
  // Cross cases build in folders under one per-run folder, removed at the
  // end even if a case's process was killed before cleaning up.
  std::optional<TempDir> workDir;
  if (cross) {
    workDir.emplace("kiln-conformance");
    options.workDir = workDir->path();
  }
  options.passDifferential = passDifferential;
  check(!passDifferential || target == "interp",
        "--pass-differential runs the interpreter; it takes no --target={}",
        std::string(target));
  options.isolate = !noFork;
  check(jobs >= 1, "-j{} must be at least 1", unsigned(jobs));
  check(jobs == 1 || !noFork, "-j{} runs cases in child processes; it cannot "
        "be combined with --no-fork", unsigned(jobs));
  options.timeoutSeconds = timeout;
  options.memoryLimitMB = sanitized ? 0 : memoryLimit;

  unsigned passed = 0, failed = 0, unsupported = 0;
  std::set<std::string> passing, ran;
  std::map<std::string, OpTally> tally;
  std::set<const Exclusion *> usedExclusions;
  // Excluded cases are reported without running, in their place.
  std::vector<ConformanceCase> toRun;
  std::vector<size_t> runIndex; // position in `cases` of toRun[i]
  for (size_t i = 0; i < cases.size(); ++i) {
    if (const Exclusion *e = findExclusion(exclusions, cases[i].name)) {
      usedExclusions.insert(e);
      continue;
    }
    toRun.push_back(cases[i]);
    runIndex.push_back(i);
  }
  auto record = [&](const ConformanceCase &c, const CaseResult &r) {
    ran.insert(c.name);
    std::string line = std::string(toString(r.status)) + " " + c.name;
    if (r.status != CaseStatus::Pass)
      line += ": " + oneLine(r.message);
    if (verbose)
      line += fmt::format(" [{:.2f} s]", r.seconds);
    std::cout << line << std::endl; // flushed: progress shows immediately
    switch (r.status) {
    case CaseStatus::Pass:
      ++passed;
      passing.insert(c.name);
      return;
    case CaseStatus::Fail:
      ++failed;
      break;
    case CaseStatus::Unsupported:
      ++unsupported;
      break;
    }
    if (table) {
      std::vector<std::string> ops = {"(unreadable model)"};
      try {
        ops = summarizeOnnxModel(c.dir + "/model.onnx").opTypes;
      } catch (const std::exception &) {
      }
      for (const std::string &op : ops) {
        OpTally &t = tally[op];
        (r.status == CaseStatus::Fail ? t.failed : t.unsupported)++;
      }
    }
  };
  size_t nextCase = 0;
  auto recordExcludedUpTo = [&](size_t end) {
    for (; nextCase < end; ++nextCase) {
      CaseResult r;
      r.status = CaseStatus::Unsupported;
      r.message = findExclusion(exclusions, cases[nextCase].name)->reason;
      record(cases[nextCase], r);
    }
  };
  runCases(toRun, options, jobs, [&](size_t i, const CaseResult &r) {
    recordExcludedUpTo(runIndex[i]);
    record(cases[nextCase++], r);
  });
  recordExcludedUpTo(cases.size());

  if (table)
    std::cout << "\n" << formatOpTable(tally) << "\n";

  if (!filterRegex && suiteDirs.empty())
    for (const Exclusion &e : exclusions)
      if (!usedExclusions.count(&e))
        reportWarning(toolName,
                      fmt::format("{}:{}: exclusion '{}' matches "
                                  "no case",
                                  std::string(excludeFile), e.line, e.pattern));

  unsigned regressions = 0;
  std::set<std::string> expectedSet(expected.begin(), expected.end());
  for (const std::string &name : expected) {
    if (passing.count(name))
      continue;
    // A listed case that did not run counts only if it was selected: its
    // suite was searched and it matches the filter.
    std::string suite = name.substr(0, name.find('/'));
    bool selected = searchedSuites.count(suite) &&
                    (!filterRegex || std::regex_search(name, *filterRegex));
    if (!ran.count(name) && !selected)
      continue;
    ++regressions;
    std::cout << "REGRESSION " << name
              << (ran.count(name) ? "" : " (case not found)") << "\n";
  }
  if (!expectFile.empty()) {
    unsigned fresh = 0;
    for (const std::string &name : passing)
      fresh += !expectedSet.count(name);
    if (fresh)
      std::cout << "note: " << fresh
                << (fresh == 1 ? " passing case is" : " passing cases are")
                << " not in the expectation list; update it with "
                   "--write-passing\n";
  }
  if (!writePassing.empty())
    writeCaseList(
        writePassing, std::vector<std::string>(passing.begin(), passing.end()),
        "Conformance cases that pass on target '" + target +
            "'.\nRegenerate with kiln-conformance --target=" + target +
            " --write-passing=FILE (see "
            "docs/conformance.md).");

  std::cout << fmt::format("conformance: {} passed, {} failed, {} unsupported "
                           "of {}",
                           passed, failed, unsupported, cases.size())
            << std::endl;
  if (regressions)
    return reportError(toolName,
                       fmt::format("{} regression{} against '{}'", regressions,
                                   regressions == 1 ? "" : "s",
                                   std::string(expectFile)));
  return 0;
}

int main(int argc, char **argv) {
  tools::registerPassFlags(confCategory);
  cl::HideUnrelatedOptions(confCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "kiln-conformance (Kiln) " KILN_VERSION "\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln ONNX conformance runner\n\n"
      "  Runs ONNX backend test cases (model.onnx + test_data_set_*) and "
      "prints\n"
      "  PASS/FAIL/UNSUPPORTED per case and a summary line.\n");
  return runTool(toolName, conformanceMain);
}
