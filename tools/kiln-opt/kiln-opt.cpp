//===- kiln-opt.cpp - IR in, IR out ---------------------------------------===//
// Reads Kiln IR text or an ONNX model, verifies it, runs graph passes
// (--passes= or -O<n>) and prints graph IR text; a .lir file is loop IR:
// parsed, verified, run through loop passes and printed back.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/Compile.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Driver/ToolMain.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/LoopIR/Parser.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Verifier.h"

#include "kiln/LoopIR/Program.h"

#include "../common/PassFlags.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace kiln;
namespace cl = llvm::cl;
namespace fs = std::filesystem;

static cl::OptionCategory optCategory("kiln-opt options");

static cl::opt<std::string>
    inputPath(cl::Positional, cl::Required,
              cl::desc("<input (.kir, .lir, .onnx, .onnxtxt, .onnxtext; "
                       "'-' reads Kiln IR from stdin)>"),
              cl::cat(optCategory));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("Output file (default: "
                                                "stdout)"),
                                       cl::value_desc("file"),
                                       cl::cat(optCategory));

enum class LargeConstants { Inline, Side };
static cl::opt<LargeConstants> largeConstants(
    "large-constants", cl::desc("Where constants above 16 elements go"),
    cl::values(clEnumValN(LargeConstants::Inline, "inline",
                          "print every constant in the text (default)"),
               clEnumValN(LargeConstants::Side, "side",
                          "write them to a side file (--side-file, or "
                          "OUTPUT.bin next to -o OUTPUT)")),
    cl::init(LargeConstants::Inline), cl::cat(optCategory));
static cl::opt<std::string>
    sideFile("side-file",
             cl::desc("Side file for large constants (implies "
                      "--large-constants=side); the text refers to it by "
                      "file name, so keep it next to the output"),
             cl::value_desc("path"), cl::cat(optCategory));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin the shape of input NAME, e.g. "
                         "data=1x3x224x224 ('?' keeps a dim; repeatable)"),
                cl::value_desc("NAME=DIMS"), cl::cat(optCategory));
static cl::opt<bool>
    verifyIR("verify",
             cl::desc("Verify the IR after loading (default on; "
                      "--verify=false to skip)"),
             cl::init(true), cl::cat(optCategory));

enum class EmitKind { GraphIR };
static cl::opt<EmitKind>
    emit("emit", cl::desc("What to print"),
         cl::values(clEnumValN(EmitKind::GraphIR, "graph-ir",
                               "graph IR text (default)")),
         cl::init(EmitKind::GraphIR), cl::cat(optCategory));

static cl::opt<int> optLevel(
    "O",
    cl::desc("Run the graph pipeline of optimization level 0-3 (default: no "
             "passes; --passes= overrides)"),
    cl::Prefix, cl::init(-1), cl::cat(optCategory));

static const char *const toolName = "kiln-opt";

static std::string pipelineFromFlags() {
  check(optLevel >= -1 && optLevel <= 3,
        "unknown optimization level -O{} (expected 0-3)", int(optLevel));
  return tools::graphPipelineFromFlags(optLevel >= 0 ? unsigned(optLevel)
                                                     : 0);
}

static std::unique_ptr<Module> loadInput(const LoadOptions &options) {
  if (inputPath != "-")
    return loadModel(inputPath, options);
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  std::unique_ptr<Module> m = parseModule(ss.str(), "<stdin>", ".");
  pinInputShapes(m->main(), options.inputShapes);
  if (options.verify)
    verify(*m);
  return m;
}

static void writeOutput(const std::string &text) {
  if (outputPath.empty() || outputPath == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream out(outputPath, std::ios::binary);
  check(bool(out), "cannot write output '{}': {}", std::string(outputPath),
        std::strerror(errno));
  out << text;
  out.close();
  check(bool(out), "error writing output '{}'", std::string(outputPath));
}

// A .lir file holds loop IR functions: parse, verify, print them back.
static int loopIRMain() {
  if (!outputPath.empty() && outputPath != "-")
    checkWritableFile(outputPath, "output");
  std::string text = readFileText(inputPath, "loop IR file");
  std::vector<loop::PrimFunc> funcs =
      loop::parsePrimFuncs(text, std::string(inputPath));
  if (verifyIR)
    for (const loop::PrimFunc &f : funcs)
      loop::verifyPrimFunc(f);
  // Loop passes work on a program; these functions are its kernels.
  loop::Program program;
  program.funcs = std::move(funcs);
  PassManager<loop::Program> pm({}, tools::instrumentationFromFlags());
  if (tools::passesFlag(optCategory).getNumOccurrences())
    pm.addPipeline(tools::passesFlag(optCategory));
  pm.run(program);
  tools::reportPasses(pm.records(), "loop IR", std::cerr);
  writeOutput(loop::printPrimFuncs(program.funcs));
  return 0;
}

static int optMain() {
  std::string ext = fs::path(std::string(inputPath)).extension().string();
  for (char &c : ext)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  if (tools::listPassesIfAsked(std::cout))
    return 0;
  if (ext == ".lir")
    return loopIRMain();
  std::string pipeline = pipelineFromFlags();
  LoadOptions loadOptions;
  loadOptions.inputShapes = parseInputShapes(inputShapes);
  loadOptions.verify = verifyIR;

  PrintOptions printOptions;
  if (!sideFile.empty()) {
    printOptions.sideFilePath = sideFile;
  } else if (largeConstants == LargeConstants::Side) {
    check(!outputPath.empty() && outputPath != "-",
          "--large-constants=side needs -o OUTPUT or --side-file=PATH");
    printOptions.sideFilePath = outputPath + ".bin";
  }
  if (!outputPath.empty() && outputPath != "-")
    checkWritableFile(outputPath, "output");
  if (!printOptions.sideFilePath.empty())
    checkWritableFile(printOptions.sideFilePath, "side file");

  std::unique_ptr<Module> module = loadInput(loadOptions);

  PassInstrumentation instrumentation = tools::instrumentationFromFlags();
  instrumentation.skipUnmetRequirements =
      !tools::passesFlag(optCategory).getNumOccurrences();
  tools::reportPasses(runGraphPipeline(*module, pipeline, instrumentation),
                      "graph IR", std::cerr);

  writeOutput(toText(*module, printOptions));
  return 0;
}

int main(int argc, char **argv) {
  tools::registerPassFlags(optCategory);
  cl::HideUnrelatedOptions(optCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "kiln-opt (Kiln) " KILN_VERSION "\n";
  });
  cl::ParseCommandLineOptions(argc, argv,
                              "Kiln graph IR optimizer\n\n"
                              "  Reads Kiln IR text or an ONNX model, "
                              "verifies it and prints graph IR.\n"
                              "  A .lir file is loop IR: it is parsed, "
                              "verified and printed back.\n");
  return runTool(toolName, optMain);
}
