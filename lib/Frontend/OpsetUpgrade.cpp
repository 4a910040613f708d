//===- OpsetUpgrade.cpp - older ONNX op forms to Kiln's canonical ones ----===//
// Kiln's ops follow ONNX opset 17, with opset 18's axes-as-input for every
// reduction. Each rule here rewrites the form an older opset used: attributes
// that later became inputs, renamed ops, and defaults whose meaning changed.
// docs/frontend.md lists the rules.
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace kiln::onnxfe {

using onnx::AttributeProto;
using onnx::NodeProto;

namespace {

//===- NodeProto editing helpers -------------------------------------===//

int findAttrIndex(const NodeProto &n, const std::string &name) {
  for (int i = 0; i < n.attribute_size(); ++i)
    if (n.attribute(i).name() == name)
      return i;
  return -1;
}

bool hasAttr(const NodeProto &n, const std::string &name) {
  return findAttrIndex(n, name) >= 0;
}

// Removes attribute `name` and returns it, if present.
std::optional<AttributeProto> takeAttr(NodeProto &n, const std::string &name) {
  int i = findAttrIndex(n, name);
  if (i < 0)
    return std::nullopt;
  AttributeProto a = n.attribute(i);
  n.mutable_attribute()->DeleteSubrange(i, 1);
  return a;
}

void expectType(const NodeProto &n, const AttributeProto &a,
                AttributeProto::AttributeType type) {
  check(attributeType(a) == type, "{}: attribute '{}' must be {}, not {}",
        describeNode(n), a.name(), attrTypeName(type),
        attrTypeName(attributeType(a)));
}

std::optional<int64_t> takeInt(NodeProto &n, const std::string &name) {
  auto a = takeAttr(n, name);
  if (!a)
    return std::nullopt;
  expectType(n, *a, AttributeProto::INT);
  return a->i();
}

std::optional<float> takeFloat(NodeProto &n, const std::string &name) {
  auto a = takeAttr(n, name);
  if (!a)
    return std::nullopt;
  expectType(n, *a, AttributeProto::FLOAT);
  return a->f();
}

std::optional<std::vector<int64_t>> takeInts(NodeProto &n,
                                             const std::string &name) {
  auto a = takeAttr(n, name);
  if (!a)
    return std::nullopt;
  expectType(n, *a, AttributeProto::INTS);
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::vector<float>> takeFloats(NodeProto &n,
                                             const std::string &name) {
  auto a = takeAttr(n, name);
  if (!a)
    return std::nullopt;
  expectType(n, *a, AttributeProto::FLOATS);
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

void setInt(NodeProto &n, const std::string &name, int64_t v) {
  takeAttr(n, name);
  AttributeProto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INT);
  a->set_i(v);
}

void setString(NodeProto &n, const std::string &name, const std::string &v) {
  takeAttr(n, name);
  AttributeProto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::STRING);
  a->set_s(v);
}

void setInts(NodeProto &n, const std::string &name,
             const std::vector<int64_t> &v) {
  takeAttr(n, name);
  AttributeProto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INTS);
  for (int64_t x : v)
    a->add_ints(x);
}

void setInput(NodeProto &n, int index, const std::string &name) {
  while (n.input_size() <= index)
    n.add_input("");
  n.set_input(index, name);
}

std::string inputOr(const NodeProto &n, int index) {
  return index < n.input_size() ? n.input(index) : std::string();
}

NodeProto makeNode(const std::string &op, const std::string &name,
                   std::vector<std::string> inputs,
                   std::vector<std::string> outputs) {
  NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (auto &i : inputs)
    n.add_input(i);
  for (auto &o : outputs)
    n.add_output(o);
  return n;
}

std::string intsConstant(UpgradeSink &sink, const std::vector<int64_t> &v,
                         const std::string &hint) {
  return sink.constant(Tensor::fromVector<int64_t>(v, {int64_t(v.size())}),
                       hint);
}

std::string scalarConstant(UpgradeSink &sink, ElementType type, double v,
                           const std::string &hint) {
  Tensor t(type, {});
  t.setDouble(0, v);
  return sink.constant(t, hint);
}

ElementType elementTypeOf(UpgradeSink &sink, const NodeProto &n, int input) {
  const TensorType *t = sink.typeOf(inputOr(n, input));
  return t ? t->elementType() : ElementType::F32;
}

// Drops trailing outputs nobody reads; a read one is an error.
void dropUnusedOutputs(NodeProto &n, int keep, UpgradeSink &sink,
                       const std::string &why) {
  for (int i = keep; i < n.output_size(); ++i)
    check(n.output(i).empty() || !sink.isUsed(n.output(i)),
          "{}: output {} ('{}') is used, but {} is not supported",
          describeNode(n), i, n.output(i), why);
  while (n.output_size() > keep)
    n.mutable_output()->RemoveLast();
}

//===- Rules -----------------------------------------------------------===//

bool isReduction(const std::string &op) {
  static const char *const Ops[] = {
      "ReduceSum",       "ReduceMean",     "ReduceMax", "ReduceMin",
      "ReduceProd",      "ReduceL1",       "ReduceL2",  "ReduceLogSum",
      "ReduceLogSumExp", "ReduceSumSquare"};
  for (const char *o : Ops)
    if (op == o)
      return true;
  return false;
}

bool isLegacyBroadcastOp(const std::string &op) {
  static const char *const Ops[] = {"Add",   "Sub",     "Mul", "Div",
                                    "Pow",   "And",     "Or",  "Xor",
                                    "Equal", "Greater", "Less"};
  for (const char *o : Ops)
    if (op == o)
      return true;
  return false;
}

// An `axes`-like attribute that became input `index`.
void attrToIntsInput(NodeProto &n, const std::string &attr, int index,
                     UpgradeSink &sink, bool required) {
  auto v = takeInts(n, attr);
  if (!v) {
    check(!required, "{}: missing required attribute '{}'", describeNode(n),
          attr);
    return;
  }
  // An empty optional list meant the same as an absent one (e.g. reduce or
  // squeeze everything), so it stays absent.
  if (v->empty() && !required)
    return;
  setInput(n, index, intsConstant(sink, *v, nodeLabel(n) + "." + attr));
}

// Opset < 7: B broadcasts to A starting at `axis` when broadcast=1.
void upgradeLegacyBroadcast(NodeProto &n, UpgradeSink &sink) {
  auto broadcast = takeInt(n, "broadcast");
  auto axis = takeInt(n, "axis");
  if (!broadcast || !*broadcast || !axis)
    return; // numpy rules agree with suffix broadcasting
  const TensorType *a = sink.typeOf(inputOr(n, 0));
  const TensorType *b = sink.typeOf(inputOr(n, 1));
  check(a && b && a->isRanked() && b->isRanked(),
        "{}: legacy broadcasting with an axis needs operands of known rank",
        describeNode(n));
  int64_t ra = int64_t(a->rank()), rb = int64_t(b->rank());
  int64_t ax = *axis < 0 ? *axis + ra : *axis;
  int64_t trailing = ra - ax - rb;
  check(ax >= 0 && trailing >= 0,
        "{}: broadcast axis {} does not fit operand ranks {} and {}",
        describeNode(n), *axis, ra, rb);
  if (trailing == 0)
    return;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < trailing; ++i)
    axes.push_back(rb + i);
  std::string expanded = sink.freshName(n.input(1));
  sink.emit(makeNode("Unsqueeze", nodeLabel(n) + ".broadcast",
                     {n.input(1), intsConstant(sink, axes, "axes")},
                     {expanded}));
  n.set_input(1, expanded);
}

