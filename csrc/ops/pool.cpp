// 2-D pooling: torch's shape rules and errors, output allocation, and the switch to the
// cpu:: / cuda:: kernels over (N * C) contiguous planes (a copy only for non-contiguous
// inputs). 3-D (C, H, W) inputs are one batch of planes and give 3-D outputs.
#include "../kernels/pool.h"

#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

void check_input(const char* op, const Shape& xs, DType dt) {
  LAMINA_CHECK(is_floating(dt), TypeError, "[", op,
               "] expected a float32 or float64 input, got ", dtype_name(dt));
  const int64_t d = static_cast<int64_t>(xs.size());
  bool ok = d == 3 || d == 4;
  for (int64_t k = d - 3; ok && k < d; ++k) ok = xs[k] > 0;
  LAMINA_CHECK(ok, ValueError, "[", op, "] expected a 3-D (C, H, W) or 4-D (N, C, H, W) input ",
               "with non-zero C, H and W (N may be 0), got shape ", shape_str(xs));
}

void check_pair(const char* op, const char* what, const std::vector<int64_t>& v, int64_t min) {
  LAMINA_CHECK(v.size() == 2, ValueError, "[", op, "] ", what,
               " must be one int or a pair of ints, got ", v.size(), " values");
  LAMINA_CHECK(v[0] >= min && v[1] >= min, ValueError, "[", op, "] ", what, " must be ",
               min == 0 ? "non-negative" : "positive", ", got (", v[0], ", ", v[1], ")");
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// torch's pooling_output_shape: with ceil_mode the last window must start inside the input
// or the left padding.
int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
  int64_t o = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
  if (ceil && (o - 1) * s >= in + p) --o;
  return o;
}

// Sizes of x, the geometry and the output shape (same rank as x).
Pool2d geometry(const char* op, const Shape& xs, DType dt, const std::vector<int64_t>& k,
                std::vector<int64_t> s, const std::vector<int64_t>& p,
                const std::vector<int64_t>& d, bool ceil, bool dilated, Shape* out_shape) {
  check_input(op, xs, dt);
  check_pair(op, "kernel_size", k, 1);
  if (s.empty()) s = k;
  check_pair(op, "stride", s, 1);
  check_pair(op, "padding", p, 0);
  check_pair(op, "dilation", d, 1);
  // torch 2.13: max pooling wants pad <= kernel / 2 (the plain kernel, whatever the
  // dilation); average pooling words the same rule with its effective kernel (dilation 1)
  if (dilated) {
    LAMINA_CHECK(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, ValueError, "[", op,
                 "] pad should be smaller than or equal to half of kernel size, but got padW = ",
                 p[1], ", padH = ", p[0], ", kW = ", k[1], ", kH = ", k[0]);
  }
  for (int i = 0; i < 2; ++i) {
    const int64_t eff = (k[i] - 1) * d[i] + 1;
    LAMINA_CHECK(p[i] <= eff / 2, ValueError, "[", op,
                 "] pad should be at most half of effective kernel size, but got pad=", p[i],
                 ", kernel_size=", k[i], " and dilation=", d[i]);
  }
  const int64_t nd = static_cast<int64_t>(xs.size());
  Pool2d g{};
  g.H = xs[nd - 2], g.W = xs[nd - 1];
  g.P = xs[0] * (nd == 4 ? xs[1] : 1);
  g.kH = k[0], g.kW = k[1], g.sH = s[0], g.sW = s[1], g.pH = p[0], g.pW = p[1];
  g.dH = d[0], g.dW = d[1];
  g.OH = out_size(g.H, g.kH, g.sH, g.pH, g.dH, ceil);
  g.OW = out_size(g.W, g.kW, g.sW, g.pW, g.dW, ceil);
  LAMINA_CHECK(g.OH >= 1 && g.OW >= 1, ValueError, "[", op, "] given input size ",
               shape_str(xs), ", the calculated output size (", g.OH, ", ", g.OW,
               ") is too small");
  *out_shape = xs;
  (*out_shape)[nd - 2] = g.OH;
  (*out_shape)[nd - 1] = g.OW;
  return g;
}

Tensor contig(const Tensor& t) { return t.is_contiguous() ? t : contiguous(t); }

void check_grad(const char* op, const Tensor& dy, const Shape& expected, DType dt) {
  LAMINA_CHECK(dy.shape() == expected, ValueError, "[", op, "] gradient shape ",
               shape_str(dy.shape()), " does not match the output shape ", shape_str(expected));
  LAMINA_CHECK(dy.dtype() == dt, TypeError, "[", op, "] gradient dtype ",
               dtype_name(dy.dtype()), " does not match the input dtype ", dtype_name(dt));
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel,
                                     const std::vector<int64_t>& stride,
                                     const std::vector<int64_t>& padding,
                                     const std::vector<int64_t>& dilation, bool ceil_mode,
                                     bool with_indices) {
  Shape shape;
  const Pool2d g = geometry("max_pool2d", x.shape(), x.dtype(), kernel, stride, padding, dilation, ceil_mode, true,
                            &shape);
  Tensor y = Tensor::empty(shape, x.dtype(), x.device());
  Tensor idx = with_indices ? Tensor::empty(shape, DType::Int64, x.device()) : Tensor();
  if (y.numel() == 0) return {y, idx};
  Tensor in = contig(x);
  LAMINA_KERNEL(x.device(), max_pool2d, x.dtype(), g, in.raw(), y.raw(),
                with_indices ? idx.data<int64_t>() : nullptr);
  return {y, idx};
}

