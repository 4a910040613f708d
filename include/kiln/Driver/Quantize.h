//===- Quantize.h - post-training quantization of a loaded model -*- C++ -*-===//
// What `--quantize=int8 --calibration-data=DIR` does in kilnc and kiln-run:
// read the calibration set, run the float model on it, quantize.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_QUANTIZE_H
#define KILN_DRIVER_QUANTIZE_H

#include "kiln/IR/Module.h"
#include "kiln/Quantization/Quantizer.h"

#include <string>
#include <vector>

namespace kiln {

struct PostTrainingOptions {
  /// Calibration inputs (see listCalibrationSamples).
  std::string calibrationDir;
  QuantizeOptions quantize;
};

/// One calibration run: a file per input of the model, in input order.
struct CalibrationSample {
  std::string name;
  std::vector<std::string> files;
};

/// The samples of a calibration directory, sorted by name. For a model with
/// one input, each .npy or .pb file directly in `dir` is a sample. Each
/// subfolder is a sample too (the only form for several inputs): it holds
/// one file per input, named `<input name>.npy` or `.pb` (characters other
/// than letters, digits, '.', '-' and '_' written as '_') or
/// `input_<index>.npy` / `.pb`. Throws for a missing, unreadable or empty
/// directory and for a sample without a file for some input.
std::vector<CalibrationSample>
listCalibrationSamples(const std::string &dir, const Function &f);

/// Reads a sample's tensors; throws naming the file if one's element type
/// or shape does not fit its input's declared type.
std::vector<Tensor> readCalibrationSample(const CalibrationSample &sample,
                                          const Function &f);

/// "int8" is the only quantization kind; throws for others.
void checkQuantizeKind(const std::string &kind);
/// "u8" or "i8".
ElementType parseActivationType(const std::string &name);
/// Splits a comma-separated list, trimming blanks; throws if it is empty.
std::vector<std::string> parseKeepFloat(const std::string &list);

/// Folds m's main function for quantization (constants, shapes,
/// BatchNormalization into Conv), checks the options, calibrates on every
/// sample and rewrites the function into a verified QDQ graph.
QuantizeSummary quantizeModel(Module &m, const PostTrainingOptions &options);

} // namespace kiln

#endif
