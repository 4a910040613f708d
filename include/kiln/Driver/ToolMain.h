//===- ToolMain.h - the error boundary of Kiln's tools ----------*- C++ -*-===//
// Runs a tool's body and turns every escaping exception into a
// "<tool>: error: <message>" diagnostic and exit status 1.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_TOOLMAIN_H
#define KILN_DRIVER_TOOLMAIN_H

#include <functional>
#include <string>

namespace kiln {

/// Prints "<tool>: error: <message>" to stderr (multi-line messages keep
/// their lines) and returns 1.
int reportError(const std::string &tool, const std::string &message);
/// Prints "<tool>: warning: <message>" to stderr.
void reportWarning(const std::string &tool, const std::string &message);

/// Calls body() and returns its exit status, or reports any exception.
int runTool(const std::string &tool, const std::function<int()> &body);

} // namespace kiln

#endif
