// Type inference and interpreter kernels of the data-movement ops in
// IR/ops/Tensor.def, checked against hand-computed ONNX results.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include "SingleNodeGraph.h"

#include <catch2/catch.hpp>

#include <limits>

using namespace kiln;

namespace {

using OneNode = SingleNodeGraph;

template <typename T>
Tensor vec(const std::vector<T> &values, std::vector<int64_t> shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

Tensor iota(std::vector<int64_t> shape) {
  Tensor t(ElementType::F32, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = float(i);
  return t;
}

std::vector<float> floats(const Tensor &t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numElements());
}

std::vector<int64_t> ints(const Tensor &t) { return t.toIntVector(); }

constexpr int64_t I64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t I64Min = std::numeric_limits<int64_t>::min();

} // namespace

TEST_CASE("Slice clamps per ONNX, including negative steps", "[tensor]") {
  Tensor data = iota({3, 4});
  Tensor starts = vec<int64_t>({-1, -1}), ends = vec<int64_t>({I64Min, 0});
  Tensor axes = vec<int64_t>({0, 1}), steps = vec<int64_t>({-1, -2});
  OneNode g(OpKind::Slice, {&data, &starts, &ends, &axes, &steps});
  CHECK(g.node->result()->type().str() == "f32[3,2]");
  Tensor out = g.run()[0];
  CHECK(floats(out) == std::vector<float>{11, 9, 7, 5, 3, 1});

  // Out-of-range ends clamp; a negative axis counts from the back.
  Tensor s2 = vec<int64_t>({1}), e2 = vec<int64_t>({I64Max}),
         a2 = vec<int64_t>({-1});
  OneNode g2(OpKind::Slice, {&data, &s2, &e2, &a2});
  CHECK(g2.node->result()->type().str() == "f32[3,3]");
  CHECK(floats(g2.run()[0]) == std::vector<float>{1, 2, 3, 5, 6, 7, 9, 10, 11});

  // A start past the end gives an empty slice.
  Tensor s3 = vec<int64_t>({10}), e3 = vec<int64_t>({20});
  OneNode g3(OpKind::Slice, {&data, &s3, &e3, &a2});
  CHECK(g3.node->result()->type().str() == "f32[3,0]");
}

TEST_CASE("Reshape handles 0, -1 and allowzero", "[tensor]") {
  Tensor data = iota({2, 3, 4});
  Tensor shape = vec<int64_t>({0, -1});
  OneNode g(OpKind::Reshape, {&data, &shape});
  CHECK(g.node->result()->type().str() == "f32[2,12]");
  Tensor out = g.run()[0];
  CHECK(out.shape() == std::vector<int64_t>{2, 12});
  CHECK(out.data<float>()[13] == 13.0f);

  Tensor empty(ElementType::F32, {0, 3});
  Tensor zeroShape = vec<int64_t>({3, 0});
  OneNode z(OpKind::Reshape, {&empty, &zeroShape}, {{"allowzero", 1}});
  CHECK(z.node->result()->type().str() == "f32[3,0]");

  Tensor bad = vec<int64_t>({5, -1});
  CHECK_THROWS_WITH(OneNode(OpKind::Reshape, {&data, &bad}),
                    Catch::Contains("node 'n0' (Reshape)"));

  // A shape that is not a constant still gives the rank.
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::F32, std::vector<int64_t>{2, 3, 4}));
  Value *s =
      f.addInput("s", TensorType(ElementType::I64, std::vector<int64_t>{3}));
  Node *r = f.createNode(OpKind::Reshape, {x, s}, {TensorType()});
  refineResultTypes(*r);
  CHECK(r->result()->type().str() == "f32[?,?,?]");
  f.setOutputs({r->result()});
  std::vector<Tensor> res =
      Interpreter().run(f, {data, vec<int64_t>({4, 3, 2})});
  CHECK(res[0].shape() == std::vector<int64_t>{4, 3, 2});
}

TEST_CASE("Reshape resolves -1 across symbolic dims", "[tensor]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::F32, {Dim::symbol("N"), Dim(3), Dim(4)}));
  Node *c = f.createNode(OpKind::Constant, {}, {TensorType()});
  c->setAttr("value", vec<int64_t>({0, -1}));
  refineResultTypes(*c);
  Node *r = f.createNode(OpKind::Reshape, {x, c->result()}, {TensorType()});
  refineResultTypes(*r);
  CHECK(r->result()->type().str() == "f32[N,12]");
}

