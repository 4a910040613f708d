//===- Recurrent.cpp - RNN, GRU and LSTM kernels --------------------------===//
// One driver runs a recurrent layer over time in each direction, honoring
// sequence_lens (steps past a batch entry's length leave zeros in Y and do
// not change its state), layouts 0/1 and initial states; the three cells
// differ only in how a step updates the hidden (and cell) state. `clip`
// bounds every gate's pre-activation. Arithmetic is done in double.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

namespace kiln {

namespace {

enum class ActKind {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus
};

struct Activation {
  ActKind kind = ActKind::Tanh;
  double alpha = 0, beta = 0;

  double operator()(double x) const {
    switch (kind) {
    case ActKind::Relu:
      return std::max(x, 0.0);
    case ActKind::Tanh:
      return std::tanh(x);
    case ActKind::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case ActKind::Affine:
      return alpha * x + beta;
    case ActKind::LeakyRelu:
      return x >= 0 ? x : alpha * x;
    case ActKind::ThresholdedRelu:
      return x > alpha ? x : 0.0;
    case ActKind::ScaledTanh:
      return alpha * std::tanh(beta * x);
    case ActKind::HardSigmoid:
      return std::clamp(alpha * x + beta, 0.0, 1.0);
    case ActKind::Elu:
      return x >= 0 ? x : alpha * (std::exp(x) - 1.0);
    case ActKind::Softsign:
      return x / (1.0 + std::fabs(x));
    case ActKind::Softplus:
      return std::log1p(std::exp(x));
    }
    return x;
  }
};

// Parses activation names, consuming alpha/beta values in order for the
// activations that take them (as ONNX Runtime does).
std::vector<Activation> parseActivations(const EvalContext &ctx,
                                         const std::vector<std::string> &names,
                                         const std::vector<float> &alphas,
                                         const std::vector<float> &betas) {
  struct Known {
    const char *name;
    ActKind kind;
    int numParams;
    double alpha, beta;
  };
  static const Known known[] = {
      {"relu", ActKind::Relu, 0, 0, 0},
      {"tanh", ActKind::Tanh, 0, 0, 0},
      {"sigmoid", ActKind::Sigmoid, 0, 0, 0},
      {"affine", ActKind::Affine, 2, 1.0, 0.0},
      {"leakyrelu", ActKind::LeakyRelu, 1, 0.01, 0},
      {"thresholdedrelu", ActKind::ThresholdedRelu, 1, 1.0, 0},
      {"scaledtanh", ActKind::ScaledTanh, 2, 1.0, 1.0},
      {"hardsigmoid", ActKind::HardSigmoid, 2, 0.2, 0.5},
      {"elu", ActKind::Elu, 1, 1.0, 0},
      {"softsign", ActKind::Softsign, 0, 0, 0},
      {"softplus", ActKind::Softplus, 0, 0, 0},
  };
  std::vector<Activation> out;
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : names) {
    std::string lower;
    for (char c : name)
      lower.push_back(char(std::tolower((unsigned char)c)));
    const Known *k = nullptr;
    for (const Known &cand : known)
      if (lower == cand.name)
        k = &cand;
    if (!k)
      ctx.error("unsupported activation '{}'", name);
    Activation a{k->kind, k->alpha, k->beta};
    if (k->numParams >= 1 && nextAlpha < alphas.size())
      a.alpha = alphas[nextAlpha++];
    if (k->numParams >= 2 && nextBeta < betas.size())
      a.beta = betas[nextBeta++];
    out.push_back(a);
  }
  return out;
}

// The parsed operands of a recurrent node, in layout-0 order.
struct Recurrent {
  int64_t seq = 0, batch = 0, inputSize = 0, hidden = 0, dirs = 1;
  int64_t gates = 1;
  bool layout1 = false;
  std::string direction;
  std::vector<double> x, w, r, b, initH, initC, p;
  std::vector<int64_t> seqLens;
  std::vector<Activation> acts; // numActs per direction
  size_t numActs = 1;
  std::optional<double> clip;

