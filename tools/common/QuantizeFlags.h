//===- QuantizeFlags.h - the post-training quantization flags ---*- C++ -*-===//
// --quantize, --calibration-data, --calibration, --calibration-percentile,
// --activation-type and --keep-float, shared by kilnc and kiln-run.
// Include from exactly one .cpp per tool (the options are static).
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_QUANTIZEFLAGS_H
#define KILN_TOOLS_QUANTIZEFLAGS_H

#include "kiln/Driver/Quantize.h"

#include "llvm/Support/CommandLine.h"

#include <optional>

namespace kiln::tools {

struct QuantizeFlags {
  llvm::cl::opt<std::string> quantize;
  llvm::cl::opt<std::string> calibrationData;
  llvm::cl::opt<std::string> calibration;
  llvm::cl::opt<double> percentile;
  llvm::cl::opt<std::string> activationType;
  llvm::cl::opt<std::string> keepFloat;

  explicit QuantizeFlags(llvm::cl::OptionCategory &cat)
      : quantize("quantize",
                 llvm::cl::desc("Quantize the model after calibration: int8 "
                                "(per-channel symmetric weights, per-tensor "
                                "activations); needs --calibration-data"),
                 llvm::cl::value_desc("int8"), llvm::cl::cat(cat)),
        calibrationData(
            "calibration-data",
            llvm::cl::desc("Calibration inputs for --quantize: .npy/.pb "
                           "files (one per sample), or one subfolder per "
                           "sample with a file per input"),
            llvm::cl::value_desc("DIR"), llvm::cl::cat(cat)),
        calibration("calibration",
                    llvm::cl::desc("Activation range choice: minmax "
                                   "(default), percentile or entropy"),
                    llvm::cl::init("minmax"), llvm::cl::cat(cat)),
        percentile("calibration-percentile",
                   llvm::cl::desc("Percentile of |x| kept by "
                                  "--calibration=percentile (default 99.99)"),
                   llvm::cl::init(99.99), llvm::cl::cat(cat)),
        activationType("activation-type",
                       llvm::cl::desc("Quantized activation type: u8 "
                                      "(default) or i8"),
                       llvm::cl::init("u8"), llvm::cl::cat(cat)),
        keepFloat("keep-float",
                  llvm::cl::desc("Nodes left in float by --quantize: node "
                                 "names or op kinds, comma-separated"),
                  llvm::cl::value_desc("LIST"), llvm::cl::cat(cat)) {}

  /// The options, or nothing without --quantize. Throws for bad values and
  /// for quantization flags given without --quantize.
  std::optional<PostTrainingOptions> options() const {
    if (quantize.getNumOccurrences() == 0) {
      for (const llvm::cl::Option *o :
           {static_cast<const llvm::cl::Option *>(&calibrationData),
            static_cast<const llvm::cl::Option *>(&calibration),
            static_cast<const llvm::cl::Option *>(&percentile),
            static_cast<const llvm::cl::Option *>(&activationType),
            static_cast<const llvm::cl::Option *>(&keepFloat)})
        check(o->getNumOccurrences() == 0, "--{} needs --quantize=int8",
              o->ArgStr.str());
      return std::nullopt;
    }
    checkQuantizeKind(quantize);
    check(calibrationData.getNumOccurrences() > 0,
          "--quantize needs --calibration-data=DIR");
    PostTrainingOptions o;
    o.calibrationDir = calibrationData;
    o.quantize.method = parseCalibrationMethod(calibration);
    o.quantize.percentile = percentile;
    check(o.quantize.percentile > 0 && o.quantize.percentile <= 100,
          "--calibration-percentile={} is not in (0, 100]",
          double(percentile));
    o.quantize.activationType = parseActivationType(activationType);
    if (keepFloat.getNumOccurrences())
      o.quantize.keepFloat = parseKeepFloat(keepFloat);
    return o;
  }
};

} // namespace kiln::tools

#endif