TEST_CASE("Gather wraps negative indices and rejects out-of-range ones",
          "[tensor]") {
  Tensor data = vec<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor idx = vec<int64_t>({-1, 0});
  OneNode g(OpKind::Gather, {&data, &idx});
  CHECK(floats(g.run()[0]) == std::vector<float>{5, 6, 1, 2});

  Tensor idx1 = vec<int32_t>({1, -2}, {1, 2});
  OneNode g1(OpKind::Gather, {&data, &idx1}, {{"axis", 1}});
  CHECK(g1.node->result()->type().str() == "f32[3,1,2]");
  CHECK(floats(g1.run()[0]) == std::vector<float>{2, 1, 4, 3, 6, 5});

  Tensor bad = vec<int64_t>({3});
  OneNode g2(OpKind::Gather, {&data, &bad});
  CHECK_THROWS_WITH(g2.run(), Catch::Contains("node 'n0' (Gather)") &&
                                  Catch::Contains("out of range"));
  Tensor badNeg = vec<int64_t>({-4});
  OneNode g3(OpKind::Gather, {&data, &badNeg});
  CHECK_THROWS_AS(g3.run(), Error);
}

TEST_CASE("GatherElements, GatherND and scatters check their indices",
          "[tensor]") {
  Tensor data = vec<float>({1, 2, 3, 4}, {2, 2});
  Tensor idx = vec<int64_t>({0, 0, 1, 0}, {2, 2});
  OneNode ge(OpKind::GatherElements, {&data, &idx}, {{"axis", 1}});
  CHECK(floats(ge.run()[0]) == std::vector<float>{1, 1, 4, 3});
  Tensor badIdx = vec<int64_t>({0, 2, 1, 0}, {2, 2});
  OneNode geBad(OpKind::GatherElements, {&data, &badIdx}, {{"axis", 1}});
  CHECK_THROWS_WITH(geBad.run(), Catch::Contains("GatherElements"));

  Tensor ndIdx = vec<int64_t>({1, -1}, {1, 2});
  OneNode nd(OpKind::GatherND, {&data, &ndIdx});
  CHECK(nd.node->result()->type().str() == "f32[1]");
  CHECK(floats(nd.run()[0]) == std::vector<float>{4});
  Tensor ndBad = vec<int64_t>({2, 0}, {1, 2});
  OneNode ndb(OpKind::GatherND, {&data, &ndBad});
  CHECK_THROWS_WITH(ndb.run(), Catch::Contains("out of range"));

  Tensor zeros(ElementType::F32, {1, 5});
  Tensor sIdx = vec<int64_t>({1, -4}, {1, 2});
  Tensor upd = vec<float>({1.5f, 2.5f}, {1, 2});
  OneNode se(OpKind::ScatterElements, {&zeros, &sIdx, &upd},
             {{"axis", 1}, {"reduction", "add"}});
  CHECK(floats(se.run()[0]) == std::vector<float>{0, 4, 0, 0, 0});
  Tensor sBad = vec<int64_t>({1, 5}, {1, 2});
  OneNode seb(OpKind::ScatterElements, {&zeros, &sBad, &upd}, {{"axis", 1}});
  CHECK_THROWS_WITH(seb.run(), Catch::Contains("ScatterElements"));

  Tensor base = vec<float>({1, 2, 3, 4});
  Tensor ndi = vec<int64_t>({3, 1, 3}, {3, 1});
  Tensor ndu = vec<float>({10, 20, 30});
  OneNode sn(OpKind::ScatterND, {&base, &ndi, &ndu}, {{"reduction", "mul"}});
  CHECK(floats(sn.run()[0]) == std::vector<float>{1, 40, 3, 1200});
  Tensor ndiBad = vec<int64_t>({4, 1, 3}, {3, 1});
  OneNode snb(OpKind::ScatterND, {&base, &ndiBad, &ndu});
  CHECK_THROWS_WITH(snb.run(), Catch::Contains("ScatterND"));
}

TEST_CASE("Pad in constant, reflect and edge modes", "[tensor]") {
  Tensor data = vec<float>({1, 2, 3});
  Tensor pads = vec<int64_t>({2, 2});
  Tensor nine = Tensor::scalar<float>(9);
  OneNode c(OpKind::Pad, {&data, &pads, &nine});
  CHECK(floats(c.run()[0]) == std::vector<float>{9, 9, 1, 2, 3, 9, 9});
  OneNode r(OpKind::Pad, {&data, &pads}, {{"mode", "reflect"}});
  CHECK(floats(r.run()[0]) == std::vector<float>{3, 2, 1, 2, 3, 2, 1});
  OneNode e(OpKind::Pad, {&data, &pads}, {{"mode", "edge"}});
  CHECK(floats(e.run()[0]) == std::vector<float>{1, 1, 1, 2, 3, 3, 3});

  // 2-D with axes and a negative (cropping) pad.
  Tensor m = iota({2, 3});
  Tensor p2 = vec<int64_t>({1, -1});
  Tensor axes = vec<int64_t>({1});
  OneNode a(OpKind::Pad, {&m, &p2, nullptr, &axes}, {{"mode", "reflect"}});
  CHECK(a.node->result()->type().str() == "f32[2,3]");
  CHECK(floats(a.run()[0]) == std::vector<float>{1, 0, 1, 4, 3, 4});
}