  double clipped(double v) const {
    return clip ? std::clamp(v, -*clip, *clip) : v;
  }
  const Activation &act(int64_t dir, size_t i) const {
    return acts[size_t(dir) * numActs + i];
  }
  // W[dir, gate*H + row, :] . x  +  Wb[dir, gate*H + row]
  double inputPart(int64_t dir, int64_t gate, int64_t row,
                   const double *xt) const {
    const double *wr =
        &w[size_t((dir * gates * hidden + gate * hidden + row) * inputSize)];
    double s = b[size_t(dir * 2 * gates * hidden + gate * hidden + row)];
    for (int64_t k = 0; k < inputSize; ++k)
      s += wr[k] * xt[k];
    return s;
  }
  // R[dir, gate*H + row, :] . h  +  Rb[dir, gate*H + row]
  double hiddenPart(int64_t dir, int64_t gate, int64_t row,
                    const double *h) const {
    const double *rr =
        &r[size_t((dir * gates * hidden + gate * hidden + row) * hidden)];
    double s =
        b[size_t(dir * 2 * gates * hidden + (gates + gate) * hidden + row)];
    for (int64_t k = 0; k < hidden; ++k)
      s += rr[k] * h[k];
    return s;
  }
};

// Reads a layout-1 ([batch, dirs|seq, ...]) tensor as layout 0 by swapping
// its first two axes.
std::vector<double> swapLeadingAxes(const std::vector<double> &v, int64_t a,
                                    int64_t b, int64_t inner) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      std::copy_n(&v[size_t((i * b + j) * inner)], inner,
                  &out[size_t((j * a + i) * inner)]);
  return out;
}

void checkShape(const EvalContext &ctx, const Tensor &t, const char *name,
                const std::vector<int64_t> &expected) {
  if (t.shape() != expected)
    ctx.error("{} has shape {}, expected {}", name, shapeStr(t.shape()),
              shapeStr(expected));
}

Recurrent parse(const EvalContext &ctx, int64_t gates, size_t numActs,
                const std::vector<std::string> &defaultActs) {
  Recurrent rc;
  rc.gates = gates;
  rc.numActs = numActs;
  const Node &node = ctx.node;
  rc.direction = node.getString("direction");
  if (rc.direction == "bidirectional")
    rc.dirs = 2;
  else if (rc.direction != "forward" && rc.direction != "reverse")
    ctx.error("unknown direction '{}'", rc.direction);
  rc.layout1 = node.getInt("layout") != 0;

  const Tensor &x = ctx.input(0), &w = ctx.input(1), &r = ctx.input(2);
  if (x.rank() != 3 || w.rank() != 3 || r.rank() != 3)
    ctx.error("X, W and R must have rank 3");
  rc.seq = x.dim(rc.layout1 ? 1 : 0);
  rc.batch = x.dim(rc.layout1 ? 0 : 1);
  rc.inputSize = x.dim(2);
  rc.hidden = node.findAttr("hidden_size") ? node.getInt("hidden_size")
                                           : w.dim(1) / gates;
  if (rc.hidden <= 0)
    ctx.error("hidden_size must be positive, not {}", rc.hidden);
  int64_t gh = gates * rc.hidden;
  checkShape(ctx, w, "W", {rc.dirs, gh, rc.inputSize});
  checkShape(ctx, r, "R", {rc.dirs, gh, rc.hidden});
  rc.x = x.toDoubleVector();
  if (rc.layout1)
    rc.x = swapLeadingAxes(rc.x, rc.batch, rc.seq, rc.inputSize);
  rc.w = w.toDoubleVector();
  rc.r = r.toDoubleVector();
  if (const Tensor *b = ctx.inputOrNull(3)) {
    checkShape(ctx, *b, "B", {rc.dirs, 2 * gh});
    rc.b = b->toDoubleVector();
  } else {
    rc.b.assign(size_t(rc.dirs * 2 * gh), 0.0);
  }
  if (const Tensor *lens = ctx.inputOrNull(4)) {
    checkShape(ctx, *lens, "sequence_lens", {rc.batch});
    rc.seqLens = lens->toIntVector();
    for (int64_t len : rc.seqLens)
      if (len < 0 || len > rc.seq)
        ctx.error("sequence_lens entry {} is out of range [0, {}]", len,
                  rc.seq);
  } else {
    rc.seqLens.assign(size_t(rc.batch), rc.seq);
  }
  std::vector<int64_t> stateShape =
      rc.layout1 ? std::vector<int64_t>{rc.batch, rc.dirs, rc.hidden}
                 : std::vector<int64_t>{rc.dirs, rc.batch, rc.hidden};
  auto readState = [&](size_t i, const char *name) {
    std::vector<double> v;
    if (const Tensor *t = ctx.inputOrNull(i)) {
      checkShape(ctx, *t, name, stateShape);
      v = t->toDoubleVector();
      if (rc.layout1)
        v = swapLeadingAxes(v, rc.batch, rc.dirs, rc.hidden);
    } else {
      v.assign(size_t(rc.dirs * rc.batch * rc.hidden), 0.0);
    }
    return v;
  };
  rc.initH = readState(5, "initial_h");
  if (gates == 4) {
    rc.initC = readState(6, "initial_c");
    if (const Tensor *p = ctx.inputOrNull(7)) {
      checkShape(ctx, *p, "P", {rc.dirs, 3 * rc.hidden});
      rc.p = p->toDoubleVector();
    } else {
      rc.p.assign(size_t(rc.dirs * 3 * rc.hidden), 0.0);
    }
  }

  std::vector<std::string> names = node.getStrings("activations");
  if (names.empty())
    names = defaultActs;
  if (names.size() == numActs && rc.dirs == 2) {
    // The reverse direction reuses the forward list (copied first: inserting
    // a vector's own range into it is undefined).
    std::vector<std::string> forward = names;
    names.insert(names.end(), forward.begin(), forward.end());
  }
  if (names.size() != numActs * size_t(rc.dirs))
    ctx.error("expected {} activations, got {}", numActs * size_t(rc.dirs),
              names.size());
  rc.acts = parseActivations(ctx, names, node.getFloats("activation_alpha"),
                             node.getFloats("activation_beta"));
  if (node.findAttr("clip")) {
    double c = node.getFloat("clip");
    if (!(c > 0))
      ctx.error("clip must be positive, not {}", c);
    rc.clip = c;
  }
  return rc;
}