Tensor max_pool2d_backward(const char* op, const Tensor& dy, const Tensor& indices,
                           const Shape& input_shape) {
  check_same_device(op, {&dy, &indices});
  check_grad(op, dy, indices.shape(), dy.dtype());
  LAMINA_CHECK(indices.dtype() == DType::Int64, TypeError, "[", op,
               "] expected int64 indices, got ", dtype_name(indices.dtype()));
  LAMINA_CHECK(is_floating(dy.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 gradient, got ", dtype_name(dy.dtype()));
  const int64_t nd = static_cast<int64_t>(input_shape.size());
  LAMINA_CHECK((nd == 3 || nd == 4) && dy.dim() == nd, ValueError, "[", op,
               "] input shape ", shape_str(input_shape), " and gradient shape ",
               shape_str(dy.shape()), " do not match");
  Tensor dx = Tensor::empty(input_shape, dy.dtype(), dy.device());
  if (dx.numel() == 0) return dx;
  const int64_t in_plane = input_shape[nd - 2] * input_shape[nd - 1];
  const int64_t out_plane = dy.size(nd - 2) * dy.size(nd - 1);
  Tensor g = contig(dy), id = contig(indices);
  LAMINA_KERNEL(dy.device(), max_pool2d_backward, dy.dtype(), dx.numel() / in_plane, in_plane,
                out_plane, g.raw(), id.data<int64_t>(), dx.raw());
  return dx;
}

Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                  bool ceil_mode, bool count_include_pad, int64_t divisor_override) {
  Shape shape;
  const Pool2d g = geometry("avg_pool2d", x.shape(), x.dtype(), kernel, stride, padding, {1, 1}, ceil_mode, false,
                            &shape);
  LAMINA_CHECK(divisor_override >= 0, ValueError,
               "[avg_pool2d] divisor_override must be positive, got ", divisor_override);
  Tensor y = Tensor::empty(shape, x.dtype(), x.device());
  if (y.numel() == 0) return y;
  Tensor in = contig(x);
  LAMINA_KERNEL(x.device(), avg_pool2d, x.dtype(), g, in.raw(), y.raw(), count_include_pad,
                divisor_override);
  return y;
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& input_shape,
                           const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                           const std::vector<int64_t>& padding, bool ceil_mode,
                           bool count_include_pad, int64_t divisor_override) {
  const char* op = "avg_pool2d_backward";
  Shape shape;
  const Pool2d g = geometry(op, input_shape, dy.dtype(), kernel, stride, padding, {1, 1}, ceil_mode, false, &shape);
  check_grad(op, dy, shape, dy.dtype());
  Tensor dx = Tensor::empty(input_shape, dy.dtype(), dy.device());
  if (dx.numel() == 0) return dx;
  Tensor gc = contig(dy);
  LAMINA_KERNEL(dy.device(), avg_pool2d_backward, dy.dtype(), g, gc.raw(), dx.raw(),
                count_include_pad, divisor_override);
  return dx;
}

namespace {

void check_adaptive(const char* op, const Tensor& x, int64_t oh, int64_t ow) {
  check_input(op, x.shape(), x.dtype());
  LAMINA_CHECK(oh >= 1 && ow >= 1, ValueError, "[", op,
               "] output_size must be positive, got (", oh, ", ", ow, ")");
}

Shape adaptive_shape(const Shape& in, int64_t oh, int64_t ow) {
  Shape s = in;
  s[s.size() - 2] = oh;
  s[s.size() - 1] = ow;
  return s;
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t oh, int64_t ow) {
  check_adaptive("adaptive_avg_pool2d", x, oh, ow);
  Tensor y = Tensor::empty(adaptive_shape(x.shape(), oh, ow), x.dtype(), x.device());
  if (y.numel() == 0) return y;
  const int64_t H = x.size(x.dim() - 2), W = x.size(x.dim() - 1);
  Tensor in = contig(x);
  LAMINA_KERNEL(x.device(), adaptive_avg_pool2d, x.dtype(), x.numel() / (H * W), H, W, oh, ow,
                in.raw(), y.raw());
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& dy, const Shape& input_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  const int64_t nd = static_cast<int64_t>(input_shape.size());
  LAMINA_CHECK((nd == 3 || nd == 4) && dy.dim() == nd, ValueError, "[", op, "] input shape ",
               shape_str(input_shape), " and gradient shape ", shape_str(dy.shape()),
               " do not match");
  const int64_t oh = dy.size(nd - 2), ow = dy.size(nd - 1);
  check_grad(op, dy, adaptive_shape(input_shape, oh, ow), dy.dtype());
  LAMINA_CHECK(is_floating(dy.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 gradient, got ", dtype_name(dy.dtype()));
  Tensor dx = Tensor::empty(input_shape, dy.dtype(), dy.device());
  if (dx.numel() == 0) return dx;
  const int64_t H = input_shape[nd - 2], W = input_shape[nd - 1];
  Tensor gc = contig(dy);
  LAMINA_KERNEL(dy.device(), adaptive_avg_pool2d_backward, dy.dtype(), dx.numel() / (H * W), H,
                W, oh, ow, gc.raw(), dx.raw());
  return dx;
}

std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, int64_t oh, int64_t ow) {
  check_adaptive("adaptive_max_pool2d", x, oh, ow);
  const Shape shape = adaptive_shape(x.shape(), oh, ow);
  Tensor y = Tensor::empty(shape, x.dtype(), x.device());
  Tensor idx = Tensor::empty(shape, DType::Int64, x.device());
  if (y.numel() == 0) return {y, idx};
  const int64_t H = x.size(x.dim() - 2), W = x.size(x.dim() - 1);
  Tensor in = contig(x);
  LAMINA_KERNEL(x.device(), adaptive_max_pool2d, x.dtype(), x.numel() / (H * W), H, W, oh, ow,
                in.raw(), y.raw(), idx.data<int64_t>());
  return {y, idx};
}

}  // namespace lamina::ops
