//===- Conformance.cpp - the ONNX backend-test runner ---------------------===//
#include "kiln/Driver/Conformance.h"
#include "ConformanceData.h"
#include "kiln/Driver/TestData.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Driver/Compile.h"
#include "kiln/Driver/PassDifferential.h"
#include "kiln/Interpreter/Interpreter.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kiln {

namespace fs = std::filesystem;

const char *toString(CaseStatus status) {
  switch (status) {
  case CaseStatus::Pass:
    return "PASS";
  case CaseStatus::Fail:
    return "FAIL";
  case CaseStatus::Unsupported:
    return "UNSUPPORTED";
  }
  return "?";
}

std::vector<ConformanceCase> findCases(const std::vector<std::string> &dirs) {
  std::vector<ConformanceCase> cases;
  for (const std::string &dir : dirs) {
    fs::path root = fs::path(dir).lexically_normal();
    if (root.filename().empty())
      root = root.parent_path();
    std::error_code ec;
    check(fs::is_directory(root, ec), "'{}' is not a directory", dir);
    if (fs::is_regular_file(root / "model.onnx")) {
      cases.push_back({root.parent_path().filename().string() + "/" +
                           root.filename().string(),
                       root.string()});
      continue;
    }
    std::vector<ConformanceCase> found;
    for (const auto &entry : fs::directory_iterator(root, ec))
      if (fs::is_regular_file(entry.path() / "model.onnx"))
        found.push_back(
            {root.filename().string() + "/" + entry.path().filename().string(),
             entry.path().string()});
    check(!ec, "cannot list '{}': {}", dir, ec.message());
    std::sort(found.begin(), found.end(),
              [](const auto &a, const auto &b) { return a.name < b.name; });
    cases.insert(cases.end(), found.begin(), found.end());
  }
  return cases;
}

CaseStatus classifyError(const std::string &message) {
  std::string lower = message;
  for (char &c : lower)
    c = char(std::tolower((unsigned char)c));
  for (const char *marker :
       {"unsupported", "not supported", "no kernel", "no type inference"})
    if (lower.find(marker) != std::string::npos)
      return CaseStatus::Unsupported;
  return CaseStatus::Fail;
}

namespace {

// Failures of the round-trip property are bugs, never "unsupported".
struct RoundTripError : Error {
  using Error::Error;
};

std::string firstDifference(const std::string &a, const std::string &b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (unsigned line = 1;; ++line) {
    bool ha = bool(std::getline(sa, la)), hb = bool(std::getline(sb, lb));
    if (!ha && !hb)
      return "texts differ";
    if (!ha || !hb || la != lb) {
      auto clip = [](const std::string &s) {
        return s.size() > 200 ? s.substr(0, 200) + "..." : s;
      };
      return fmt::format("line {}: printed '{}', reprinted '{}'", line,
                         ha ? clip(la) : "<end of text>",
                         hb ? clip(lb) : "<end of text>");
    }
  }
}

std::unique_ptr<Module> roundTrip(const Module &m) {
  std::string first = toText(m);
  std::unique_ptr<Module> reparsed;
  try {
    reparsed = parseModule(first, "<printed module>");
  } catch (const Error &e) {
    throw RoundTripError(std::string("round-trip: parse failed: ") + e.what());
  }
  std::string second = toText(*reparsed);
  if (first != second)
    throw RoundTripError("round-trip: text changed: " +
                         firstDifference(first, second));
  try {
    verify(*reparsed);
  } catch (const Error &e) {
    throw RoundTripError(std::string("round-trip: reparsed module does not "
                                     "verify: ") +
                         e.what());
  }
  return reparsed;
}

} // namespace

std::vector<std::string> dataSetDirs(const std::string &caseDir) {
  std::vector<std::pair<long, std::string>> sets;
  for (const auto &entry : fs::directory_iterator(caseDir)) {
    std::string name = entry.path().filename().string();
    const std::string prefix = "test_data_set_";
    if (!entry.is_directory() || name.compare(0, prefix.size(), prefix))
      continue;
    std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), ::isdigit))
      continue;
    sets.emplace_back(std::stol(digits), entry.path().string());
  }
  std::sort(sets.begin(), sets.end());
  std::vector<std::string> dirs;
  for (auto &s : sets)
    dirs.push_back(s.second);
  return dirs;
}