// Updates h (and c) in place for one step of one batch entry.
using StepFn = void (*)(const Recurrent &, int64_t dir, const double *xt,
                        double *h, double *c, const Node &node);

void rnnStep(const Recurrent &rc, int64_t dir, const double *xt, double *h,
             double *, const Node &) {
  std::vector<double> next(static_cast<size_t>(rc.hidden));
  for (int64_t j = 0; j < rc.hidden; ++j)
    next[size_t(j)] = rc.act(dir, 0)(
        rc.clipped(rc.inputPart(dir, 0, j, xt) + rc.hiddenPart(dir, 0, j, h)));
  std::copy(next.begin(), next.end(), h);
}

// Gate order z, r, h.
void gruStep(const Recurrent &rc, int64_t dir, const double *xt, double *h,
             double *, const Node &node) {
  bool linearBeforeReset = node.getInt("linear_before_reset") != 0;
  const Activation &f = rc.act(dir, 0), &g = rc.act(dir, 1);
  size_t n = size_t(rc.hidden);
  std::vector<double> z(n), rg(n), rh(n), next(n);
  for (int64_t j = 0; j < rc.hidden; ++j) {
    z[size_t(j)] = f(
        rc.clipped(rc.inputPart(dir, 0, j, xt) + rc.hiddenPart(dir, 0, j, h)));
    rg[size_t(j)] = f(
        rc.clipped(rc.inputPart(dir, 1, j, xt) + rc.hiddenPart(dir, 1, j, h)));
    rh[size_t(j)] = rg[size_t(j)] * h[j];
  }
  for (int64_t j = 0; j < rc.hidden; ++j) {
    double pre = rc.inputPart(dir, 2, j, xt);
    if (linearBeforeReset)
      pre += rg[size_t(j)] * rc.hiddenPart(dir, 2, j, h);
    else
      pre += rc.hiddenPart(dir, 2, j, rh.data());
    double ht = g(rc.clipped(pre));
    next[size_t(j)] = (1 - z[size_t(j)]) * ht + z[size_t(j)] * h[j];
  }
  std::copy(next.begin(), next.end(), h);
}

