//===- Value.cpp ----------------------------------------------------------===//
#include "kiln/IR/Value.h"
#include "kiln/IR/Node.h"

#include <algorithm>

namespace kiln {

void Value::removeUse(Use u) {
  auto it = std::find(uses_.begin(), uses_.end(), u);
  if (it != uses_.end())
    uses_.erase(it);
}

const Tensor *Value::constantValue() const {
  if (!producer_ || producer_->kind() != OpKind::Constant)
    return nullptr;
  const Attribute *a = producer_->findAttr("value");
  if (!a || a->kind() != AttrKind::Tensor)
    return nullptr;
  return &a->getTensor();
}

} // namespace kiln
