# lit configuration for Kiln's FileCheck tests. Run through ctest (`lit`), or
# directly: python3 /usr/lib/llvm-14/build/utils/lit/lit.py -sv build/test/lit
import os
import re

import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".onnxtxt", ".kir", ".lir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test", "lit")

# Tools: Kiln's from the build, FileCheck and `not` from LLVM 14. The external
# `not` (unlike lit's built-in one) fails when the command crashes, so a
# diagnostic test cannot pass on an abort.
tools = {
    "kiln-opt": os.path.join(config.kiln_tools_dir, "kiln-opt"),
    "kiln-run": os.path.join(config.kiln_tools_dir, "kiln-run"),
    "kiln-conformance": os.path.join(config.kiln_tools_dir, "kiln-conformance"),
    "kilnc": os.path.join(config.kiln_tools_dir, "kilnc"),
    "FileCheck": config.filecheck,
    "not": config.not_tool,
}
for name, path in tools.items():
    # Whole words only: not inside paths, file names or other words.
    pattern = r"(?<![\w./%-])" + re.escape(name) + r"(?![\w./-])"
    config.substitutions.append((pattern, path))

config.substitutions.append(("%models", os.path.join(
    config.kiln_src_root, "test", "models")))

if config.kiln_sanitize:
    config.available_features.add("asan")
    # A sanitizer report must fail the test even under `not`: abort turns it
    # into a crash, which LLVM's `not` reports as a failure.
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        opts = config.environment.get(var, "")
        config.environment[var] = (opts + ":" if opts else "") + "abort_on_error=1"
