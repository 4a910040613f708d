//===- ConformanceData.h - test data folders of a case ----------*- C++ -*-===//
// Shared by the interpreter and compiled conformance paths.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_DRIVER_CONFORMANCEDATA_H
#define KILN_LIB_DRIVER_CONFORMANCEDATA_H

#include "kiln/Driver/TestData.h"

#include <string>
#include <vector>

namespace kiln {

/// The test_data_set_<n> folders of a case, in numeric order.
std::vector<std::string> dataSetDirs(const std::string &caseDir);
std::vector<NamedTensor> readAll(const std::vector<std::string> &paths);

} // namespace kiln

#endif