TEST_CASE("Unique with and without axis, sorted and unsorted", "[tensor]") {
  Tensor x = vec<float>({2, 1, 1, 3, 4, 3});
  OneNode s(OpKind::Unique, {&x}, {}, 4);
  std::vector<Tensor> r = s.run();
  CHECK(floats(r[0]) == std::vector<float>{1, 2, 3, 4});
  CHECK(ints(r[1]) == std::vector<int64_t>{1, 0, 3, 4});
  CHECK(ints(r[2]) == std::vector<int64_t>{1, 0, 0, 2, 3, 2});
  CHECK(ints(r[3]) == std::vector<int64_t>{2, 1, 2, 1});

  OneNode u(OpKind::Unique, {&x}, {{"sorted", 0}}, 4);
  r = u.run();
  CHECK(floats(r[0]) == std::vector<float>{2, 1, 3, 4});
  CHECK(ints(r[1]) == std::vector<int64_t>{0, 1, 3, 4});
  CHECK(ints(r[2]) == std::vector<int64_t>{0, 1, 1, 2, 3, 2});
  CHECK(ints(r[3]) == std::vector<int64_t>{1, 2, 2, 1});

  Tensor m = vec<float>({1, 0, 0, 1, 0, 0, 2, 3, 4}, {3, 3});
  OneNode ax(OpKind::Unique, {&m}, {{"axis", 0}}, 4);
  CHECK(ax.node->result(0)->type().str() == "f32[?,3]");
  r = ax.run();
  CHECK(r[0].shape() == std::vector<int64_t>{2, 3});
  CHECK(floats(r[0]) == std::vector<float>{1, 0, 0, 2, 3, 4});
  CHECK(ints(r[1]) == std::vector<int64_t>{0, 2});
  CHECK(ints(r[2]) == std::vector<int64_t>{0, 0, 1});
  CHECK(ints(r[3]) == std::vector<int64_t>{2, 1});

  // Columns of [[1,0],[0,1]] along axis 1: [0,1] sorts before [1,0].
  Tensor cols = vec<int32_t>({1, 0, 1, 0, 1, 0}, {2, 3});
  OneNode ac(OpKind::Unique, {&cols}, {{"axis", -1}}, 4);
  r = ac.run();
  CHECK(ints(r[0]) == std::vector<int64_t>{0, 1, 1, 0});
  CHECK(ints(r[2]) == std::vector<int64_t>{1, 0, 1});
}

TEST_CASE("Absurd sizes are errors, not allocations", "[tensor]") {
  Tensor data = iota({2, 2});
  Tensor reps = vec<int64_t>({int64_t(1) << 31, int64_t(1) << 31});
  OneNode t(OpKind::Tile, {&data, &reps});
  CHECK_THROWS_AS(t.run(), Error);
  Tensor overflow = vec<int64_t>({I64Max, 2});
  CHECK_THROWS_WITH(OneNode(OpKind::Tile, {&data, &overflow}),
                    Catch::Contains("overflows"));

  Tensor shape = vec<int64_t>({int64_t(1) << 31, int64_t(1) << 31});
  OneNode c(OpKind::ConstantOfShape, {&shape});
  CHECK_THROWS_AS(c.run(), Error);
  Tensor one = iota({1});
  OneNode e(OpKind::Expand, {&one, &shape});
  CHECK_THROWS_AS(e.run(), Error);

  Tensor s = Tensor::scalar<int64_t>(0),
         l = Tensor::scalar<int64_t>(int64_t(1) << 61),
         d = Tensor::scalar<int64_t>(1);
  OneNode r(OpKind::Range, {&s, &l, &d});
  CHECK_THROWS_AS(r.run(), Error);
  Tensor far = Tensor::scalar<int64_t>(I64Max),
         near = Tensor::scalar<int64_t>(I64Min);
  CHECK_THROWS_WITH(OneNode(OpKind::Range, {&near, &far, &d}),
                    Catch::Contains("too many elements"));
}

