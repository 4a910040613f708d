//===- Memory.cpp - buffer addressing, loads and stores -------------------===//
// A buffer access is base + sum(index[d] * stride[d]) elements. A vector
// access whose one vector index is a Ramp stepping one element at a time
// (other indices scalar) is one contiguous vector load/store; any other
// vector access is done lane by lane.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

void KernelEmitter::bindBuffer(const Buffer &buffer, Value *base) {
  st_.buffers[buffer.get()] = base;
  st_.buffersByName.emplace(buffer->name, base);
}

Value *KernelEmitter::bufferBase(const Buffer &buffer) {
  if (!buffer)
    unsupported("access to a null buffer");
  if (buffer->scope != MemoryScope::Global &&
      buffer->scope != MemoryScope::Stack)
    unsupported(std::string("buffer '") + buffer->name + "' in memory scope '" +
                toString(buffer->scope) + "' on the CPU");
  Value *base = nullptr;
  auto it = st_.buffers.find(buffer.get());
  if (it != st_.buffers.end()) {
    base = it->second;
  } else if (buffer->viewOf) {
    // A view (BufferNode::viewOf) addresses its root's memory.
    Value *root = bufferBase(buffer->viewOf);
    if (buffer->viewOffset == 0)
      return root;
    return b_.CreateGEP(memType(buffer->elem), root,
                        b_.getInt64(buffer->viewOffset));
  } else {
    auto byName = st_.buffersByName.find(buffer->name);
    if (byName == st_.buffersByName.end())
      unsupported("buffer '" + buffer->name +
                  "' is neither a parameter nor an enclosing allocation");
    base = byName->second;
  }
  return b_.CreateBitCast(base, memType(buffer->elem)->getPointerTo());
}

Value *KernelEmitter::indexToI64(Value *v, DType t) {
  Type *i64 = regType(DType(ElementType::I64, t.lanes));
  if (v->getType() == i64)
    return v;
  return b_.CreateIntCast(v, i64, isSigned(t.elem));
}

// Sum of index * stride over dims [0, count); indices must be scalar.
static Value *scalarOffset(IRBuilder<> &b, const std::vector<Value *> &idx,
                           const std::vector<int64_t> &strides, size_t count) {
  Value *flat = b.getInt64(0);
  for (size_t d = 0; d < count; ++d) {
    if (strides[d] == 0)
      continue;
    Value *term = strides[d] == 1 ? idx[d] : b.CreateMul(idx[d], b.getInt64(strides[d]));
    flat = b.CreateAdd(flat, term);
  }
  return flat;
}

Value *KernelEmitter::scalarAddress(const Buffer &buffer,
                                    const std::vector<Expr> &indices) {
  if (indices.size() != buffer->rank())
    unsupported("access to '" + buffer->name + "' with the wrong rank");
  for (const Expr &i : indices)
    if (i.type().lanes > 1)
      return nullptr;
  std::vector<Value *> idx;
  for (const Expr &i : indices)
    idx.push_back(indexToI64(emit(i), i.type()));
  Value *flat = scalarOffset(b_, idx, buffer->strides, idx.size());
  return b_.CreateInBoundsGEP(memType(buffer->elem), bufferBase(buffer), flat);
}

int contiguousRampDim(const Buffer &buffer, const std::vector<Expr> &indices) {
  // The one vector index must step through consecutive elements; it need
  // not be the last (a depthwise int8 weight [.., ob, 1] ends in a unit dim).
  int rampDim = -1;
  for (size_t d = 0; d < indices.size(); ++d) {
    if (indices[d].type().lanes == 1)
      continue;
    if (rampDim >= 0)
      return -1;
    rampDim = int(d);
  }
  if (rampDim < 0)
    return -1;
  const auto *ramp = indices[size_t(rampDim)].as<RampNode>();
  int64_t stride = 0;
  if (!ramp || !isConstInt(ramp->stride, &stride) ||
      stride * buffer->strides[size_t(rampDim)] != 1)
    return -1;
  return rampDim;
}

