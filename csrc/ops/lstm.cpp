// LSTM ops: the whole-layer recurrence (one direction of one layer, forward and BPTT) and the
// single cell step of LSTMCell (two matmuls + the fused cell). Checks, contiguous inputs,
// allocation; the arithmetic is in cpu/lstm.cpp and cuda/lstm.cu.
#include "../kernels/lstm.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

Tensor contig(const Tensor& t) { return !t.defined() || t.is_contiguous() ? t : contiguous(t); }

const void* raw_or_null(const Tensor& t) { return t.defined() ? t.raw() : nullptr; }

void check_tensor(const char* op, const char* name, const Tensor& t, const Shape& shape,
                  DType dt, Device dev) {
  LAMINA_CHECK(t.shape() == shape, ValueError, "[", op, "] expected ", name, " of size ",
               shape_str(shape), ", got ", shape_str(t.shape()));
  LAMINA_CHECK(t.dtype() == dt, TypeError, "[", op, "] expected ", name, " of dtype ",
               dtype_name(dt), " (the input's), got ", dtype_name(t.dtype()));
  LAMINA_CHECK(t.device() == dev, std::runtime_error, "[", op, "] expected ", name, " on ",
               dev.str(), " (the input's device), got ", t.device().str());
}

struct Dims {
  int64_t T, B, I, H;
};