TEST_CASE("Range counts ceil((limit - start) / delta)", "[tensor]") {
  Tensor s = Tensor::scalar<int32_t>(10), l = Tensor::scalar<int32_t>(4),
         d = Tensor::scalar<int32_t>(-3);
  OneNode r(OpKind::Range, {&s, &l, &d});
  CHECK(r.node->result()->type().str() == "i32[2]");
  CHECK(ints(r.run()[0]) == std::vector<int64_t>{10, 7});
  Tensor fs = Tensor::scalar<float>(1), fl = Tensor::scalar<float>(5),
         fd = Tensor::scalar<float>(1.5f);
  OneNode f(OpKind::Range, {&fs, &fl, &fd});
  CHECK(floats(f.run()[0]) == std::vector<float>{1, 2.5f, 4});
  OneNode empty(OpKind::Range, {&fl, &fs, &fd});
  CHECK(empty.node->result()->type().str() == "f32[0]");
}

TEST_CASE("DepthToSpace in DCR and CRD modes, SpaceToDepth", "[tensor]") {
  Tensor x = iota({1, 8, 1, 2});
  OneNode dcr(OpKind::DepthToSpace, {&x}, {{"blocksize", 2}});
  CHECK(dcr.node->result()->type().str() == "f32[1,2,2,4]");
  Tensor a = dcr.run()[0];
  // out[c][h*2+bh][w*2+bw] = in[(bh*2+bw)*2+c][h][w].
  CHECK(floats(a) == std::vector<float>{0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7,
                                        10, 14, 11, 15});
  OneNode crd(OpKind::DepthToSpace, {&x}, {{"blocksize", 2}, {"mode", "CRD"}});
  // out[c][h*2+bh][w*2+bw] = in[c*4+bh*2+bw][h][w].
  CHECK(floats(crd.run()[0]) == std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7, 8,
                                                   10, 9, 11, 12, 14, 13, 15});
  // SpaceToDepth inverts DCR DepthToSpace.
  OneNode s2d(OpKind::SpaceToDepth, {&a}, {{"blocksize", 2}});
  CHECK(s2d.run()[0].identicalTo(x));
}

TEST_CASE("Split, Concat, Transpose, Squeeze, Unsqueeze, Flatten", "[tensor]") {
  Tensor x = iota({2, 5});
  OneNode sp(OpKind::Split, {&x}, {{"axis", 1}}, 3);
  CHECK(sp.node->result(2)->type().str() == "f32[2,1]");
  std::vector<Tensor> parts = sp.run();
  CHECK(floats(parts[0]) == std::vector<float>{0, 1, 5, 6});
  CHECK(floats(parts[2]) == std::vector<float>{4, 9});
  Tensor sizes = vec<int64_t>({0, 4, 1});
  OneNode sv(OpKind::Split, {&x, &sizes}, {{"axis", -1}}, 3);
  parts = sv.run();
  CHECK(parts[0].shape() == std::vector<int64_t>{2, 0});
  CHECK(floats(parts[1]) == std::vector<float>{0, 1, 2, 3, 5, 6, 7, 8});

  Tensor y = iota({2, 1});
  OneNode cc(OpKind::Concat, {&y, &x}, {{"axis", 1}});
  CHECK(floats(cc.run()[0]) ==
        std::vector<float>{0, 0, 1, 2, 3, 4, 1, 5, 6, 7, 8, 9});

  Tensor t3 = iota({2, 3, 4});
  OneNode tr(OpKind::Transpose, {&t3},
             {{"perm", std::vector<int64_t>{2, 0, 1}}});
  Tensor tt = tr.run()[0];
  CHECK(tt.shape() == std::vector<int64_t>{4, 2, 3});
  CHECK(tt.data<float>()[1 * 6 + 1 * 3 + 2] == 1 * 12 + 2 * 4 + 1);

  Tensor one = iota({1, 3, 1});
  Tensor ax = vec<int64_t>({-1});
  OneNode sq(OpKind::Squeeze, {&one, &ax});
  CHECK(sq.node->result()->type().str() == "f32[1,3]");
  OneNode sqAll(OpKind::Squeeze, {&one});
  CHECK(sqAll.node->result()->type().str() == "f32[3]");
  Tensor uax = vec<int64_t>({-1, 0});
  OneNode us(OpKind::Unsqueeze, {&one, &uax});
  CHECK(us.node->result()->type().str() == "f32[1,1,3,1,1]");
  OneNode fl(OpKind::Flatten, {&t3}, {{"axis", -1}});
  CHECK(fl.node->result()->type().str() == "f32[6,4]");
  CHECK_THROWS_WITH(OneNode(OpKind::Squeeze, {&x, &ax}),
                    Catch::Contains("cannot squeeze"));
}

