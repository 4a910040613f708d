//===- CrossRunner.cpp - run compiled models for another Linux triple -----===//
// kilnc's pipeline into an object, <triple>-gcc to link it with the prebuilt
// driver and runtime (statically: no sysroot needed at run time, and the
// emulator starts faster), qemu-user to run it, raw files in between.
//===----------------------------------------------------------------------===//

#include "kiln/Driver/CrossRunner.h"

#include "kiln/Backends/Cpu/CpuCompiler.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kiln {

namespace fs = std::filesystem;

namespace {

// qemu-user's name for the architecture of a Linux triple; empty if none.
std::string qemuArch(const std::string &triple) {
  if (triple.find("-linux-gnu") == std::string::npos)
    return "";
  std::string arch = triple.substr(0, triple.find('-'));
  if (arch == "aarch64" || arch == "aarch64_be" || arch == "x86_64" ||
      arch == "riscv64" || arch == "ppc64le")
    return arch;
  if (arch.compare(0, 3, "arm") == 0 || arch.compare(0, 5, "thumb") == 0)
    return "arm";
  return "";
}

// The executable `name` on PATH, or "" if there is none.
std::string findProgram(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos)
      end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 &&
        fs::is_regular_file(candidate))
      return candidate;
    start = end + 1;
  }
  return "";
}

