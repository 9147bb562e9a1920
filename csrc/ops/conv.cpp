// conv2d: validation, the geometry, output allocation; the kernels are cpu/conv.cpp and
// cuda/conv.cu. Inputs are made contiguous (NCHW) first. padding is (top, bottom, left, right).
#include "../kernels/conv.h"

#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

constexpr const char* kOp = "conv2d";

void check_params(const char* op, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation,
                  int64_t groups) {
  LAMINA_CHECK(stride.size() == 2 && dilation.size() == 2 && padding.size() == 4, ValueError,
               "[", op, "] expected 2 strides, 2 dilations and 4 paddings");
  LAMINA_CHECK(stride[0] > 0 && stride[1] > 0, ValueError, "[", op,
               "] stride must be positive, got ", shape_str(stride));
  LAMINA_CHECK(dilation[0] > 0 && dilation[1] > 0, ValueError, "[", op,
               "] dilation must be positive, got ", shape_str(dilation));
  for (int64_t p : padding)
    LAMINA_CHECK(p >= 0, ValueError, "[", op, "] padding must be non-negative, got ",
                 shape_str(padding));
  LAMINA_CHECK(groups > 0, ValueError, "[", op, "] groups must be positive, got ", groups);
}

void check_float(const char* op, const Tensor& t, const char* what) {
  LAMINA_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, TypeError, "[", op,
               "] expected a float32 or float64 ", what, ", got ", dtype_name(t.dtype()));
}

// The geometry of input shape xs (N, C, H, W) and weight shape ws (K, C / groups, R, S), all
// checked; OH / OW from the padding.
ConvGeom geometry(const char* op, const Shape& xs, const Shape& ws,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                  const std::vector<int64_t>& dilation, int64_t groups) {
  check_params(op, stride, padding, dilation, groups);
  LAMINA_CHECK(xs.size() == 4, ValueError, "[", op, "] expected 4-D input (N, C, H, W), got ",
               shape_str(xs));
  LAMINA_CHECK(ws.size() == 4, ValueError, "[", op,
               "] expected a 4-D weight (out_channels, in_channels / groups, kH, kW), got ",
               shape_str(ws));
  const int64_t C = xs[1], K = ws[0];
  LAMINA_CHECK(C % groups == 0, ValueError, "[", op, "] in_channels (", C,
               ") must be divisible by groups (", groups, ")");
  LAMINA_CHECK(K % groups == 0, ValueError, "[", op, "] out_channels (", K,
               ") must be divisible by groups (", groups, ")");
  LAMINA_CHECK(ws[1] * groups == C, ValueError, "[", op, "] weight of shape ", shape_str(ws),
               " expects ", ws[1] * groups, " input channels (groups=", groups,
               "), but the input of shape ", shape_str(xs), " has ", C);
  LAMINA_CHECK(K > 0 && ws[2] > 0 && ws[3] > 0, ValueError, "[", op,
               "] weight must have non-zero out_channels and kernel size, got ", shape_str(ws));
  ConvGeom g{};
  g.N = xs[0];
  g.C = C;
  g.H = xs[2];
  g.W = xs[3];
  g.K = K;
  g.R = ws[2];
  g.S = ws[3];
  g.sh = stride[0];
  g.sw = stride[1];
  g.ph = padding[0];
  g.pw = padding[2];
  g.dh = dilation[0];
  g.dw = dilation[1];
  g.groups = groups;
  const int64_t eh = g.H + padding[0] + padding[1] - g.dh * (g.R - 1);
  const int64_t ew = g.W + padding[2] + padding[3] - g.dw * (g.S - 1);
  LAMINA_CHECK(eh >= 1 && ew >= 1, ValueError, "[", op, "] kernel size (", g.R, ", ", g.S,
               ") with dilation ", shape_str(dilation),
               " is larger than the padded input (", g.H + padding[0] + padding[1], ", ",
               g.W + padding[2] + padding[3], ")");
  g.OH = (eh - 1) / g.sh + 1;
  g.OW = (ew - 1) / g.sw + 1;
  return g;
}