TEST_CASE("Trilu, EyeLike, OneHot, Compress, NonZero, ReverseSequence",
          "[tensor]") {
  Tensor m = iota({3, 3});
  OneNode up(OpKind::Trilu, {&m});
  CHECK(floats(up.run()[0]) == std::vector<float>{0, 1, 2, 0, 4, 5, 0, 0, 8});
  Tensor k = Tensor::scalar<int64_t>(-1);
  OneNode lo(OpKind::Trilu, {&m, &k}, {{"upper", 0}});
  CHECK(floats(lo.run()[0]) == std::vector<float>{0, 0, 0, 3, 0, 0, 6, 7, 0});

  Tensor shape = iota({2, 3});
  OneNode eye(OpKind::EyeLike, {&shape}, {{"k", 1}, {"dtype", 7}});
  CHECK(eye.node->result()->type().str() == "i64[2,3]");
  CHECK(ints(eye.run()[0]) == std::vector<int64_t>{0, 1, 0, 0, 0, 1});

  Tensor idx = vec<int64_t>({0, -1, 5});
  Tensor depth = Tensor::scalar<int64_t>(3);
  Tensor values = vec<float>({0, 1});
  OneNode oh(OpKind::OneHot, {&idx, &depth, &values}, {{"axis", 0}});
  CHECK(oh.node->result()->type().str() == "f32[3,3]");
  // Column j is the one-hot of idx[j]; 5 is outside [-3, 3): all off.
  CHECK(floats(oh.run()[0]) == std::vector<float>{1, 0, 0, 0, 0, 0, 0, 1, 0});

  Tensor cond = vec<bool>({false, true, true});
  OneNode cp(OpKind::Compress, {&shape, &cond}, {{"axis", 1}});
  CHECK(floats(cp.run()[0]) == std::vector<float>{1, 2, 4, 5});
  OneNode cf(OpKind::Compress, {&shape, &cond});
  CHECK(floats(cf.run()[0]) == std::vector<float>{1, 2});

  Tensor nz = vec<int32_t>({0, 3, 0, 5}, {2, 2});
  OneNode n(OpKind::NonZero, {&nz});
  Tensor nzOut = n.run()[0];
  CHECK(nzOut.shape() == std::vector<int64_t>{2, 2});
  CHECK(ints(nzOut) == std::vector<int64_t>{0, 1, 1, 1});

  Tensor seq = iota({4, 2}); // time x batch
  Tensor lens = vec<int64_t>({4, 2});
  OneNode rs(OpKind::ReverseSequence, {&seq, &lens});
  CHECK(floats(rs.run()[0]) == std::vector<float>{6, 3, 4, 1, 2, 5, 0, 7});
  Tensor badLens = vec<int64_t>({5, 2});
  OneNode rsb(OpKind::ReverseSequence, {&seq, &badLens});
  CHECK_THROWS_WITH(rsb.run(), Catch::Contains("out of range"));
}

TEST_CASE("Shape, Size, ConstantOfShape, Expand, Tile results", "[tensor]") {
  Tensor x = iota({2, 3, 4});
  OneNode sh(OpKind::Shape, {&x}, {{"start", -2}});
  CHECK(sh.node->result()->type().str() == "i64[2]");
  CHECK(ints(sh.run()[0]) == std::vector<int64_t>{3, 4});
  OneNode sz(OpKind::Size, {&x});
  CHECK(sz.node->result()->type().str() == "i64[]");
  CHECK(ints(sz.run()[0]) == std::vector<int64_t>{24});

  Tensor shape = vec<int64_t>({2, 2});
  OneNode cs(OpKind::ConstantOfShape, {&shape},
             {{"value", Tensor::fromVector<int32_t>({7}, {1})}});
  CHECK(cs.node->result()->type().str() == "i32[2,2]");
  CHECK(ints(cs.run()[0]) == std::vector<int64_t>{7, 7, 7, 7});

  Tensor col = vec<int16_t>({1, 2}, {2, 1});
  Tensor target = vec<int64_t>({2, 1, 3});
  OneNode ex(OpKind::Expand, {&col, &target});
  CHECK(ex.node->result()->type().str() == "i16[2,2,3]");
  CHECK(ints(ex.run()[0]) ==
        std::vector<int64_t>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});

  Tensor reps = vec<int64_t>({2, 1});
  OneNode tl(OpKind::Tile, {&col, &reps});
  CHECK(ints(tl.run()[0]) == std::vector<int64_t>{1, 2, 1, 2});
}
