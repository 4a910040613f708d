//===- Recurrent.cpp - lowering of RNN, GRU and LSTM ----------------------===//
// Each direction runs a serial loop over time steps. A step computes the
// input and hidden projections of every gate for the whole batch into
// temporaries, applies the cell's update into next-state temporaries, and
// commits them (state and Y) for the batch entries whose sequence is still
// running; steps past an entry's sequence_lens leave zeros in Y and its state
// unchanged, as in the interpreter. States live in Global temporaries.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include <cctype>

namespace kiln {

using namespace nnlower;

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
};

Expr applyActivation(const Activation &a, Expr x, ElementType ct) {
  Expr zero = fimm(ct, 0), one = fimm(ct, 1);
  switch (a.kind) {
  case ActKind::Relu:
    return loop::max(x, zero);
  case ActKind::Tanh:
    return loop::mathCall("tanh", x);
  case ActKind::Sigmoid:
    return one / (one + loop::mathCall("exp", -x));
  case ActKind::Affine:
    return fimm(ct, a.alpha) * x + fimm(ct, a.beta);
  case ActKind::LeakyRelu:
    return loop::select(x >= zero, x, fimm(ct, a.alpha) * x);
  case ActKind::ThresholdedRelu:
    return loop::select(x > fimm(ct, a.alpha), x, zero);
  case ActKind::ScaledTanh:
    return fimm(ct, a.alpha) * loop::mathCall("tanh", fimm(ct, a.beta) * x);
  case ActKind::HardSigmoid:
    return loop::min(
        loop::max(fimm(ct, a.alpha) * x + fimm(ct, a.beta), zero), one);
  case ActKind::Elu:
    return loop::select(x >= zero, x,
                        fimm(ct, a.alpha) * (loop::mathCall("exp", x) - one));
  case ActKind::Softsign:
    return x / (one + loop::mathCall("fabs", x));
  case ActKind::Softplus:
    return loop::mathCall("log", one + loop::mathCall("exp", x));
  }
  return x;
}

