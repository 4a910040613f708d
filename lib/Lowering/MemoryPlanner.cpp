//===- MemoryPlanner.cpp - the model's single arena -----------------------===//
//
// Linear-scan planning over the call sequence. A tensor is live from the
// call that first names it (its producer) to the last call that names it.
// At each call, results are placed first (operands are still live, so the
// two never overlap unless the kernel declared an in-place pair), then the
// workspace, then everything whose last use is this call is freed. Free
// blocks are kept sorted and coalesced; placement is best fit, else the
// arena grows.
//===----------------------------------------------------------------------===//

#include "kiln/Lowering/MemoryPlanner.h"

#include <algorithm>
#include <map>

namespace kiln {

namespace {

int64_t alignUp(int64_t v) {
  return (v + loop::kArenaAlignment - 1) / loop::kArenaAlignment *
         loop::kArenaAlignment;
}

class Arena {
public:
  int64_t allocate(int64_t size) {
    size = alignUp(std::max<int64_t>(size, 1));
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->second >= size &&
          (best == free_.end() || it->second < best->second))
        best = it;
    if (best != free_.end()) {
      int64_t offset = best->first, remaining = best->second - size;
      free_.erase(best);
      if (remaining > 0)
        free_[offset + size] = remaining;
      return offset;
    }
    // Grow, reusing a free block that ends at the top.
    int64_t offset = top_;
    if (!free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first + last->second == top_) {
        offset = last->first;
        free_.erase(last);
      }
    }
    top_ = offset + size;
    return offset;
  }

  void release(int64_t offset, int64_t size) {
    size = alignUp(std::max<int64_t>(size, 1));
    auto it = free_.emplace(offset, size).first;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }

  int64_t size() const { return top_; }

private:
  std::map<int64_t, int64_t> free_; // offset -> size
  int64_t top_ = 0;
};

} // namespace

MemoryPlanStats planMemory(loop::Program &p, bool allowInPlace) {
  MemoryPlanStats stats;
  size_t n = p.tensors.size();
  std::vector<int64_t> firstUse(n, -1), lastUse(n, -1);
  for (size_t c = 0; c < p.calls.size(); ++c)
    for (size_t t : p.calls[c].args) {
      if (firstUse[t] < 0)
        firstUse[t] = int64_t(c);
      lastUse[t] = int64_t(c);
    }
  auto inArena = [&](size_t t) {
    return p.tensors[t].storage == loop::StorageKind::Arena;
  };

  Arena arena;
  // Tensors sharing one slot through in-place chains release it once, when
  // the last of them dies.
  std::vector<size_t> slotOwner(n);
  for (size_t t = 0; t < n; ++t)
    slotOwner[t] = t;
  std::vector<int64_t> slotLastUse = lastUse;

  for (size_t c = 0; c < p.calls.size(); ++c) {
    loop::KernelCall &call = p.calls[c];
    int inPlaceResult = -1;
    if (allowInPlace && call.inPlace.first >= 0) {
      size_t res = call.args[call.inPlace.first];
      size_t opnd = call.args[call.inPlace.second];
      size_t owner = slotOwner[opnd];
      bool operandOnce =
          std::count(call.args.begin(), call.args.end(), opnd) == 1;
      if (inArena(res) && inArena(opnd) && firstUse[res] == int64_t(c) &&
          slotLastUse[owner] == int64_t(c) && operandOnce &&
          p.tensors[res].byteSize() <= p.tensors[opnd].byteSize()) {
        p.tensors[res].offset = p.tensors[opnd].offset;
        slotOwner[res] = owner;
        slotLastUse[owner] = std::max(slotLastUse[owner], lastUse[res]);
        inPlaceResult = int(res);
        ++stats.inPlaceCount;
      }
    }
    for (size_t t : call.args) {
      if (!inArena(t) || firstUse[t] != int64_t(c) || int(t) == inPlaceResult ||
          p.tensors[t].offset >= 0)
        continue;
      p.tensors[t].offset = arena.allocate(p.tensors[t].byteSize());
    }
    if (call.workspaceSize > 0) {
      call.workspaceOffset = arena.allocate(call.workspaceSize);
      arena.release(call.workspaceOffset, call.workspaceSize);
      stats.unplannedBytes += alignUp(call.workspaceSize);
    } else {
      call.workspaceOffset = 0;
    }
    for (size_t t : call.args) {
      size_t owner = slotOwner[t];
      if (!inArena(t) || slotLastUse[owner] != int64_t(c))
        continue;
      slotLastUse[owner] = -2; // released once even if listed twice
      arena.release(p.tensors[owner].offset, p.tensors[owner].byteSize());
    }
  }
  // Arena tensors never named by a call (cannot happen for lowered
  // programs) still get a slot so that every offset is valid.
  for (size_t t = 0; t < n; ++t)
    if (inArena(t) && p.tensors[t].offset < 0)
      p.tensors[t].offset = arena.allocate(p.tensors[t].byteSize());
  for (size_t t = 0; t < n; ++t)
    if (inArena(t))
      stats.unplannedBytes += alignUp(p.tensors[t].byteSize());
  p.arenaSize = arena.size();
  stats.arenaBytes = p.arenaSize;
  return stats;
}

} // namespace kiln
