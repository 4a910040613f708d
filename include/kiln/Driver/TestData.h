//===- TestData.h - ONNX test data sets -------------------------*- C++ -*-===//
// Reads the input_*.pb / output_*.pb files of an ONNX test_data_set_N folder
// and binds them to a function's inputs and outputs by name or position.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_TESTDATA_H
#define KILN_DRIVER_TESTDATA_H

#include "kiln/IR/Function.h"
#include "kiln/IR/Tensor.h"

#include <string>
#include <vector>

namespace kiln {

/// A tensor read from a file, with the name stored in it (TensorProto's
/// `name`; empty for .npy and unnamed protos).
struct NamedTensor {
  std::string name;
  Tensor tensor;
  std::string path;
};

/// Reads a .pb (TensorProto) or .npy file.
NamedTensor readNamedTensorFile(const std::string &path);

/// The files `<prefix>_<k>.pb` of `dir`, in numeric order of k (so input_10
/// follows input_9); throws if the numbering has a gap.
std::vector<std::string> listTestDataFiles(const std::string &dir,
                                           const std::string &prefix);

/// What binding needs to know about the source ONNX graph: its input names
/// in order, and which of them are initializers (constant by default).
struct OnnxGraphInputs {
  std::vector<std::string> all;
  std::vector<std::string> nonInitializers;
};

/// The graph inputs and the op types (including subgraphs) of an ONNX model
/// file, read without importing it.
struct OnnxModelSummary {
  OnnxGraphInputs inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> opTypes; // sorted, unique
};
OnnxModelSummary summarizeOnnxModel(const std::string &path);

/// Orders `data` to match f's inputs. A tensor whose name equals an input's
/// name binds to it; the others bind by position, counting positions over
/// the ONNX graph inputs (all of them, or only the non-initializers,
/// whichever list has as many entries as `data`) when `graph` is given, else
/// over f's inputs. Throws naming any input left without data. Tensors pass
/// through adaptTestTensor for the input's element type.
std::vector<Tensor> bindInputs(const Function &f,
                               const std::vector<NamedTensor> &data,
                               const OnnxGraphInputs *graph = nullptr);

/// ONNX test data stores bfloat16 tensors as uint16 bit patterns (NumPy
/// has no bfloat16). Returns `t` reinterpreted as bf16 when it is u16 and
/// `wanted` is bf16, else `t` unchanged.
Tensor adaptTestTensor(const Tensor &t, ElementType wanted);

/// For each expected tensor, the index of the function output it checks:
/// by name when the name matches an output, else by position. Throws if
/// there are more expected tensors than outputs.
std::vector<size_t> bindOutputs(const Function &f,
                                const std::vector<NamedTensor> &expected);

} // namespace kiln

#endif