// Activation names with alpha/beta consumed in order for the activations
// that take them (as the interpreter and ONNX Runtime do).
std::vector<Activation> parseActivations(const LowerContext &ctx,
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

enum class Cell { Rnn, Gru, Lstm };

struct RecurrentLowering {
  LowerContext &ctx;
  Cell cell;
  int64_t gates = 1, seq = 0, batch = 0, inputSize = 0, hidden = 0, dirs = 1;
  size_t numActs = 1;
  bool layout1 = false, reverseOnly = false;
  std::vector<Activation> acts;
  std::optional<double> clip;
  ElementType ct = ElementType::F32;
  Buffer x, w, r, b, lens, initH, initC, p;
  Buffer hState, cState, xw, hr, hNext, cNext, gruZ, gruR, gruRh, gruHh;

  RecurrentLowering(LowerContext &ctx, Cell cell) : ctx(ctx), cell(cell) {}

  Buffer optional(size_t i) {
    return ctx.hasInput(i) ? ctx.input(i) : nullptr;
  }
  void checkShape(const Buffer &t, const char *name,
                  const std::vector<int64_t> &expected) {
    if (t && t->shape != expected)
      ctx.error("{} has the wrong shape (expected {} dims)", name,
                expected.size());
  }
  std::vector<int64_t> stateShape() const {
    return layout1 ? std::vector<int64_t>{batch, dirs, hidden}
                   : std::vector<int64_t>{dirs, batch, hidden};
  }
  // Index of (dir, batch entry, j) in a layout-dependent state tensor.
  Indices stateIndex(const Expr &d, const Expr &bi, const Expr &j) const {
    return layout1 ? Indices{bi, d, j} : Indices{d, bi, j};
  }

  void parse() {
    gates = cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 3 : 4;
    numActs = cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 2 : 3;
    std::vector<std::string> defaults =
        cell == Cell::Rnn   ? std::vector<std::string>{"Tanh"}
        : cell == Cell::Gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                            : std::vector<std::string>{"Sigmoid", "Tanh",
                                                       "Tanh"};
    const Node &node = ctx.node;
    std::string direction = node.getString("direction");
    if (direction == "bidirectional")
      dirs = 2;
    else if (direction != "forward" && direction != "reverse")
      ctx.error("unknown direction '{}'", direction);
    reverseOnly = direction == "reverse";
    layout1 = node.getInt("layout") != 0;
    x = ctx.input(0);
    w = ctx.input(1);
    r = ctx.input(2);
    requireFloat(ctx, x, "X");
    if (x->rank() != 3 || w->rank() != 3 || r->rank() != 3)
      ctx.error("X, W and R must have rank 3");
    seq = x->shape[layout1 ? 1 : 0];
    batch = x->shape[layout1 ? 0 : 1];
    inputSize = x->shape[2];
    hidden = node.findAttr("hidden_size") ? node.getInt("hidden_size")
                                          : w->shape[1] / gates;
    if (hidden <= 0)
      ctx.error("hidden_size must be positive, not {}", hidden);
    int64_t gh = gates * hidden;
    checkShape(w, "W", {dirs, gh, inputSize});
    checkShape(r, "R", {dirs, gh, hidden});
    b = optional(3);
    checkShape(b, "B", {dirs, 2 * gh});
    lens = optional(4);
    checkShape(lens, "sequence_lens", {batch});
    if (lens && !isInteger(lens->elem))
      ctx.error("sequence_lens must be an integer tensor");
    initH = optional(5);
    checkShape(initH, "initial_h", stateShape());
    if (cell == Cell::Lstm) {
      initC = optional(6);
      checkShape(initC, "initial_c", stateShape());
      p = optional(7);
      checkShape(p, "P", {dirs, 3 * hidden});
    }
    std::vector<std::string> names = node.getStrings("activations");
    if (names.empty())
      names = defaults;
    if (names.size() == numActs && dirs == 2) {
      std::vector<std::string> forward = names; // insert can't read itself
      names.insert(names.end(), forward.begin(), forward.end());
    }
    if (names.size() != numActs * size_t(dirs))
      ctx.error("expected {} activations, got {}", numActs * size_t(dirs),
                names.size());
    acts = parseActivations(ctx, names, node.getFloats("activation_alpha"),
                            node.getFloats("activation_beta"));
    if (node.findAttr("clip")) {
      double c = node.getFloat("clip");
      if (!(c > 0))
        ctx.error("clip must be positive, not {}", c);
      clip = c;
    }
    ct = computeType(x->elem);
  }

  const Activation &act(int64_t d, size_t i) const {
    return acts[size_t(d) * numActs + i];
  }
  Expr clipped(Expr v) const {
    if (!clip)
      return v;
    return loop::min(loop::max(v, fimm(ct, -*clip)), fimm(ct, *clip));
  }
  Expr bias(int64_t d, const Expr &col) const {
    return b ? loadAs(ct, b, {Expr(d), col}) : fimm(ct, 0);
  }
  Expr seqLen(const Expr &bi) const {
    if (!lens)
      return Expr(seq);
    return clampIndex(loop::cast(ElementType::I64, loop::load(lens, {bi})),
                      seq + 1);
  }
  // Time index of step s for batch entry bi (may be out of range when the
  // entry's sequence has ended; callers clamp or guard).
  Expr timeOf(int64_t d, const Expr &s, const Expr &bi) const {
    bool reverse = reverseOnly || d == 1;
    return reverse ? seqLen(bi) - Expr(1) - s : s;
  }
  // Gate pre-activation parts at (bi, gate g, row j).
  Expr xwAt(const Expr &bi, int64_t g, const Expr &j) const {
    return loop::load(xw, {bi, Expr(g * hidden) + j});
  }
  Expr hrAt(const Expr &bi, int64_t g, const Expr &j) const {
    return loop::load(hr, {bi, Expr(g * hidden) + j});
  }
  Expr hAt(int64_t d, const Expr &bi, const Expr &j) const {
    return loop::load(hState, {Expr(d), bi, j});
  }

  Stmt projections(int64_t d, const Expr &s) {
    int64_t gh = gates * hidden;
    loop::Reduction in;
    in.shape = {inputSize};
    in.accType = ct;
    in.init = fimm(ct, 0);
    in.combine = [](Expr a, Expr v) { return a + v; };
    in.value = [&, d](const Indices &o, const Indices &k) {
      Expr t = clampIndex(timeOf(d, s, o[0]), seq);
      Indices xi = layout1 ? Indices{o[0], t, k[0]} : Indices{t, o[0], k[0]};
      return loadAs(ct, w, {Expr(d), o[1], k[0]}) * loadAs(ct, x, xi);
    };
    in.finalize = [&, d](Expr a, const Indices &o) {
      return a + bias(d, o[1]);
    };
    loop::Reduction hid = in;
    hid.shape = {hidden};
    hid.value = [&, d](const Indices &o, const Indices &k) {
      return loadAs(ct, r, {Expr(d), o[1], k[0]}) * hAt(d, o[0], k[0]);
    };
    hid.finalize = [&, d](Expr a, const Indices &o) {
      return a + bias(d, Expr(gh) + o[1]);
    };
    return loop::makeSeq({loop::reduce(xw, in), loop::reduce(hr, hid)});
  }

  // Next hidden (and cell) state of every batch entry into hNext/cNext.
  Stmt update(int64_t d) {
    std::vector<Stmt> out;
    if (cell == Cell::Rnn) {
      out.push_back(loop::compute(hNext, [&](const Indices &i) {
        return applyActivation(
            act(d, 0), clipped(xwAt(i[0], 0, i[1]) + hrAt(i[0], 0, i[1])), ct);
      }));
    } else if (cell == Cell::Gru) {
      bool lbr = ctx.node.getInt("linear_before_reset") != 0;
      const Activation &f = act(d, 0), &g = act(d, 1);
      out.push_back(loop::compute(gruZ, [&](const Indices &i) {
        return applyActivation(
            f, clipped(xwAt(i[0], 0, i[1]) + hrAt(i[0], 0, i[1])), ct);
      }));
      out.push_back(loop::compute(gruR, [&](const Indices &i) {
        return applyActivation(
            f, clipped(xwAt(i[0], 1, i[1]) + hrAt(i[0], 1, i[1])), ct);
      }));
      if (!lbr) {
        out.push_back(loop::compute(gruRh, [&](const Indices &i) {
          return loop::load(gruR, i) * hAt(d, i[0], i[1]);
        }));
        loop::Reduction hh;
        hh.shape = {hidden};
        hh.accType = ct;
        hh.init = fimm(ct, 0);
        hh.combine = [](Expr a, Expr v) { return a + v; };
        hh.value = [&](const Indices &o, const Indices &k) {
          return loadAs(ct, r, {Expr(d), Expr(2 * hidden) + o[1], k[0]}) *
                 loop::load(gruRh, {o[0], k[0]});
        };
        hh.finalize = [&](Expr a, const Indices &o) {
          return a + bias(d, Expr(5 * hidden) + o[1]);
        };
        out.push_back(loop::reduce(gruHh, hh));
      }
      out.push_back(loop::compute(hNext, [&](const Indices &i) {
        Expr rg = loop::load(gruR, i);
        Expr pre = xwAt(i[0], 2, i[1]) +
                   (lbr ? rg * hrAt(i[0], 2, i[1]) : loop::load(gruHh, i));
        Expr z = loop::load(gruZ, i);
        return (fimm(ct, 1) - z) * applyActivation(g, clipped(pre), ct) +
               z * hAt(d, i[0], i[1]);
      }));
    } else {
      bool inputForget = ctx.node.getInt("input_forget") != 0;
      const Activation &f = act(d, 0), &g = act(d, 1), &h = act(d, 2);
      auto peep = [&](int64_t k, const Expr &j) {
        return p ? loadAs(ct, p, {Expr(d), Expr(k * hidden) + j})
                 : fimm(ct, 0);
      };
      out.push_back(loop::compute(cNext, [&](const Indices &i) {
        Expr cPrev = loop::load(cState, {Expr(d), i[0], i[1]});
        Expr it = applyActivation(
            f,
            clipped(xwAt(i[0], 0, i[1]) + hrAt(i[0], 0, i[1]) +
                    peep(0, i[1]) * cPrev),
            ct);
        Expr ft = inputForget
                      ? fimm(ct, 1) - it
                      : applyActivation(f,
                                        clipped(xwAt(i[0], 2, i[1]) +
                                                hrAt(i[0], 2, i[1]) +
                                                peep(2, i[1]) * cPrev),
                                        ct);
        Expr cand = applyActivation(
            g, clipped(xwAt(i[0], 3, i[1]) + hrAt(i[0], 3, i[1])), ct);
        return ft * cPrev + it * cand;
      }));
      out.push_back(loop::compute(hNext, [&](const Indices &i) {
        Expr cNew = loop::load(cNext, i);
        Expr ot = applyActivation(f,
                                  clipped(xwAt(i[0], 1, i[1]) +
                                          hrAt(i[0], 1, i[1]) +
                                          peep(1, i[1]) * cNew),
                                  ct);
        return ot * applyActivation(h, cNew, ct);
      }));
    }
    return loop::makeSeq(out);
  }

  // Commits the next states and Y for entries still inside their sequence.
  Stmt commit(int64_t d, const Expr &s) {
    Buffer y = ctx.hasOutput(0) ? ctx.output(0) : nullptr;
    return loop::loopNest(
        {batch, hidden},
        [&](const Indices &i) {
          Expr t = clampIndex(timeOf(d, s, i[0]), seq);
          std::vector<Stmt> body = {loop::makeStore(
              hState, {Expr(d), i[0], i[1]}, loop::load(hNext, i))};
          if (cell == Cell::Lstm)
            body.push_back(loop::makeStore(cState, {Expr(d), i[0], i[1]},
                                           loop::load(cNext, i)));
          if (y) {
            Indices yi = layout1 ? Indices{i[0], t, Expr(d), i[1]}
                                 : Indices{t, Expr(d), i[0], i[1]};
            body.push_back(loop::makeStore(
                y, yi, loop::cast(y->elem, loop::load(hNext, i))));
          }
          return loop::makeIf(s < seqLen(i[0]), loop::makeSeq(body));
        },
        "c");
  }

  void run() {
    parse();
    hState = ctx.allocate("rnn_h", ct, {dirs, batch, hidden});
    if (cell == Cell::Lstm) {
      cState = ctx.allocate("rnn_c", ct, {dirs, batch, hidden});
      cNext = ctx.allocate("rnn_c_next", ct, {batch, hidden});
    }
    xw = ctx.allocate("rnn_xw", ct, {batch, gates * hidden});
    hr = ctx.allocate("rnn_hr", ct, {batch, gates * hidden});
    hNext = ctx.allocate("rnn_h_next", ct, {batch, hidden});
    if (cell == Cell::Gru) {
      gruZ = ctx.allocate("gru_z", ct, {batch, hidden});
      gruR = ctx.allocate("gru_r", ct, {batch, hidden});
      gruRh = ctx.allocate("gru_rh", ct, {batch, hidden});
      gruHh = ctx.allocate("gru_hh", ct, {batch, hidden});
    }
    auto initState = [&](const Buffer &state, const Buffer &init) {
      ctx.emit(loop::compute(state, [&](const Indices &i) {
        return init ? loadAs(ct, init, stateIndex(i[0], i[1], i[2]))
                    : fimm(ct, 0);
      }));
    };
    initState(hState, initH);
    if (cell == Cell::Lstm)
      initState(cState, initC);
    if (ctx.hasOutput(0))
      ctx.emit(loop::compute(ctx.output(0), [&](const Indices &) {
        return fimm(ct, 0);
      }));
    for (int64_t d = 0; d < dirs; ++d)
      ctx.emit(loop::loopNest(
          {seq},
          [&](const Indices &s) {
            return loop::makeSeq(
                {projections(d, s[0]), update(d), commit(d, s[0])});
          },
          "s"));
    for (size_t o = 1; o <= 2; ++o) {
      if (!ctx.hasOutput(o))
        continue;
      if (o == 2 && cell != Cell::Lstm)
        ctx.error("only LSTM has a Y_c result");
      const Buffer &state = o == 1 ? hState : cState;
      ctx.emit(loop::compute(ctx.output(o), [&](const Indices &i) {
        Indices si = layout1 ? Indices{i[1], i[0], i[2]} : i;
        return loop::load(state, si);
      }));
    }
  }
};

} // namespace

void lowerRNN(LowerContext &ctx) { RecurrentLowering(ctx, Cell::Rnn).run(); }
void lowerGRU(LowerContext &ctx) { RecurrentLowering(ctx, Cell::Gru).run(); }
void lowerLSTM(LowerContext &ctx) { RecurrentLowering(ctx, Cell::Lstm).run(); }

} // namespace kiln
