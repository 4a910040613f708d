//===- Fourier.h - the discrete Fourier transform for DFT and STFT -*- C++ -*-//
// A direct O(n^2) DFT in double: the interpreter favors obvious correctness.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELS_FOURIER_H
#define KILN_LIB_INTERPRETER_KERNELS_FOURIER_H

#include <cmath>
#include <complex>
#include <vector>

namespace kiln {

/// The first `bins` coefficients of the length-n DFT of `x` (zero-padded or
/// truncated to n). The inverse transform uses e^{+i...} and divides by n.
inline std::vector<std::complex<double>>
discreteFourier(const std::vector<std::complex<double>> &x, int64_t n,
                int64_t bins, bool inverse) {
  std::vector<std::complex<double>> out(static_cast<size_t>(bins));
  int64_t m = std::min<int64_t>(n, int64_t(x.size()));
  double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < bins; ++k) {
    std::complex<double> sum = 0;
    for (int64_t j = 0; j < m; ++j) {
      // Reduce j*k mod n first so large products keep their precision.
      double angle = sign * 2 * M_PI * double((j * k) % n) / double(n);
      sum +=
          x[size_t(j)] * std::complex<double>(std::cos(angle), std::sin(angle));
    }
    out[size_t(k)] = inverse ? sum / double(n) : sum;
  }
  return out;
}

} // namespace kiln

#endif