Tensor contig(const Tensor& t) { return t.is_contiguous() ? t : contiguous(t); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  check_float(kOp, x, "input");
  const ConvGeom g = geometry(kOp, x.shape(), w.shape(), stride, padding, dilation, groups);
  LAMINA_CHECK(w.dtype() == x.dtype(), TypeError, "[", kOp, "] input dtype ",
               dtype_name(x.dtype()), " and weight dtype ", dtype_name(w.dtype()), " differ");
  if (bias.defined()) {
    check_same_device(kOp, {&x, &w, &bias});
    LAMINA_CHECK(bias.dtype() == x.dtype(), TypeError, "[", kOp, "] bias dtype ",
                 dtype_name(bias.dtype()), " differs from the input dtype ",
                 dtype_name(x.dtype()));
    LAMINA_CHECK(bias.dim() == 1 && bias.shape()[0] == g.K, ValueError, "[", kOp,
                 "] expected a bias of shape (", g.K, ",), got ", shape_str(bias.shape()));
  } else {
    check_same_device(kOp, {&x, &w});
  }
  Tensor y = Tensor::empty({g.N, g.K, g.OH, g.OW}, x.dtype(), x.device());
  if (y.numel() == 0) return y;
  if (g.C == 0) return full(y.shape(), 0.0, x.dtype(), x.device());
  Tensor xc = contig(x), wc = contig(w);
  Tensor bc = bias.defined() ? contig(bias) : Tensor();
  LAMINA_KERNEL(x.device(), conv2d_forward, x.dtype(), g, xc.raw(), wc.raw(),
                bc.defined() ? bc.raw() : nullptr, y.raw());
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w,
                             const std::vector<int64_t>& input_shape,
                             const std::vector<int64_t>& stride,
                             const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward";
  check_float(op, dy, "gradient");
  check_same_device(op, {&dy, &w});
  LAMINA_CHECK(dy.dtype() == w.dtype(), TypeError, "[", op, "] dtypes differ");
  const ConvGeom g = geometry(op, input_shape, w.shape(), stride, padding, dilation, groups);
  LAMINA_CHECK(dy.shape() == Shape({g.N, g.K, g.OH, g.OW}), ValueError, "[", op,
               "] gradient of shape ", shape_str(dy.shape()), " does not match the output");
  Tensor dx = Tensor::empty(input_shape, dy.dtype(), dy.device());
  if (dx.numel() == 0) return dx;
  if (dy.numel() == 0) return full(dx.shape(), 0.0, dy.dtype(), dy.device());
  Tensor dyc = contig(dy), wc = contig(w);
  LAMINA_KERNEL(dy.device(), conv2d_backward_data, dy.dtype(), g, dyc.raw(), wc.raw(), dx.raw());
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& x, const Tensor& dy,
                              const std::vector<int64_t>& weight_shape,
                              const std::vector<int64_t>& stride,
                              const std::vector<int64_t>& padding,
                              const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward";
  check_float(op, dy, "gradient");
  check_same_device(op, {&dy, &x});
  LAMINA_CHECK(dy.dtype() == x.dtype(), TypeError, "[", op, "] dtypes differ");
  const ConvGeom g = geometry(op, x.shape(), weight_shape, stride, padding, dilation, groups);
  LAMINA_CHECK(dy.shape() == Shape({g.N, g.K, g.OH, g.OW}), ValueError, "[", op,
               "] gradient of shape ", shape_str(dy.shape()), " does not match the output");
  Tensor dw = Tensor::empty(weight_shape, dy.dtype(), dy.device());
  if (dw.numel() == 0) return dw;
  if (dy.numel() == 0) return full(dw.shape(), 0.0, dy.dtype(), dy.device());
  Tensor xc = contig(x), dyc = contig(dy);
  LAMINA_KERNEL(dy.device(), conv2d_backward_weight, dy.dtype(), g, xc.raw(), dyc.raw(),
                dw.raw());
  return dw;
}

Tensor conv2d_backward_bias(const Tensor& dy) {
  const char* op = "conv2d_backward";
  check_float(op, dy, "gradient");
  LAMINA_CHECK(dy.dim() == 4, ValueError, "[", op, "] expected a 4-D gradient, got ",
               shape_str(dy.shape()));
  ConvGeom g{};
  g.N = dy.shape()[0];
  g.K = dy.shape()[1];
  g.OH = dy.shape()[2];
  g.OW = dy.shape()[3];
  Tensor db = Tensor::empty({g.K}, dy.dtype(), dy.device());
  if (db.numel() == 0) return db;
  if (dy.numel() == 0) return full(db.shape(), 0.0, dy.dtype(), dy.device());
  Tensor dyc = contig(dy);
  LAMINA_KERNEL(dy.device(), conv2d_backward_bias, dy.dtype(), g, dyc.raw(), db.raw());
  return db;
}

}  // namespace lamina::ops
