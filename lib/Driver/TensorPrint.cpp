//===- TensorPrint.cpp - human-readable tensor values ---------------------===//
#include "kiln/Driver/TensorPrint.h"

#include <type_traits>

namespace kiln {

std::string formatElement(const Tensor &t, int64_t i) {
  return visitType(t.elementType(), [&](auto tag) -> std::string {
    using T = typename decltype(tag)::type;
    T v = t.data<T>()[i];
    if constexpr (std::is_same_v<T, bool>)
      return v ? "true" : "false";
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      return fmt::format("{}", float(v));
    else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>)
      return fmt::format("{}", int(v));
    else
      return fmt::format("{}", v);
  });
}

std::string formatTensor(const Tensor &t, int64_t limit) {
  std::string s = t.type().str() + " = [";
  int64_t n = t.numElements();
  int64_t shown = limit > 0 && limit < n ? limit : n;
  for (int64_t i = 0; i < shown; ++i)
    s += (i ? ", " : "") + formatElement(t, i);
  if (shown < n)
    s += fmt::format("{}... ({} elements)", shown ? ", " : "", n);
  return s + "]";
}

} // namespace kiln