std::vector<NamedTensor> readAll(const std::vector<std::string> &paths) {
  std::vector<NamedTensor> out;
  for (const std::string &p : paths)
    out.push_back(readNamedTensorFile(p));
  return out;
}

namespace {

void runCaseBody(const ConformanceCase &c, const ConformanceOptions &options) {
  if (options.passDifferential)
    return runPassDifferentialCase(c);
  if (options.target != "interp")
    return runCompiledCase(c, options);
  std::string modelPath = (fs::path(c.dir) / "model.onnx").string();
  OnnxModelSummary summary = summarizeOnnxModel(modelPath);
  std::unique_ptr<Module> module = importOnnxFile(modelPath);
  verify(*module);
  std::unique_ptr<Module> reparsed;
  if (options.roundtrip)
    reparsed = roundTrip(*module);
  Module &m = reparsed ? *reparsed : *module;
  if (!options.graphPipeline.empty()) {
    PassInstrumentation inst;
    inst.verifyEach = true;
    inst.skipUnmetRequirements = true;
    runGraphPipeline(m, options.graphPipeline, inst);
  }
  const Function &f = m.main();

  std::vector<std::string> sets = dataSetDirs(c.dir);
  check(!sets.empty(), "no test_data_set_* folder");
  Interpreter interp;
  for (const std::string &set : sets) {
    std::string setName = fs::path(set).filename().string();
    std::vector<NamedTensor> inputs = readAll(listTestDataFiles(set, "input"));
    std::vector<NamedTensor> expected =
        readAll(listTestDataFiles(set, "output"));
    check(!expected.empty(), "{}: no output_*.pb files", setName);
    std::vector<Tensor> bound = bindInputs(f, inputs, &summary.inputs);
    std::vector<Tensor> actual = interp.run(f, bound);
    std::vector<size_t> which = bindOutputs(f, expected);
    for (size_t k = 0; k < expected.size(); ++k) {
      const Tensor &out = actual.at(which[k]);
      CompareResult cmp = compareTensors(
          out, adaptTestTensor(expected[k].tensor, out.elementType()),
          options.rtol, options.atol);
      if (!cmp.passed)
        throw Error(fmt::format("{}: output {} ('{}') {}", setName, which[k],
                                f.outputs()[which[k]]->name(), cmp.message));
    }
  }
}

CaseResult runInProcess(const ConformanceCase &c,
                        const ConformanceOptions &options) {
  CaseResult r;
  auto start = std::chrono::steady_clock::now();
  try {
    runCaseBody(c, options);
    r.status = CaseStatus::Pass;
  } catch (const RoundTripError &e) {
    r.status = CaseStatus::Fail;
    r.message = e.what();
  } catch (const Error &e) {
    r.message = e.what();
    r.status = classifyError(r.message);
  } catch (const std::bad_alloc &) {
    r.status = CaseStatus::Fail;
    r.message = "out of memory";
  } catch (const std::exception &e) {
    r.status = CaseStatus::Fail;
    r.message = std::string("internal error: ") + e.what();
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

bool writeAll(int fd, const std::string &data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}

// A case running in a child process that reports "<status> <seconds>\n<msg>"
// through a pipe, so a crash or hang fails only this case.
struct ChildCase {
  pid_t pid = -1;
  int fd = -1;
  std::chrono::steady_clock::time_point start;
  std::string data;
};

// Starts c in a child process; false if no process could be started.
bool startIsolated(const ConformanceCase &c, const ConformanceOptions &options,
                   ChildCase &child) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return false;
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (options.memoryLimitMB) {
      rlim_t bytes = rlim_t(options.memoryLimitMB) << 20;
      struct rlimit lim = {bytes, bytes};
      ::setrlimit(RLIMIT_AS, &lim);
    }
    if (options.timeoutSeconds)
      ::alarm(options.timeoutSeconds);
    CaseResult r = runInProcess(c, options);
    std::string msg =
        fmt::format("{} {}\n{}", int(r.status), r.seconds, r.message);
    bool ok = writeAll(fds[1], msg);
    ::_exit(ok ? 0 : 3);
  }
  ::close(fds[1]);
  child.pid = pid;
  child.fd = fds[0];
  child.start = std::chrono::steady_clock::now();
  child.data.clear();
  return true;
}

// Reads what is available from the child's pipe; false at end of file.
bool readChild(ChildCase &child) {
  char buf[4096];
  while (true) {
    ssize_t n = ::read(child.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    child.data.append(buf, size_t(n));
    return true;
  }
}

// Waits for the child (its pipe is at end of file) and decodes its result.
CaseResult finishIsolated(ChildCase &child, const ConformanceOptions &options) {
  ::close(child.fd);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string &data = child.data;
  CaseResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            child.start)
                  .count();
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    r.status = CaseStatus::Fail;
    r.message =
        sig == SIGALRM
            ? fmt::format("timed out after {} s", options.timeoutSeconds)
            : fmt::format("crashed with signal {} ({})", sig, strsignal(sig));
    return r;
  }
  size_t nl = data.find('\n');
  int code = -1;
  double seconds = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
      nl != std::string::npos &&
      std::sscanf(data.c_str(), "%d %lf", &code, &seconds) == 2 && code >= 0 &&
      code <= 2) {
    r.status = CaseStatus(code);
    r.seconds = seconds;
    r.message = data.substr(nl + 1);
    return r;
  }
  r.status = CaseStatus::Fail;
  r.message = fmt::format("child process exited with status {} and no result",
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return r;
}