// Gate order i, o, f, c; peepholes P in order i, o, f.
void lstmStep(const Recurrent &rc, int64_t dir, const double *xt, double *h,
              double *c, const Node &node) {
  bool inputForget = node.getInt("input_forget") != 0;
  const Activation &f = rc.act(dir, 0), &g = rc.act(dir, 1),
                   &hAct = rc.act(dir, 2);
  const double *p = &rc.p[size_t(dir * 3 * rc.hidden)];
  int64_t hs = rc.hidden;
  size_t n = size_t(hs);
  std::vector<double> nextH(n), nextC(n);
  for (int64_t j = 0; j < hs; ++j) {
    double cPrev = c[j];
    double it = f(rc.clipped(rc.inputPart(dir, 0, j, xt) +
                             rc.hiddenPart(dir, 0, j, h) + p[j] * cPrev));
    double ft = inputForget ? 1.0 - it
                            : f(rc.clipped(rc.inputPart(dir, 2, j, xt) +
                                           rc.hiddenPart(dir, 2, j, h) +
                                           p[2 * hs + j] * cPrev));
    double ct = g(
        rc.clipped(rc.inputPart(dir, 3, j, xt) + rc.hiddenPart(dir, 3, j, h)));
    double cNew = ft * cPrev + it * ct;
    double ot = f(rc.clipped(rc.inputPart(dir, 1, j, xt) +
                             rc.hiddenPart(dir, 1, j, h) + p[hs + j] * cNew));
    nextC[size_t(j)] = cNew;
    nextH[size_t(j)] = ot * hAct(cNew);
  }
  std::copy(nextH.begin(), nextH.end(), h);
  std::copy(nextC.begin(), nextC.end(), c);
}

void writeTensor(Tensor &t, const std::vector<double> &values) {
  for (size_t i = 0; i < values.size(); ++i)
    t.setDouble(int64_t(i), values[i]);
}

void runRecurrent(EvalContext &ctx, int64_t gates, size_t numActs,
                  const std::vector<std::string> &defaultActs, StepFn step) {
  Recurrent rc = parse(ctx, gates, numActs, defaultActs);
  int64_t hs = rc.hidden, batch = rc.batch, dirs = rc.dirs, seq = rc.seq;
  // Layout-0 buffers: Y [seq, dirs, batch, H], states [dirs, batch, H].
  std::vector<double> y(size_t(seq * dirs * batch * hs), 0.0);
  std::vector<double> hState = rc.initH, cState = rc.initC;
  if (cState.empty())
    cState.assign(hState.size(), 0.0);
  for (int64_t d = 0; d < dirs; ++d) {
    bool reverse = rc.direction == "reverse" || d == 1;
    for (int64_t bi = 0; bi < batch; ++bi) {
      int64_t len = rc.seqLens[size_t(bi)];
      double *h = &hState[size_t((d * batch + bi) * hs)];
      double *c = &cState[size_t((d * batch + bi) * hs)];
      for (int64_t s = 0; s < len; ++s) {
        int64_t t = reverse ? len - 1 - s : s;
        const double *xt = &rc.x[size_t((t * batch + bi) * rc.inputSize)];
        step(rc, d, xt, h, c, ctx.node);
        std::copy_n(h, hs, &y[size_t(((t * dirs + d) * batch + bi) * hs)]);
      }
    }
  }

  ElementType elem = ctx.input(0).elementType();
  for (size_t i = 0; i < ctx.numOutputs(); ++i) {
    std::vector<double> values;
    std::vector<int64_t> shape;
    if (i == 0) {
      values = y;
      shape = {seq, dirs, batch, hs};
      if (rc.layout1) {
        // [seq, dirs, batch, H] -> [batch, seq, dirs, H]
        values.assign(y.size(), 0.0);
        for (int64_t t = 0; t < seq; ++t)
          for (int64_t d = 0; d < dirs; ++d)
            for (int64_t bi = 0; bi < batch; ++bi)
              std::copy_n(&y[size_t(((t * dirs + d) * batch + bi) * hs)], hs,
                          &values[size_t(((bi * seq + t) * dirs + d) * hs)]);
        shape = {batch, seq, dirs, hs};
      }
    } else {
      values = i == 1 ? hState : cState;
      shape = {dirs, batch, hs};
      if (rc.layout1) {
        values = swapLeadingAxes(values, dirs, batch, hs);
        shape = {batch, dirs, hs};
      }
    }
    ctx.outputs[i] = Tensor(elem, shape);
    writeTensor(ctx.outputs[i], values);
  }
}

} // namespace

void evalRNN(EvalContext &ctx) { runRecurrent(ctx, 1, 1, {"Tanh"}, rnnStep); }

void evalGRU(EvalContext &ctx) {
  runRecurrent(ctx, 3, 2, {"Sigmoid", "Tanh"}, gruStep);
}

void evalLSTM(EvalContext &ctx) {
  runRecurrent(ctx, 4, 3, {"Sigmoid", "Tanh", "Tanh"}, lstmStep);
}

} // namespace kiln