Value *KernelEmitter::contiguousAddress(const Buffer &buffer,
                                        const std::vector<Expr> &indices) {
  int rampDim = contiguousRampDim(buffer, indices);
  if (rampDim < 0)
    return nullptr;
  const auto *ramp = indices[size_t(rampDim)].as<RampNode>();
  std::vector<Value *> idx;
  for (size_t d = 0; d < indices.size(); ++d)
    idx.push_back(int(d) == rampDim
                      ? indexToI64(emit(ramp->base), ramp->base.type())
                      : indexToI64(emit(indices[d]), indices[d].type()));
  Value *flat = scalarOffset(b_, idx, buffer->strides, idx.size());
  return b_.CreateInBoundsGEP(memType(buffer->elem), bufferBase(buffer), flat);
}

Value *KernelEmitter::laneOffsets(const Buffer &buffer,
                                  const std::vector<Expr> &indices, int lanes) {
  Value *flat = splat(b_.getInt64(0), lanes);
  for (size_t d = 0; d < indices.size(); ++d) {
    int64_t stride = buffer->strides[d];
    if (stride == 0)
      continue;
    Value *i = indexToI64(emit(indices[d]), indices[d].type());
    i = indices[d].type().lanes > 1 ? i : splat(i, lanes);
    if (stride != 1)
      i = b_.CreateMul(i, splat(b_.getInt64(stride), lanes));
    flat = b_.CreateAdd(flat, i);
  }
  return flat;
}

Value *KernelEmitter::loadAccess(const Buffer &buffer,
                                 const std::vector<Expr> &indices, DType type) {
  Type *mt = memType(buffer->elem);
  Align align(mt->getPrimitiveSizeInBits() / 8);
  if (Value *p = scalarAddress(buffer, indices))
    return toReg(b_.CreateAlignedLoad(mt, p, align), type);
  int lanes = type.lanes;
  Type *vt = FixedVectorType::get(mt, lanes);
  if (Value *p = contiguousAddress(buffer, indices)) {
    Value *vp = b_.CreateBitCast(p, vt->getPointerTo());
    return toReg(b_.CreateAlignedLoad(vt, vp, align), type);
  }
  Value *offsets = laneOffsets(buffer, indices, lanes);
  Value *base = bufferBase(buffer);
  Value *v = UndefValue::get(vt);
  for (int l = 0; l < lanes; ++l) {
    Value *off = b_.CreateExtractElement(offsets, uint64_t(l));
    Value *p = b_.CreateInBoundsGEP(mt, base, off);
    v = b_.CreateInsertElement(v, b_.CreateAlignedLoad(mt, p, align), uint64_t(l));
  }
  return toReg(v, type);
}

void KernelEmitter::storeAccess(const Buffer &buffer,
                                const std::vector<Expr> &indices, Value *value,
                                DType type) {
  Type *mt = memType(buffer->elem);
  Align align(mt->getPrimitiveSizeInBits() / 8);
  Value *mem = toMem(value, type);
  int idxLanes = 1;
  for (const Expr &i : indices)
    idxLanes = std::max(idxLanes, i.type().lanes);
  if (idxLanes != type.lanes)
    unsupported("store to '" + buffer->name + "' of " + type.str() +
                " with indices of " + std::to_string(idxLanes) + " lanes");
  if (Value *p = scalarAddress(buffer, indices)) {
    b_.CreateAlignedStore(mem, p, align);
    return;
  }
  int lanes = type.lanes;
  Type *vt = FixedVectorType::get(mt, lanes);
  if (Value *p = contiguousAddress(buffer, indices)) {
    b_.CreateAlignedStore(mem, b_.CreateBitCast(p, vt->getPointerTo()), align);
    return;
  }
  Value *offsets = laneOffsets(buffer, indices, lanes);
  Value *base = bufferBase(buffer);
  for (int l = 0; l < lanes; ++l) {
    Value *off = b_.CreateExtractElement(offsets, uint64_t(l));
    Value *p = b_.CreateInBoundsGEP(mt, base, off);
    b_.CreateAlignedStore(b_.CreateExtractElement(mem, uint64_t(l)), p, align);
  }
}

} // namespace kiln::codegen
