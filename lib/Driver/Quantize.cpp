//===- Quantize.cpp - post-training quantization of a loaded model --------===//
// Reads and checks the calibration set, runs the float model on each sample
// in the interpreter and hands the statistics to the quantizer.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/Quantize.h"
#include "kiln/Driver/Compile.h"
#include "kiln/Driver/TestData.h"
#include "kiln/IR/Verifier.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace kiln {

// The graph passes run before calibration: they fold what the quantizer
// must see folded (BatchNormalization into Conv weights, shape arithmetic)
// without changing layouts or packing weights.
static const char *const kPrepPipeline =
    "fold-shapes,fold-constants,simplify,cse,fold-batchnorm,fold-constants,"
    "simplify,dce";

static bool isTensorFile(const fs::path &p) {
  std::string ext = p.extension().string();
  return ext == ".npy" || ext == ".pb";
}

// An input's name as a file name (as kiln-run --output-dir writes them).
static std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'
             ? c
             : '_';
  return s;
}

static std::string findInputFile(const fs::path &sample, const Value &input,
                                 size_t index) {
  std::vector<std::string> candidates;
  for (const std::string &stem :
       {fileNameFor(input.name()), "input_" + std::to_string(index)})
    for (const char *ext : {".npy", ".pb"})
      candidates.push_back(stem + ext);
  std::error_code ec;
  for (const std::string &c : candidates)
    if (fs::is_regular_file(sample / c, ec))
      return (sample / c).string();
  fail("calibration sample '{}' has no file for input '{}' (expected {}, {}, "
       "{} or {})",
       sample.string(), input.name(), candidates[0], candidates[1],
       candidates[2], candidates[3]);
}

std::vector<CalibrationSample>
listCalibrationSamples(const std::string &dir, const Function &f) {
  std::error_code ec;
  check(!dir.empty(), "--calibration-data is empty");
  check(fs::exists(dir, ec), "calibration directory '{}' does not exist", dir);
  check(fs::is_directory(dir, ec), "calibration data '{}' is not a directory",
        dir);
  std::vector<fs::path> files, folders;
  for (const auto &entry : fs::directory_iterator(dir, ec)) {
    const fs::path &p = entry.path();
    if (p.filename().string().rfind('.', 0) == 0)
      continue; // hidden
    if (entry.is_directory(ec))
      folders.push_back(p);
    else if (isTensorFile(p))
      files.push_back(p);
  }
  check(!ec, "cannot list calibration directory '{}': {}", dir, ec.message());
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  check(!f.inputs().empty(), "the model has no inputs to calibrate with");
  check(!files.empty() || !folders.empty(),
        "calibration directory '{}' has no .npy or .pb files (nor sample "
        "subfolders)",
        dir);
  size_t numInputs = f.inputs().size();
  if (numInputs > 1 && !files.empty())
    fail("calibration file '{}': the model has {} inputs, so each "
         "calibration sample is a subfolder of '{}' with one file per input",
         files.front().string(), numInputs, dir);

  std::vector<CalibrationSample> samples;
  for (const fs::path &p : files)
    samples.push_back({p.filename().string(), {p.string()}});
  for (const fs::path &p : folders) {
    CalibrationSample s;
    s.name = p.filename().string();
    for (size_t i = 0; i < numInputs; ++i)
      s.files.push_back(findInputFile(p, *f.inputs()[i], i));
    samples.push_back(std::move(s));
  }
  std::sort(samples.begin(), samples.end(),
            [](const CalibrationSample &a, const CalibrationSample &b) {
              return a.name < b.name;
            });
  return samples;
}

std::vector<Tensor> readCalibrationSample(const CalibrationSample &sample,
                                          const Function &f) {
  check(sample.files.size() == f.inputs().size(),
        "calibration sample '{}' has {} files for {} inputs", sample.name,
        sample.files.size(), f.inputs().size());
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < sample.files.size(); ++i) {
    const std::string &path = sample.files[i];
    const Value &in = *f.inputs()[i];
    Tensor t = readNamedTensorFile(path).tensor;
    const TensorType &want = in.type();
    check(t.elementType() == want.elementType(),
          "calibration file '{}' has element type {}, but input '{}' is {}",
          path, toString(t.elementType()), in.name(), want.str());
    bool fits = !want.isRanked() || t.rank() == want.rank();
    for (size_t d = 0; fits && want.isRanked() && d < want.rank(); ++d)
      fits = !want.dim(d).isStatic() || want.dim(d).size() == t.dim(d);
    check(fits, "calibration file '{}' has shape {}, but input '{}' is {}",
          path, shapeStr(t.shape()), in.name(), want.str());
    tensors.push_back(std::move(t));
  }
  return tensors;
}

void checkQuantizeKind(const std::string &kind) {
  check(kind == "int8", "unknown --quantize={} (only int8 is supported)",
        kind);
}

ElementType parseActivationType(const std::string &name) {
  if (name == "u8")
    return ElementType::U8;
  if (name == "i8")
    return ElementType::I8;
  fail("unknown --activation-type={} (expected u8 or i8)", name);
}

std::vector<std::string> parseKeepFloat(const std::string &list) {
  std::vector<std::string> entries;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string e = list.substr(start, comma - start);
    size_t b = e.find_first_not_of(" \t"), l = e.find_last_not_of(" \t");
    if (b != std::string::npos)
      entries.push_back(e.substr(b, l - b + 1));
    start = comma + 1;
  }
  check(!entries.empty(), "--keep-float= names no node or op kind");
  return entries;
}

QuantizeSummary quantizeModel(Module &m, const PostTrainingOptions &options) {
  PassInstrumentation inst;
  inst.skipUnmetRequirements = true;
  runGraphPipeline(m, kPrepPipeline, inst);
  Function &f = m.main();
  checkQuantizable(f, options.quantize);
  if (options.quantize.method == CalibrationMethod::Percentile)
    check(options.quantize.percentile > 0 &&
              options.quantize.percentile <= 100,
          "--calibration-percentile={} is not in (0, 100]",
          options.quantize.percentile);

  std::vector<CalibrationSample> samples =
      listCalibrationSamples(options.calibrationDir, f);
  CalibrationStats stats;
  for (const CalibrationSample &s : samples) {
    std::vector<Tensor> inputs = readCalibrationSample(s, f);
    try {
      calibrateOnSample(f, inputs, stats);
    } catch (const Error &e) {
      fail("calibration sample '{}': {}", s.name, e.what());
    }
  }
  QuantizeSummary summary = quantizeFunction(f, stats, options.quantize);
  verify(m);
  return summary;
}

} // namespace kiln
