//===- MatMulTile.h - register-tiled matrix product emitter -----*- C++ -*-===//
// The shared emitter behind f32 MatMul and Gemm and 8-bit MatMulInteger /
// QLinearMatMul: C = sum_k A*B computed in register tiles of MR rows x NR
// vectors, sized from the target's registers.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_MATMULTILE_H
#define KILN_LOWERING_OPS_MATMULTILE_H

#include "kiln/Lowering/LowerContext.h"

#include <functional>

namespace kiln::nnlower {

/// A register tile: mr rows by nr vectors of `lanes` f32 lanes each.
struct MatMulTileShape {
  int mr = 1, nr = 1, lanes = 1;
};

/// The tile minimising an estimate of the cycles for an [m, n] product
/// (remainder tiles included) on `target`, with the accumulators and the
/// operand vectors beside them, mr * nr + min(mr, nr) + 1, in registers
/// with one to spare, and nr <= 4 unless tiles of few rows need more.
/// `stridedB`: B's lanes are not contiguous (a transposed B), so each B
/// vector is gathered lane by lane and tall, narrow tiles pay off.
MatMulTileShape chooseMatMulTile(int64_t m, int64_t n,
                                 const LowerTarget &target,
                                 bool stridedB = false);

/// C[batch..., m, n] = store(sum_k loadA(m, k) * loadB(k, n)) for every
/// batch index (loops over `batch`, outermost first), m in [0, m), n in
/// [0, n). Loads return `acc` scalars; loadB must be contiguous in n for the
/// lanes to become vector loads (otherwise they load lane by lane). The
/// product accumulates in `acc` (f32, or i32 wrapping for widened 8-bit
/// operands; both have the f32 lane count the tile is sized for) in k order.
struct TiledMatMul {
  int64_t m = 0, n = 0, k = 0;
  ElementType acc = ElementType::F32;
  std::vector<int64_t> batch;
  std::function<loop::Expr(const loop::Indices &batch, const loop::Expr &m,
                           const loop::Expr &k)>
      loadA;
  std::function<loop::Expr(const loop::Indices &batch, const loop::Expr &k,
                           const loop::Expr &n)>
      loadB;
  std::function<loop::Stmt(const loop::Indices &batch, const loop::Expr &m,
                           const loop::Expr &n, const loop::Expr &acc)>
      store;
  /// Prefix of the accumulator buffer names.
  std::string name = "mm";
};

/// The loop nest (docs/schedules.md, "Matrix products"): per batch index,
/// panels of nr*lanes columns outside tiles of mr rows, k inside a tile, and
/// one Stack accumulator of `lanes` elements per tile vector, every access in
/// an innermost lane loop the default schedule vectorizes. Rows and columns
/// that do not fill a tile run in smaller tiles (a last partial vector has
/// fewer lanes).
loop::Stmt emitTiledMatMul(const TiledMatMul &mm, const MatMulTileShape &tile);

/// Whether the tiled emitter pays off: f32 with at least one full vector of
/// columns.
bool useTiledMatMul(ElementType elem, int64_t n, const LowerTarget &target);

} // namespace kiln::nnlower

#endif