CaseResult runIsolated(const ConformanceCase &c,
                       const ConformanceOptions &options) {
  ChildCase child;
  if (!startIsolated(c, options, child))
    return runInProcess(c, options);
  while (readChild(child)) {
  }
  return finishIsolated(child, options);
}

} // namespace

CaseResult runCase(const ConformanceCase &c,
                   const ConformanceOptions &options) {
  return options.isolate ? runIsolated(c, options) : runInProcess(c, options);
}

void runCases(const std::vector<ConformanceCase> &cases,
              const ConformanceOptions &options, unsigned jobs,
              const std::function<void(size_t, const CaseResult &)> &report) {
  if (!options.isolate || jobs <= 1) {
    for (size_t i = 0; i < cases.size(); ++i)
      report(i, runCase(cases[i], options));
    return;
  }
  std::vector<std::optional<CaseResult>> results(cases.size());
  std::vector<std::pair<size_t, ChildCase>> running;
  size_t next = 0, reported = 0;
  while (reported < cases.size()) {
    while (running.size() < jobs && next < cases.size()) {
      ChildCase child;
      if (startIsolated(cases[next], options, child))
        running.emplace_back(next, std::move(child));
      else
        results[next] = runInProcess(cases[next], options);
      ++next;
    }
    if (!running.empty()) {
      std::vector<struct pollfd> fds;
      for (const auto &r : running)
        fds.push_back({r.second.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
        fail("poll failed: {}", std::strerror(errno));
      for (size_t k = fds.size(); k-- > 0;) {
        if (!fds[k].revents)
          continue;
        auto &[index, child] = running[k];
        if (readChild(child))
          continue;
        results[index] = finishIsolated(child, options);
        running.erase(running.begin() + long(k));
      }
    }
    // Results are reported in case order, each as soon as all before it are.
    while (reported < cases.size() && results[reported]) {
      report(reported, *results[reported]);
      results[reported].reset();
      ++reported;
    }
  }
}

std::string formatOpTable(const std::map<std::string, OpTally> &tally) {
  std::vector<std::pair<std::string, OpTally>> rows(tally.begin(), tally.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.failed + a.second.unsupported >
           b.second.failed + b.second.unsupported;
  });
  size_t width = 2;
  for (const auto &row : rows)
    width = std::max(width, row.first.size());
  std::string s = fmt::format("{:<{}}  {:>6}  {:>11}\n", "op", width, "failed",
                              "unsupported");
  for (const auto &[op, t] : rows)
    s += fmt::format("{:<{}}  {:>6}  {:>11}\n", op, width, t.failed,
                     t.unsupported);
  return s;
}

} // namespace kiln
