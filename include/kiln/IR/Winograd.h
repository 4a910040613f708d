//===- Winograd.h - Winograd F(4x4, 3x3) convolution ------------*- C++ -*-===//
// The transforms of Lavin and Gray's minimal filtering algorithm F(4x4, 3x3)
// (interpolation points 0, 1, -1, 2, -2 and infinity) and the checked
// geometry of a WinogradConvNCHWc node (Internal.def), shared by the pass
// that creates it, its inference, its interpreter kernel and its lowering.
// docs/schedules.md, "Winograd convolution", explains the choices.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_WINOGRAD_H
#define KILN_IR_WINOGRAD_H

#include <cstdint>
#include <vector>

namespace kiln {

class Node;
class Tensor;

namespace winograd {

/// Output tile side, kernel side and input tile side (m + r - 1).
constexpr int64_t kTile = 4, kKernel = 3, kInput = 6;
/// Positions of the transformed domain, kInput * kInput.
constexpr int64_t kPositions = kInput * kInput;

/// B^T (6x6): the input tile d becomes B^T d B.
extern const double kInputTransform[kInput][kInput];
/// G (6x3): a kernel g becomes G g G^T.
extern const double kKernelTransform[kInput][kKernel];
/// A^T (4x6): a product tile m becomes A^T m A.
extern const double kOutputTransform[kTile][kInput];

/// out = L x L^T for an r x k matrix L: how a transform applies to a
/// k x k tile (G g G^T, B^T d B, A^T m A).
template <int64_t R, int64_t K>
void sandwich(const double (&l)[R][K], const double (&x)[K][K],
              double (&out)[R][R]) {
  double lx[R][K];
  for (int64_t i = 0; i < R; ++i)
    for (int64_t j = 0; j < K; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += l[i][k] * x[k][j];
      lx[i][j] = s;
    }
  for (int64_t i = 0; i < R; ++i)
    for (int64_t j = 0; j < R; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += lx[i][k] * l[j][k];
      out[i][j] = s;
    }
}

/// The checked geometry: x [n, cBlocks, h, w, ib], u [36, C, M],
/// y [n, M/ob, oh, ow, ob] with oh = h + top + bottom - 2 (likewise ow).
struct Geometry {
  int64_t n, cBlocks, ib, h, w;
  int64_t channels, outChannels, ob, mBlocks;
  int64_t oh, ow;
  int64_t padTop, padLeft, padBottom, padRight;
  /// Tiles per column and per row: ceil(oh / 4), ceil(ow / 4).
  int64_t tilesH, tilesW;
};

/// Checks the shapes against the node's pads and out_block; throws
/// kiln::Error (without the node's name) if they do not fit. n, h and w
/// must be static.
Geometry geometry(const Node &node, const std::vector<int64_t> &x,
                  const std::vector<int64_t> &u);

/// u[p, c, m] = (G g G^T)[p / 6, p % 6] for the 3x3 kernel g of output
/// channel m and input channel c of a ConvNCHWc weight packed as
/// [M/ob, C/ib, 3, 3, ib, ob] (group 1), computed in double.
Tensor transformWeights(const Tensor &packed);

} // namespace winograd
} // namespace kiln

#endif
