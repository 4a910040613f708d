//===- CaseLists.cpp - expectation and exclusion lists --------------------===//
#include "kiln/Driver/CaseLists.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Support/Error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kiln {

static std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> readCaseList(const std::string &path) {
  std::istringstream in(readFileText(path, "case list"));
  std::vector<std::string> names;
  std::string line;
  unsigned lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    std::string name = trim(line.substr(0, line.find('#')));
    if (name.empty())
      continue;
    check(name.find_first_of(" \t") == std::string::npos,
          "{}:{}: expected one case name per line, got '{}'", path, lineNo,
          name);
    names.push_back(name);
  }
  return names;
}

void writeCaseList(const std::string &path,
                   const std::vector<std::string> &names,
                   const std::string &header) {
  checkWritableFile(path, "case list");
  std::ofstream out(path);
  check(bool(out), "cannot write case list '{}': {}", path,
        std::strerror(errno));
  std::istringstream lines(header);
  std::string line;
  while (std::getline(lines, line))
    out << "# " << line << "\n";
  for (const std::string &name : names)
    out << name << "\n";
  out.close();
  check(bool(out), "error writing '{}'", path);
}

std::vector<Exclusion> readExclusionList(const std::string &path) {
  std::istringstream in(readFileText(path, "exclusion list"));
  std::vector<Exclusion> list;
  std::string line;
  unsigned lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    size_t hash = line.find('#');
    std::string pattern = trim(line.substr(0, hash));
    if (pattern.empty())
      continue;
    check(pattern.find_first_of(" \t") == std::string::npos,
          "{}:{}: expected 'PATTERN  # reason', got '{}'", path, lineNo,
          trim(line));
    std::string reason =
        hash == std::string::npos ? "" : trim(line.substr(hash + 1));
    check(!reason.empty(), "{}:{}: exclusion of '{}' needs a reason after '#'",
          path, lineNo, pattern);
    list.push_back({pattern, reason, lineNo});
  }
  return list;
}

bool matchPattern(const std::string &pattern, const std::string &text) {
  // Iterative glob match with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

const Exclusion *findExclusion(const std::vector<Exclusion> &list,
                               const std::string &caseName) {
  for (const Exclusion &e : list)
    if (matchPattern(e.pattern, caseName))
      return &e;
  return nullptr;
}

} // namespace kiln