// Before opset 13, Softmax, LogSoftmax and Hardmax flattened the input to
// 2-D at `axis` (default 1) and normalized the whole inner block.
void upgradeCoercedSoftmax(NodeProto &n, UpgradeSink &sink) {
  int64_t axis = takeInt(n, "axis").value_or(1);
  const TensorType *t = sink.typeOf(inputOr(n, 0));
  if (t && t->isRanked()) {
    int64_t rank = int64_t(t->rank());
    int64_t a = axis < 0 ? axis + rank : axis;
    check(a >= 0 && a <= std::max<int64_t>(rank, 1),
          "{}: axis {} is out of range for rank {}", describeNode(n), axis,
          rank);
    if (a == rank - 1 || rank <= 1) {
      setInt(n, "axis", rank == 0 ? 0 : a);
      return sink.emit(n);
    }
  }
  std::string label = nodeLabel(n);
  std::string x = n.input(0), y = n.output(0);
  std::string flat = sink.freshName(label + ".flat");
  NodeProto flatten = makeNode("Flatten", label + ".flatten", {x}, {flat});
  setInt(flatten, "axis", axis);
  sink.emit(flatten);
  std::string normalized = sink.freshName(label + ".2d");
  NodeProto op = n;
  op.clear_input();
  op.add_input(flat);
  op.set_output(0, normalized);
  setInt(op, "axis", 1);
  sink.emit(op);
  std::string shape = sink.freshName(label + ".shape");
  sink.emit(makeNode("Shape", label + ".shape", {x}, {shape}));
  sink.emit(makeNode("Reshape", label, {normalized, shape}, {y}));
}