// x (T, B, I), w_ih (4H, I), w_hh (4H, H): the sizes, after the dtype and shape checks.
Dims check_layer(const char* op, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh) {
  LAMINA_CHECK(is_floating(x.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  LAMINA_CHECK(x.dim() == 3, ValueError, "[", op, "] expected a 3-D input (T, B, I), got ",
               shape_str(x.shape()));
  LAMINA_CHECK(w_hh.dim() == 2 && w_hh.size(0) % 4 == 0 && w_hh.size(0) > 0 &&
                   w_hh.size(1) * 4 == w_hh.size(0),
               ValueError, "[", op, "] expected weight_hh of size (4 * hidden_size, hidden_size), ",
               "got ", shape_str(w_hh.shape()));
  const Dims d{x.size(0), x.size(1), x.size(2), w_hh.size(1)};
  check_tensor(op, "weight_ih", w_ih, {4 * d.H, d.I}, x.dtype(), x.device());
  check_tensor(op, "weight_hh", w_hh, {4 * d.H, d.H}, x.dtype(), x.device());
  return d;
}

}  // namespace

std::vector<Tensor> lstm_layer(const Tensor& x_in, const Tensor& h0, const Tensor& c0,
                               const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                               const Tensor& b_hh, bool reverse, bool need_grad) {
  const char* op = "lstm";
  const Dims d = check_layer(op, x_in, w_ih, w_hh);
  const DType dt = x_in.dtype();
  const Device dev = x_in.device();
  const Shape state{d.B, d.H};
  if (h0.defined()) check_tensor(op, "hx", h0, state, dt, dev);
  if (c0.defined()) check_tensor(op, "cx", c0, state, dt, dev);
  if (b_ih.defined()) check_tensor(op, "bias_ih", b_ih, {4 * d.H}, dt, dev);
  if (b_hh.defined()) check_tensor(op, "bias_hh", b_hh, {4 * d.H}, dt, dev);
  LAMINA_CHECK(d.T > 0, ValueError, "[", op, "] expected a non-empty sequence, got input of size ",
               shape_str(x_in.shape()));
  const Tensor x = contig(x_in), wi = contig(w_ih), wh = contig(w_hh);
  const Tensor bi = contig(b_ih), bh = contig(b_hh);
  Tensor hs = Tensor::empty({d.T + 1, d.B, d.H}, dt, dev);
  Tensor cs = Tensor::empty({d.T + 1, d.B, d.H}, dt, dev);
  const int64_t slot0 = reverse ? d.T : 0, last = reverse ? 0 : d.T;
  const Tensor zero = full({}, 0.0, dt, dev);
  copy_(select(hs, 0, slot0), h0.defined() ? h0 : zero);
  copy_(select(cs, 0, slot0), c0.defined() ? c0 : zero);
  Tensor acts = need_grad ? Tensor::empty({d.T, d.B, 4 * d.H}, dt, dev) : Tensor();
  if (d.B > 0) {
    LAMINA_KERNEL(dev, lstm_layer_forward, dt, d.T, d.B, d.I, d.H, x.raw(), wi.raw(), wh.raw(),
                  raw_or_null(bi), raw_or_null(bh), reverse, hs.raw(), cs.raw(),
                  need_grad ? acts.raw() : nullptr);
  }
  Tensor y = reverse ? slice(hs, 0, 0, d.T, 1) : slice(hs, 0, 1, d.T + 1, 1);
  return {y, select(hs, 0, last), select(cs, 0, last), hs, cs, acts};
}

std::vector<Tensor> lstm_layer_backward(const Tensor& x_in, const Tensor& w_ih,
                                        const Tensor& w_hh, const Tensor& hs, const Tensor& cs,
                                        const Tensor& acts, const Tensor& dy, const Tensor& dhn,
                                        const Tensor& dcn, bool reverse, bool has_bias,
                                        bool need_dx) {
  const char* op = "lstm_backward";
  const Dims d = check_layer(op, x_in, w_ih, w_hh);
  const DType dt = x_in.dtype();
  const Device dev = x_in.device();
  check_tensor(op, "hs", hs, {d.T + 1, d.B, d.H}, dt, dev);
  check_tensor(op, "cs", cs, {d.T + 1, d.B, d.H}, dt, dev);
  check_tensor(op, "acts", acts, {d.T, d.B, 4 * d.H}, dt, dev);
  if (dy.defined()) check_tensor(op, "grad_output", dy, {d.T, d.B, d.H}, dt, dev);
  if (dhn.defined()) check_tensor(op, "grad_h_n", dhn, {d.B, d.H}, dt, dev);
  if (dcn.defined()) check_tensor(op, "grad_c_n", dcn, {d.B, d.H}, dt, dev);
  const Tensor x = contig(x_in), wi = contig(w_ih), wh = contig(w_hh);
  const Tensor hsc = contig(hs), csc = contig(cs), ac = contig(acts);
  const Tensor g = contig(dy), gh = contig(dhn), gc = contig(dcn);
  Tensor dx = need_dx ? Tensor::empty(x.shape(), dt, dev) : Tensor();
  Tensor dh0 = Tensor::empty({d.B, d.H}, dt, dev), dc0 = Tensor::empty({d.B, d.H}, dt, dev);
  Tensor dwi = Tensor::empty({4 * d.H, d.I}, dt, dev), dwh = Tensor::empty({4 * d.H, d.H}, dt, dev);
  Tensor db = has_bias ? Tensor::empty({4 * d.H}, dt, dev) : Tensor();
  if (d.B == 0) {
    for (Tensor* t : {&dwi, &dwh, &db})
      if (t->defined()) *t = full(t->shape(), 0.0, dt, dev);
  } else {
    LAMINA_KERNEL(dev, lstm_layer_backward, dt, d.T, d.B, d.I, d.H, x.raw(), wi.raw(), wh.raw(),
                  hsc.raw(), csc.raw(), ac.raw(), reverse, raw_or_null(g), raw_or_null(gh),
                  raw_or_null(gc), need_dx ? dx.raw() : nullptr, dh0.raw(), dc0.raw(),
                  dwi.raw(), dwh.raw(), has_bias ? db.raw() : nullptr);
  }
  return {dx, dh0, dc0, dwi, dwh, db};
}

std::vector<Tensor> lstm_cell(const Tensor& x, const Tensor& hx, const Tensor& cx,
                              const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                              const Tensor& b_hh, bool need_grad) {
  const char* op = "lstm_cell";
  LAMINA_CHECK(is_floating(x.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  LAMINA_CHECK(x.dim() == 2, ValueError, "[", op, "] expected a 2-D input (B, input_size), got ",
               shape_str(x.shape()));
  LAMINA_CHECK(w_hh.dim() == 2 && w_hh.size(0) > 0 && w_hh.size(1) * 4 == w_hh.size(0),
               ValueError, "[", op, "] expected weight_hh of size (4 * hidden_size, hidden_size), ",
               "got ", shape_str(w_hh.shape()));
  const int64_t B = x.size(0), I = x.size(1), H = w_hh.size(1);
  const DType dt = x.dtype();
  const Device dev = x.device();
  check_tensor(op, "weight_ih", w_ih, {4 * H, I}, dt, dev);
  check_tensor(op, "weight_hh", w_hh, {4 * H, H}, dt, dev);
  if (hx.defined()) check_tensor(op, "hx", hx, {B, H}, dt, dev);
  if (cx.defined()) check_tensor(op, "cx", cx, {B, H}, dt, dev);
  if (b_ih.defined()) check_tensor(op, "bias_ih", b_ih, {4 * H}, dt, dev);
  if (b_hh.defined()) check_tensor(op, "bias_hh", b_hh, {4 * H}, dt, dev);
  const Tensor gx = matmul(x, transpose(w_ih, 0, 1));
  const Tensor gh = hx.defined() ? matmul(hx, transpose(w_hh, 0, 1)) : Tensor();
  const Tensor bi = contig(b_ih), bh = contig(b_hh), c0 = contig(cx);
  Tensor h = Tensor::empty({B, H}, dt, dev), c = Tensor::empty({B, H}, dt, dev);
  Tensor acts = need_grad ? Tensor::empty({B, 4 * H}, dt, dev) : Tensor();
  if (B > 0) {
    LAMINA_KERNEL(dev, lstm_cell_forward, dt, B, H, gx.raw(), raw_or_null(gh), raw_or_null(bi),
                  raw_or_null(bh), raw_or_null(c0), h.raw(), c.raw(),
                  need_grad ? acts.raw() : nullptr);
  }
  return {h, c, acts};
}

std::vector<Tensor> lstm_cell_backward(const Tensor& x, const Tensor& hx, const Tensor& cx,
                                       const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& acts, const Tensor& c, const Tensor& dh,
                                       const Tensor& dc, bool has_bias) {
  const char* op = "lstm_cell_backward";
  LAMINA_CHECK(x.dim() == 2 && w_hh.dim() == 2, ValueError, "[", op,
               "] expected a 2-D input and weight_hh, got ", shape_str(x.shape()), " and ",
               shape_str(w_hh.shape()));
  const int64_t B = x.size(0), H = w_hh.size(1);
  const DType dt = x.dtype();
  const Device dev = x.device();
  check_tensor(op, "acts", acts, {B, 4 * H}, dt, dev);
  check_tensor(op, "c", c, {B, H}, dt, dev);
  if (cx.defined()) check_tensor(op, "cx", cx, {B, H}, dt, dev);
  if (dh.defined()) check_tensor(op, "grad_h", dh, {B, H}, dt, dev);
  if (dc.defined()) check_tensor(op, "grad_c", dc, {B, H}, dt, dev);
  const Tensor ac = contig(acts), cc = contig(c), c0 = contig(cx);
  const Tensor g = contig(dh), gc = contig(dc);
  Tensor dgates = Tensor::empty({B, 4 * H}, dt, dev);
  Tensor dcx = Tensor::empty({B, H}, dt, dev);
  if (B > 0) {
    LAMINA_KERNEL(dev, lstm_cell_backward, dt, B, H, ac.raw(), raw_or_null(c0), cc.raw(),
                  raw_or_null(g), raw_or_null(gc), dgates.raw(), dcx.raw());
  } else {
    dgates = full({B, 4 * H}, 0.0, dt, dev);
  }
  const Tensor dgt = transpose(dgates, 0, 1);
  Tensor dx = matmul(dgates, w_ih);
  Tensor dwi = matmul(dgt, x);
  Tensor dhx = hx.defined() ? matmul(dgates, w_hh) : Tensor();
  Tensor dwh = hx.defined() ? matmul(dgt, hx) : full({4 * H, H}, 0.0, dt, dev);
  Tensor db = has_bias ? sum(dgates, {0}, false) : Tensor();
  return {dx, dhx, dcx, dwi, dwh, db};
}

}  // namespace lamina::ops
