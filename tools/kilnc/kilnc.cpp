//===- kilnc.cpp - the Kiln ahead-of-time compiler ------------------------===//
// Compiles a model to an object file (or assembly, LLVM IR, graph IR, loop
// IR) plus the C header that declares its entry point.
//===----------------------------------------------------------------------===//
#include "kiln/Backends/Cpu/CpuCompiler.h"
#include "kiln/CodeGen/HeaderWriter.h"
#include "kiln/CodeGen/WeightsBlob.h"
#include "kiln/Driver/Compile.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Driver/ToolMain.h"
#include "kiln/Driver/TestData.h"
#include "kiln/Frontend/TensorFile.h"
#include "kiln/IR/Printer.h"
#include "kiln/LoopIR/Printer.h"

#include "../common/PassFlags.h"
#include "../common/QuantizeFlags.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

using namespace kiln;
namespace cl = llvm::cl;
namespace fs = std::filesystem;

static cl::OptionCategory kilncCategory("kilnc options");

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model (.onnx, .onnxtxt or "
                                               ".kir)>"),
                                      cl::cat(kilncCategory));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Output file (default: <name>.o, .s, .ll, .kir, "
                        ".lir or .h by --emit; '-' writes text to standard "
                        "output). The header <stem>.h is written next to an "
                        "object, assembly or LLVM IR output."),
               cl::value_desc("file"), cl::cat(kilncCategory));
static cl::opt<std::string>
    modelName("name",
              cl::desc("C name of the model: prefix of its symbols and "
                       "macros (default: the model file's stem)"),
              cl::cat(kilncCategory));
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write: obj (default), asm, llvm, graph-ir, "
                  "loop-ir or header"),
         cl::init("obj"), cl::cat(kilncCategory));
static cl::opt<std::string> triple("target",
                                   cl::desc("Target triple (default: host)"),
                                   cl::value_desc("triple"),
                                   cl::cat(kilncCategory));
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("Target CPU (default: host's)"),
                                 cl::cat(kilncCategory));
static cl::opt<std::string>
    mattr("mattr", cl::desc("Target features, e.g. +avx2,-avx512f"),
          cl::cat(kilncCategory));
static cl::opt<unsigned> optLevel(
    "O",
    cl::desc("Optimization level 0-3 (default 2): the graph pipeline "
             "(--list-passes shows each level's), loop schedules (-O1 and "
             "up) and LLVM's level"),
    cl::Prefix,
    cl::init(2), cl::cat(kilncCategory));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin the shape of input NAME, e.g. "
                         "--input-shape=data=1x3x224x224"),
                cl::value_desc("NAME=DIMS"), cl::cat(kilncCategory));
static cl::list<std::string>
    bindings("bind",
             cl::desc("Replace input NAME by the constant in FILE (.npy or "
                      ".pb); it leaves the entry point's signature"),
             cl::value_desc("NAME=FILE"), cl::cat(kilncCategory));
static cl::opt<std::string>
    weights("weights",
            cl::desc("Weights: embedded in the object's read-only data "
                     "(default) or separate (<stem>.weights.bin, passed to "
                     "<name>_run at run time)"),
            cl::init("embedded"), cl::cat(kilncCategory));
static cl::opt<std::string>
    weightsSection("weights-section",
                   cl::desc("Linker section for embedded weights"),
                   cl::cat(kilncCategory));
static cl::opt<std::string> arenaSection(
    "arena-section",
    cl::desc("Define the arena in the object as <name>_arena (zero-filled, "
             "64-byte aligned) in this linker section; the header declares it"),
    cl::value_desc("section"), cl::cat(kilncCategory));
static cl::opt<bool> noSchedule("no-schedule",
                                cl::desc("Skip the default loop schedule "
                                         "(no vectorization or threads)"),
                                cl::cat(kilncCategory));

static tools::QuantizeFlags &quantizeFlags() {
  static tools::QuantizeFlags flags(kilncCategory);
  return flags;
}