int castTargetFromString(const NodeProto &n, std::string name) {
  for (char &c : name)
    c = char(std::toupper((unsigned char)c));
  static const std::pair<const char *, int> Names[] = {
      {"FLOAT", 1},   {"UINT8", 2},    {"INT8", 3},    {"UINT16", 4},
      {"INT16", 5},   {"INT32", 6},    {"INT64", 7},   {"STRING", 8},
      {"BOOL", 9},    {"FLOAT16", 10}, {"DOUBLE", 11}, {"UINT32", 12},
      {"UINT64", 13}, {"BFLOAT16", 16}};
  for (const auto &[text, id] : Names)
    if (name == text)
      return id;
  fail("{}: unknown Cast target type '{}'", describeNode(n), name);
}

// Upsample (and Resize-10) computed source coordinates as x / scale and
// picked the nearest pixel by truncation when enlarging.
void upgradeToResize(NodeProto &n, UpgradeSink &sink) {
  check(!hasAttr(n, "width_scale") && !hasAttr(n, "height_scale"),
        "{}: the experimental Upsample of opset 1 is not supported",
        describeNode(n));
  std::string mode = "nearest";
  if (auto m = takeAttr(n, "mode")) {
    expectType(n, *m, AttributeProto::STRING);
    mode = m->s();
  }
  if (mode == "bilinear" || mode == "trilinear")
    mode = "linear";
  check(mode == "nearest" || mode == "linear", "{}: unsupported mode '{}'",
        describeNode(n), mode);
  std::string scales;
  if (auto s = takeFloats(n, "scales")) {
    scales = sink.constant(Tensor::fromVector<float>(*s, {int64_t(s->size())}),
                           nodeLabel(n) + ".scales");
  } else {
    scales = inputOr(n, 1);
    check(!scales.empty(), "{}: missing scales", describeNode(n));
  }
  // Shrinking picked the next pixel up (as ONNX Runtime does).
  std::string nearest = "floor";
  if (const Tensor *s = sink.constantOf(scales))
    for (int64_t i = 0; i < s->numElements(); ++i)
      if (s->getDouble(i) < 1.0)
        nearest = "ceil";
  std::string x = inputOr(n, 0);
  n.set_op_type("Resize");
  n.clear_input();
  n.add_input(x);
  n.add_input("");
  n.add_input(scales);
  setString(n, "mode", mode);
  setString(n, "coordinate_transformation_mode", "asymmetric");
  if (mode == "nearest")
    setString(n, "nearest_mode", nearest);
  sink.emit(n);
}

} // namespace