// The last `limit` characters of a program's messages, for diagnostics.
std::string tail(const std::string &s, size_t limit = 2000) {
  std::string t = s.size() > limit ? "..." + s.substr(s.size() - limit) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
    t.pop_back();
  return t;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs argv (argv[0] is a path) with stdout and stderr in `logPath`; returns
// an empty string on exit status 0, else what went wrong and the messages.
// The child dies with its parent, so a case killed by its time limit leaves
// no emulator behind.
std::string runProcess(const std::vector<std::string> &argv,
                       const std::string &logPath) {
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    fail("cannot start '{}': {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(126);
    int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      fail("cannot wait for '{}': {}", argv[0], std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return "";
  std::string what =
      WIFSIGNALED(status)
          ? fmt::format("was killed by signal {} ({})", WTERMSIG(status),
                        strsignal(WTERMSIG(status)))
          : fmt::format("exited with status {}", WEXITSTATUS(status));
  std::string messages = tail(readFile(logPath));
  return messages.empty() ? what : what + ": " + messages;
}

void writeBytes(const std::string &path, const uint8_t *data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(data), std::streamsize(size));
  out.close();
  check(bool(out), "cannot write '{}'", path);
}

} // namespace

bool isCrossLinuxTriple(const std::string &triple) {
  return !qemuArch(triple).empty();
}

std::string defaultCrossRoot() {
  if (const char *env = std::getenv("KILN_CROSS_DIR"); env && *env)
    return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return "cross";
  return (exe.parent_path().parent_path() / "cross").string();
}

CrossToolchain findCrossToolchain(const std::string &triple,
                                  const std::string &crossRoot) {
  std::string arch = qemuArch(triple);
  check(!arch.empty(),
        "'{}' is not a Linux triple the cross runner knows (expected "
        "<arch>-linux-gnu*, e.g. aarch64-linux-gnu)",
        triple);
  CrossToolchain tc;
  tc.triple = triple;
  std::string cc = triple + "-gcc";
  tc.cc = findProgram(cc);
  check(!tc.cc.empty(),
        "the cross C compiler '{}' is not on PATH (Debian: apt-get install "
        "gcc-{})",
        cc, triple);
  std::string emulator = "qemu-" + arch;
  tc.emulator = findProgram(emulator);
  check(!tc.emulator.empty(),
        "the emulator '{}' is not on PATH (Debian: apt-get install qemu-user)",
        emulator);
  std::string root = crossRoot.empty() ? defaultCrossRoot() : crossRoot;
  tc.runtimeDir = (fs::path(root) / triple).string();
  for (const std::string &file : {tc.runtimeLib(), tc.driverObject()})
    check(fs::is_regular_file(file),
          "the cross runtime for {} is missing: no '{}' (it is built with "
          "Kiln when {} is found; give its folder's parent with "
          "--cross-dir=DIR or KILN_CROSS_DIR)",
          triple, file, cc);
  return tc;
}

TempDir::TempDir(const std::string &prefix, const std::string &parent) {
  std::string root =
      parent.empty() ? fs::temp_directory_path().string() : parent;
  std::string pattern = root + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  check(::mkdtemp(buf.data()) != nullptr, "cannot create a folder in '{}': {}",
        root, std::strerror(errno));
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::unique_ptr<CrossModel>
CrossModel::compile(Module &module, CompileOptions options,
                    const CrossToolchain &toolchain,
                    const cpu::CpuTargetOptions &cpuOptions,
                    const std::string &workRoot) {
  check(cpuOptions.triple == toolchain.triple,
        "the CPU options are for '{}', the toolchain for '{}'",
        cpuOptions.triple, toolchain.triple);
  std::unique_ptr<CrossModel> m(new CrossModel());
  m->toolchain_ = toolchain;
  cpu::CpuTarget cpu(cpuOptions);
  options.name = "model"; // the driver calls model_run
  options.scheduleOptions.vectorBytes = cpu.vectorBytes();
  options.scheduleOptions.vectorRegisters = cpu.vectorRegisters();
  m->compiled_ = compileToLoopIR(module, options);

  m->dir_ = std::make_unique<TempDir>("kiln-cross", workRoot);
  const std::string &dir = m->dir_->path();
  std::string object = dir + "/model.o";
  cpu::emitProgram(m->compiled_.program, cpuOptions, cpu::EmitKind::Object,
                   object);
  m->executable_ = dir + "/model";
  std::string error = runProcess(
      {toolchain.cc, "-static", "-o", m->executable_, toolchain.driverObject(),
       object, toolchain.runtimeLib(), "-lm", "-lpthread"},
      dir + "/link.log");
  check(error.empty(), "linking with {} failed: {}", toolchain.cc, error);
  return m;
}

std::vector<Tensor> CrossModel::run(const std::vector<Tensor> &inputs) {
  const loop::Program &p = compiled_.program;
  checkProgramInputs(p, inputs);
  std::vector<std::string> argv = {toolchain_.emulator, executable_,
                                   std::to_string(std::max<int64_t>(
                                       p.arenaSize, 0)),
                                   std::to_string(p.inputs.size()),
                                   std::to_string(p.outputs.size())};
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string path = fmt::format("{}/in{}.bin", dir_->path(), i);
    writeBytes(path, inputs[i].byteSize() ? inputs[i].rawData() : nullptr,
               inputs[i].byteSize());
    argv.push_back(path);
  }
  std::vector<std::string> outPaths;
  for (size_t k = 0; k < p.outputs.size(); ++k) {
    outPaths.push_back(fmt::format("{}/out{}.bin", dir_->path(), k));
    std::error_code ec;
    fs::remove(outPaths.back(), ec);
    argv.push_back(fmt::format("{}:{}", outPaths.back(),
                               p.tensors[p.outputs[k]].byteSize()));
  }
  std::string error = runProcess(argv, dir_->path() + "/run.log");
  check(error.empty(), "the {} program under {} {}", toolchain_.triple,
        fs::path(toolchain_.emulator).filename().string(), error);

  std::vector<Tensor> outs;
  for (size_t k = 0; k < p.outputs.size(); ++k) {
    const loop::ProgramTensor &t = p.tensors[p.outputs[k]];
    std::string data = readFile(outPaths[k]);
    Tensor out(t.elem, t.shape);
    check(data.size() == out.byteSize(),
          "output '{}': the {} program wrote {} bytes, expected {}", t.name,
          toolchain_.triple, data.size(), out.byteSize());
    if (!data.empty())
      std::memcpy(out.rawData(), data.data(), data.size());
    outs.push_back(std::move(out));
  }
  return outs;
}

} // namespace kiln