static std::string cIdentifier(std::string s) {
  for (char &c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    s = "m_" + s;
  return s;
}

static void checkWritable(const std::string &path) {
  if (path == "-")
    return;
  std::ofstream probe(path, std::ios::binary | std::ios::app);
  check(bool(probe), "cannot write '{}': {}", path, std::strerror(errno));
}

static void writeText(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  check(bool(out), "cannot write '{}': {}", path, std::strerror(errno));
  out << text;
  out.close();
  check(bool(out), "cannot write '{}'", path);
}

static int kilncMain() {
  if (tools::listPassesIfAsked(std::cout))
    return 0;
  static const char *kinds[] = {"obj",      "asm",     "llvm",
                                "graph-ir", "loop-ir", "header"};
  check(std::find(std::begin(kinds), std::end(kinds), std::string(emit)) !=
            std::end(kinds),
        "unknown --emit={} (expected obj, asm, llvm, graph-ir, loop-ir or "
        "header)",
        std::string(emit));
  check(weights == "embedded" || weights == "separate",
        "unknown --weights={} (expected embedded or separate)",
        std::string(weights));
  for (const std::string *section : {&weightsSection.getValue(),
                                     &arenaSection.getValue()})
    check(section->find_first_of(std::string("\"\\\0\n", 4)) ==
              std::string::npos,
          "invalid linker section name '{}'", *section);
  check(optLevel <= 3, "unknown optimization level -O{} (expected 0-3)",
        unsigned(optLevel));
  std::optional<PostTrainingOptions> quantize = quantizeFlags().options();

  std::string name = modelName.empty()
                         ? cIdentifier(fs::path(std::string(modelPath))
                                           .stem()
                                           .string())
                         : std::string(modelName);
  check(cIdentifier(name) == name,
        "--name={} is not a C identifier (letters, digits, '_')", name);

  static const std::map<std::string, std::string> extensions = {
      {"obj", ".o"},     {"asm", ".s"},     {"llvm", ".ll"},
      {"graph-ir", ".kir"}, {"loop-ir", ".lir"}, {"header", ".h"}};
  std::string out = outputPath.empty() ? name + extensions.at(emit)
                                       : std::string(outputPath);
  fs::path stem = fs::path(out).parent_path() / fs::path(out).stem();
  std::string headerPath = emit == "header" ? out : stem.string() + ".h";
  std::string weightsPath = stem.string() + ".weights.bin";

  // The target is checked before the (possibly long) compilation.
  cpu::CpuTargetOptions target;
  target.triple = triple;
  target.cpu = mcpu;
  target.features = mattr;
  target.optLevel = int(optLevel);
  cpu::CpuTarget cpuTarget(target);

  LoadOptions loadOptions;
  loadOptions.inputShapes = parseInputShapes(inputShapes);
  std::unique_ptr<Module> module = loadModel(modelPath, loadOptions);

  CompileOptions options;
  options.name = name;
  for (const std::string &b : bindings) {
    size_t eq = b.find('=');
    check(eq != std::string::npos && eq > 0 && eq + 1 < b.size(),
          "malformed --bind={} (expected NAME=FILE)", b);
    options.boundInputs[b.substr(0, eq)] =
        readNamedTensorFile(b.substr(eq + 1)).tensor;
  }
  if (quantize) {
    // Calibration runs the model with the inputs it will be compiled with.
    bindInputsAsConstants(module->main(), options.boundInputs);
    options.boundInputs.clear();
    QuantizeSummary q = quantizeModel(*module, *quantize);
    if (llvm::AreStatisticsEnabled())
      std::cerr << fmt::format(
          "kilnc: quantized {} ops ({} with a folded activation), {} "
          "pass-through ops, {} left in float; {} QuantizeLinear, {} "
          "DequantizeLinear\n",
          q.quantizedOps, q.fusedActivations, q.passThroughOps, q.keptFloat,
          q.quantizeNodes, q.dequantizeNodes);
  }
  options.graphPipeline = tools::graphPipelineFromFlags(optLevel);
  options.instrumentation = tools::instrumentationFromFlags();
  options.schedule = !noSchedule && optLevel > 0;
  options.scheduleOptions.vectorBytes = cpuTarget.vectorBytes();
  options.scheduleOptions.vectorRegisters = cpuTarget.vectorRegisters();

  checkWritable(out);
  CompiledProgram compiled = compileToLoopIR(*module, options);
  const loop::Program &p = compiled.program;
  tools::reportPasses(compiled.graphPasses, "graph IR", std::cerr);
  tools::reportPasses(compiled.loopPasses, "loop IR", std::cerr);

  if (emit == "graph-ir") {
    writeText(out, toText(*module));
    return 0;
  }
  if (emit == "loop-ir") {
    writeText(out, loop::printProgram(p));
    return 0;
  }

  codegen::CodeGenOptions cg;
  cg.weightsSeparate = weights == "separate";
  cg.weightsSection = weightsSection;
  cg.arenaSection = arenaSection;
  codegen::HeaderOptions ho;
  ho.name = name;
  ho.arenaSection = arenaSection;
  codegen::WeightsBlob blob = codegen::buildWeightsBlob(p);
  if (cg.weightsSeparate) {
    ho.weightsSeparate = true;
    ho.weightsFile = fs::path(weightsPath).filename().string();
    ho.weightsSize = int64_t(blob.bytes.size());
  }
  std::string header = codegen::writeModelHeader(p, ho);
  if (emit == "header") {
    writeText(out, header);
    return 0;
  }
  check(out != "-" || emit != "obj",
        "-o - (standard output) is for text; give a file for --emit=obj");
  cpu::EmitKind kind = emit == "obj"   ? cpu::EmitKind::Object
                       : emit == "asm" ? cpu::EmitKind::Assembly
                                       : cpu::EmitKind::LLVMIR;
  cpu::emitProgram(p, target, kind, out, cg);
  if (out != "-")
    writeText(headerPath, header);
  if (cg.weightsSeparate)
    writeText(weightsPath, std::string(blob.bytes.begin(), blob.bytes.end()));

  // --stats is LLVM's own option (registered by libLLVM); Kiln prints its
  // statistics when it is given.
  if (llvm::AreStatisticsEnabled()) {
    int64_t weightBytes = 0;
    for (const auto &t : p.tensors)
      if (t.storage == loop::StorageKind::Constant)
        weightBytes += t.byteSize();
    std::cout << fmt::format(
        "kilnc: {}: {} kernels, arena {} bytes (intermediates and workspaces "
        "{} bytes without reuse, {} in-place), weights {} bytes\n",
        out, p.calls.size(), p.arenaSize, compiled.memory.unplannedBytes,
        compiled.memory.inPlaceCount, weightBytes);
  }
  return 0;
}

int main(int argc, char **argv) {
  tools::registerPassFlags(kilncCategory);
  quantizeFlags();
  cl::HideUnrelatedOptions(kilncCategory);
  cl::SetVersionPrinter(
      [](llvm::raw_ostream &os) { os << "kilnc (Kiln) " KILN_VERSION "\n"; });
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln ahead-of-time compiler\n\n"
      "  Compiles an ONNX model to an object file and a C header:\n"
      "    kilnc model.onnx --name=net -o net.o   (writes net.o and net.h)\n"
      "  --stats prints the kernel count, arena size (with the bytes the\n"
      "  intermediates would take without reuse) and weight size, and what\n"
      "  each pass did.\n");
  return runTool("kilnc", kilncMain);
}