void upgradeNode(NodeProto n, int opset, UpgradeSink &sink) {
  const std::string op = n.op_type();
  const std::string where = describeNode(n);

  if (isReduction(op)) {
    if (opset < 18 && !(op == "ReduceSum" && opset >= 13))
      attrToIntsInput(n, "axes", 1, sink, false);
    return sink.emit(n);
  }
  if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) {
    attrToIntsInput(n, "axes", 1, sink, op == "Unsqueeze");
    return sink.emit(n);
  }
  if (op == "Split" && opset < 13) {
    attrToIntsInput(n, "split", 1, sink, false);
    return sink.emit(n);
  }
  if (op == "Slice" && opset < 10) {
    attrToIntsInput(n, "starts", 1, sink, true);
    attrToIntsInput(n, "ends", 2, sink, true);
    attrToIntsInput(n, "axes", 3, sink, false);
    return sink.emit(n);
  }
  if (op == "Reshape" && opset < 5) {
    attrToIntsInput(n, "shape", 1, sink, n.input_size() < 2);
    return sink.emit(n);
  }
  if (op == "TopK" && opset < 10) {
    auto k = takeInt(n, "k");
    check(k.has_value(), "{}: missing required attribute 'k'", where);
    setInput(n, 1, intsConstant(sink, {*k}, nodeLabel(n) + ".k"));
    return sink.emit(n);
  }
  if (op == "Pad" && opset < 11) {
    auto pads = takeInts(n, "pads");
    if (!pads)
      pads = takeInts(n, "paddings"); // opset 1's name
    check(pads.has_value(), "{}: missing required attribute 'pads'", where);
    float value = takeFloat(n, "value").value_or(0.0f);
    setInput(n, 1, intsConstant(sink, *pads, nodeLabel(n) + ".pads"));
    if (value != 0.0f)
      setInput(n, 2,
               scalarConstant(sink, elementTypeOf(sink, n, 0), value,
                              nodeLabel(n) + ".value"));
    return sink.emit(n);
  }
  if (op == "Clip" && opset < 11) {
    ElementType elem = elementTypeOf(sink, n, 0);
    auto lo = takeFloat(n, "min");
    auto hi = takeFloat(n, "max");
    // Clip 6 to 10 defaulted to the float range, which clamps infinities.
    if (opset >= 6 && (elem == ElementType::F32 || elem == ElementType::F64)) {
      lo = lo.value_or(std::numeric_limits<float>::lowest());
      hi = hi.value_or(std::numeric_limits<float>::max());
    }
    if (lo)
      setInput(n, 1, scalarConstant(sink, elem, *lo, nodeLabel(n) + ".min"));
    if (hi)
      setInput(n, 2, scalarConstant(sink, elem, *hi, nodeLabel(n) + ".max"));
    return sink.emit(n);
  }
  if (op == "Dropout") {
    if (opset < 12) {
      takeAttr(n, "ratio"); // inference: Dropout is the identity
      if (opset < 10)
        dropUnusedOutputs(n, 1, sink,
                          "the float mask of Dropout before opset 10");
    }
    return sink.emit(n);
  }
  if (op == "BatchNormalization") {
    if (opset < 9) {
      auto spatial = takeInt(n, "spatial");
      check(!spatial || *spatial == 1,
            "{}: BatchNormalization with spatial = 0 is not supported", where);
    }
    if (opset < 14)
      dropUnusedOutputs(
          n, 1, sink,
          fmt::format("training-mode BatchNormalization (opset {})", opset));
    return sink.emit(n);
  }
  if (op == "Upsample" || (op == "Resize" && opset < 11)) {
    upgradeToResize(n, sink);
    return;
  }
  if (op == "Scatter") {
    n.set_op_type("ScatterElements");
    return sink.emit(n);
  }
  if (op == "Cast" && opset < 6) {
    auto to = takeAttr(n, "to");
    check(to.has_value(), "{}: missing required attribute 'to'", where);
    int64_t id = attributeType(*to) == AttributeProto::STRING
                     ? castTargetFromString(n, to->s())
                     : to->i();
    setInt(n, "to", id);
    return sink.emit(n);
  }
  if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && opset < 13)
    return upgradeCoercedSoftmax(n, sink);
  if (op == "Concat" && opset < 4 && !hasAttr(n, "axis")) {
    setInt(n, "axis", 1);
    return sink.emit(n);
  }
  if (isLegacyBroadcastOp(op) && opset < 7) {
    upgradeLegacyBroadcast(n, sink);
    return sink.emit(n);
  }
  if (op == "Gemm" && opset < 7) {
    takeAttr(n, "broadcast");
    return sink.emit(n);
  }
  if (op == "PRelu" && opset < 7) {
    // Slope of shape [C] applied per channel (axis 1).
    const TensorType *x = sink.typeOf(inputOr(n, 0));
    const TensorType *s = sink.typeOf(inputOr(n, 1));
    if (x && s && x->isRanked() && s->isRanked() && s->rank() == 1 &&
        x->rank() > 2 && !(s->dim(0).isStatic() && s->dim(0).size() == 1)) {
      std::vector<int64_t> axes;
      for (size_t i = 1; i + 1 < x->rank(); ++i)
        axes.push_back(int64_t(i));
      std::string expanded = sink.freshName(n.input(1));
      sink.emit(makeNode("Unsqueeze", nodeLabel(n) + ".slope",
                         {n.input(1), intsConstant(sink, axes, "axes")},
                         {expanded}));
      n.set_input(1, expanded);
    }
    return sink.emit(n);
  }
  if (op == "RoiAlign" && opset < 16) {
    if (!hasAttr(n, "coordinate_transformation_mode"))
      setString(n, "coordinate_transformation_mode", "output_half_pixel");
    return sink.emit(n);
  }
  if ((op == "LpPool" || op == "GlobalLpPool") && opset < 2) {
    if (auto p = takeAttr(n, "p")) {
      double v = attributeType(*p) == AttributeProto::FLOAT ? p->f() : p->i();
      check(v == std::floor(v) && v >= 1 && v <= 1e6,
            "{}: p = {} must be a positive integer", where, v);
      setInt(n, "p", int64_t(v));
    }
    return sink.emit(n);
  }
  if (op == "Tile" && opset < 6)
    fail("{}: Tile of opset {} (tiles and axis inputs) is not supported", where,
         opset);
  if (op == "Scan" && opset < 9) {
    // Scan-8 had a leading batch axis on every operand and result. With a
    // static batch of 1 it is Scan-9 between a squeeze and an unsqueeze.
    check(n.input_size() == 0 || n.input(0).empty(),
          "{}: Scan-8 with sequence_lens is not supported", where);
    std::string label = nodeLabel(n);
    std::vector<std::string> ins;
    for (int i = 1; i < n.input_size(); ++i) {
      const TensorType *t = sink.typeOf(n.input(i));
      check(t && t->isRanked() && t->rank() >= 1 && t->dim(0).isStatic() &&
                t->dim(0).size() == 1,
            "{}: Scan-8 is supported only with a batch size of 1", where);
      std::string squeezed = sink.freshName(n.input(i));
      sink.emit(makeNode("Squeeze", label + ".unbatch",
                         {n.input(i), intsConstant(sink, {0}, "axes")},
                         {squeezed}));
      ins.push_back(squeezed);
    }
    NodeProto scan = n;
    scan.clear_input();
    for (auto &i : ins)
      scan.add_input(i);
    if (auto dirs = takeInts(scan, "directions"))
      setInts(scan, "scan_input_directions", *dirs);
    std::vector<std::string> outs;
    for (int i = 0; i < scan.output_size(); ++i) {
      outs.push_back(scan.output(i).empty() ? std::string()
                                            : sink.freshName(scan.output(i)));
      scan.set_output(i, outs.back());
    }
    sink.emit(scan);
    for (int i = 0; i < n.output_size(); ++i)
      if (!outs[size_t(i)].empty())
        sink.emit(makeNode("Unsqueeze", label + ".batch",
                           {outs[size_t(i)], intsConstant(sink, {0}, "axes")},
                           {n.output(i)}));
    return;
  }
  sink.emit(n);
}

} // namespace kiln::onnxfe
