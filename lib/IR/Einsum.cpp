//===- Einsum.cpp - parsing Einsum equations ------------------------------===//
#include "kiln/IR/Einsum.h"
#include "kiln/Support/Error.h"

#include <algorithm>
#include <cctype>

namespace kiln {

namespace {
// One side of an equation term: its letter labels and where "..." sits.
struct Term {
  std::vector<int> letters;
  int ellipsisPos = -1; // index into letters where "..." goes, -1 if none
};
} // namespace

static int letterLabel(char c) {
  return c >= 'a' && c <= 'z' ? c - 'a' : 26 + (c - 'A');
}

static Term parseTerm(const std::string &eq, const std::string &text) {
  Term t;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      check(text.compare(i, 3, "...") == 0 && t.ellipsisPos < 0,
            "einsum equation '{}': malformed ellipsis in '{}'", eq, text);
      t.ellipsisPos = int(t.letters.size());
      i += 2;
      continue;
    }
    check(std::isalpha((unsigned char)c) && (unsigned char)c < 128,
          "einsum equation '{}': invalid character '{}'", eq, c);
    t.letters.push_back(letterLabel(c));
  }
  return t;
}

EinsumEquation parseEinsum(const std::string &equation,
                           const std::vector<int64_t> &ranks) {
  std::string eq;
  for (char c : equation)
    if (!std::isspace((unsigned char)c))
      eq.push_back(c);
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<Term> terms;
  size_t start = 0;
  while (true) {
    size_t comma = lhs.find(',', start);
    terms.push_back(parseTerm(equation, lhs.substr(start, comma - start)));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  check(terms.size() == ranks.size(),
        "einsum equation '{}' has {} operand terms but {} operands are given",
        equation, terms.size(), ranks.size());

  EinsumEquation result;
  std::vector<int> ellipsisCounts;
  for (size_t k = 0; k < terms.size(); ++k) {
    int64_t letters = int64_t(terms[k].letters.size());
    int64_t ell = ranks[k] - letters;
    if (terms[k].ellipsisPos < 0)
      check(ell == 0,
            "einsum equation '{}': term {} has {} labels but operand {} has "
            "rank {}",
            equation, k, letters, k, ranks[k]);
    else
      check(ell >= 0,
            "einsum equation '{}': term {} has {} labels but operand {} has "
            "rank {}",
            equation, k, letters, k, ranks[k]);
    ellipsisCounts.push_back(int(ell));
    result.numEllipsisDims = std::max(result.numEllipsisDims, int(ell));
  }
  int numEll = result.numEllipsisDims;
  result.numLabels = 52 + numEll;

  auto expand = [&](const Term &t, int ell) {
    std::vector<int> labels;
    for (int i = 0; i <= int(t.letters.size()); ++i) {
      if (i == t.ellipsisPos)
        for (int j = 0; j < ell; ++j)
          labels.push_back(52 + (numEll - ell) + j);
      if (i < int(t.letters.size()))
        labels.push_back(t.letters[i]);
    }
    return labels;
  };
  std::vector<int> counts(result.numLabels, 0);
  for (size_t k = 0; k < terms.size(); ++k) {
    result.inputs.push_back(expand(terms[k], ellipsisCounts[k]));
    for (int l : terms[k].letters)
      ++counts[l];
  }

  if (arrow != std::string::npos) {
    std::string rhs = eq.substr(arrow + 2);
    check(rhs.find("->") == std::string::npos && rhs.find(',') == rhs.npos,
          "einsum equation '{}' has a malformed output", equation);
    Term out = parseTerm(equation, rhs);
    for (int l : out.letters)
      check(counts[l] > 0,
            "einsum equation '{}': output label '{}' is not in any input",
            equation, char(l < 26 ? 'a' + l : 'A' + l - 26));
    result.output = expand(out, out.ellipsisPos < 0 ? 0 : numEll);
    std::vector<int> sorted = result.output;
    std::sort(sorted.begin(), sorted.end());
    check(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
          "einsum equation '{}' repeats an output label", equation);
  } else {
    for (int j = 0; j < numEll; ++j)
      result.output.push_back(52 + j);
    // Letters used once, in character-code order (A-Z before a-z).
    for (int l = 26; l < 52; ++l)
      if (counts[l] == 1)
        result.output.push_back(l);
    for (int l = 0; l < 26; ++l)
      if (counts[l] == 1)
        result.output.push_back(l);
  }
  return result;
}

} // namespace kiln
