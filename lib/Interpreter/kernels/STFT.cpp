//===- STFT.cpp - the STFT kernel (opset 17) ------------------------------===//
// STFT(signal [batch, length, 1|2], frame_step, window?, frame_length?) ->
// [batch, frames, bins, 2]: each frame of window-length samples starting at
// f * frame_step is weighted by the window and transformed with a DFT of
// frame_length points.
//===----------------------------------------------------------------------===//
#include "Fourier.h"

#include "kiln/Interpreter/EvalContext.h"

namespace kiln {

void evalSTFT(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  if (x.rank() != 3 || (x.dim(2) != 1 && x.dim(2) != 2))
    ctx.error("signal must be [batch, length, 1|2], not {}",
              shapeStr(x.shape()));
  auto intScalar = [&](size_t i, const char *name) {
    const Tensor &t = ctx.input(i);
    if (t.numElements() != 1 || !isInteger(t.elementType()))
      ctx.error("{} must be an integer scalar", name);
    return t.getInt(0);
  };
  int64_t batch = x.dim(0), len = x.dim(1), comp = x.dim(2);
  int64_t step = intScalar(1, "frame_step");
  if (step <= 0)
    ctx.error("frame_step must be positive, not {}", step);
  const Tensor *windowT = ctx.inputOrNull(2);
  if (windowT && windowT->rank() != 1)
    ctx.error("window must have rank 1, not {}", windowT->rank());
  int64_t frameLength = ctx.hasInput(3) ? intScalar(3, "frame_length")
                        : windowT       ? windowT->dim(0)
                                        : len;
  if (frameLength <= 0)
    ctx.error("frame_length must be positive, not {}", frameLength);
  if (len < frameLength)
    ctx.error("signal length {} is shorter than frame_length {}", len,
              frameLength);
  std::vector<double> window =
      windowT ? windowT->toDoubleVector()
              : std::vector<double>(size_t(frameLength), 1.0);
  int64_t windowSize = int64_t(window.size());
  int64_t frames = (len - frameLength) / step + 1;
  int64_t bins =
      ctx.node.getInt("onesided") ? frameLength / 2 + 1 : frameLength;

  Tensor out(x.elementType(), {batch, frames, bins, 2});
  std::vector<double> v = x.toDoubleVector();
  std::vector<std::complex<double>> frame(static_cast<size_t>(windowSize));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < frames; ++f) {
      for (int64_t j = 0; j < windowSize; ++j) {
        int64_t t = f * step + j;
        std::complex<double> s = 0;
        if (t < len) {
          size_t at = size_t((b * len + t) * comp);
          s = {v[at], comp == 2 ? v[at + 1] : 0.0};
        }
        frame[size_t(j)] = s * window[size_t(j)];
      }
      std::vector<std::complex<double>> res =
          discreteFourier(frame, frameLength, bins, false);
      for (int64_t k = 0; k < bins; ++k) {
        int64_t at = ((b * frames + f) * bins + k) * 2;
        out.setDouble(at, res[size_t(k)].real());
        out.setDouble(at + 1, res[size_t(k)].imag());
      }
    }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
