//===- CaseLists.h - expectation and exclusion lists -------------*- C++
//-*-===//
// The checked-in lists that drive conformance: cases expected to pass, and
// cases excluded by design with the reason why.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_CASELISTS_H
#define KILN_DRIVER_CASELISTS_H

#include <string>
#include <vector>

namespace kiln {

/// One case name per line; '#' starts a comment; blank lines are ignored.
std::vector<std::string> readCaseList(const std::string &path);
/// Writes the names one per line after a comment header.
void writeCaseList(const std::string &path,
                   const std::vector<std::string> &names,
                   const std::string &header);

/// An exclusion line: "<pattern>  # <reason>". The pattern is a case name in
/// which '*' matches any run of characters and '?' any one character; the
/// reason is required.
struct Exclusion {
  std::string pattern;
  std::string reason;
  unsigned line = 0;
};
std::vector<Exclusion> readExclusionList(const std::string &path);
/// The first exclusion whose pattern matches the whole case name, or null.
const Exclusion *findExclusion(const std::vector<Exclusion> &list,
                               const std::string &caseName);
/// Shell-style match of '*' and '?' against the whole string.
bool matchPattern(const std::string &pattern, const std::string &text);

} // namespace kiln

#endif
