//===- ToolMain.cpp - the error boundary of Kiln's tools ------------------===//
#include "kiln/Driver/ToolMain.h"
#include "kiln/Support/Error.h"

#include <iostream>
#include <new>

namespace kiln {

int reportError(const std::string &tool, const std::string &message) {
  std::cout.flush();
  std::cerr << tool << ": error: " << message << "\n";
  std::cerr.flush();
  return 1;
}

void reportWarning(const std::string &tool, const std::string &message) {
  std::cout.flush();
  std::cerr << tool << ": warning: " << message << "\n";
}

int runTool(const std::string &tool, const std::function<int()> &body) {
  try {
    return body();
  } catch (const Error &e) {
    return reportError(tool, e.what());
  } catch (const std::bad_alloc &) {
    return reportError(tool, "out of memory");
  } catch (const std::exception &e) {
    return reportError(tool, std::string("internal error: ") + e.what());
  } catch (...) {
    return reportError(tool, "internal error: unknown exception");
  }
}

} // namespace kiln
