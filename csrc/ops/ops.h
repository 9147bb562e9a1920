#pragma once
// The op layer: validate inputs ("[op] ..." errors), compute output shapes, allocate, and
// switch on the device to cpu:: or cuda:: kernels. No arithmetic here.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../core/op_kinds.h"
#include "../core/philox.h"
#include "../core/tensor.h"
#include "../kernels/scan.h"

namespace lamina::ops {

// --- views (views.cpp): no copies ---
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);
// A contiguous shape seen as (O, R, I) around dim d: O the dims before, R = shape[d], I after.
struct DimBlock {
  int64_t O = 1, R = 1, I = 1;
};
DimBlock dim_block(const Shape& shape, int64_t d);
Tensor reshape(const Tensor& t, Shape shape);  // a view when possible, else a copy
Tensor view(const Tensor& t, Shape shape);     // a view or an error
Tensor permute(const Tensor& t, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor expand(const Tensor& t, const Shape& shape);  // -1 keeps a size
Tensor squeeze(const Tensor& t, std::optional<std::vector<int64_t>> dims);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start,
             std::optional<int64_t> stop, int64_t step);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset);

// --- copies (copy.cpp) ---
void copy_(const Tensor& dst, const Tensor& src);  // broadcasting, casting, across devices
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);
Tensor to(const Tensor& t, Device dev, DType dt, bool copy);
double item(const Tensor& t);

// --- creation (creation.cpp) ---
Tensor empty(const Shape& shape, DType dt, Device dev);
Tensor full(const Shape& shape, double value, DType dt, Device dev);
Tensor arange(double start, double end, double step, DType dt, Device dev);
Tensor linspace(double start, double end, int64_t steps, DType dt, Device dev);
Tensor eye(int64_t n, int64_t m, DType dt, Device dev);
void manual_seed(uint64_t seed);
uint64_t initial_seed();
Tensor random(const char* op, RandomKind kind, const Shape& shape, double a, double b, DType dt,
              Device dev);

// --- elementwise (elementwise.cpp) ---
DType promote(DType a, DType b);
Tensor unary(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0);
void unary_(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double p0 = 0, double p1 = 0);
Tensor binary_scalar(BinaryOp op, const Tensor& a, double s, bool s_is_float, bool s_first);
void binary_(BinaryOp op, const Tensor& a, const Tensor& b);
void binary_scalar_(BinaryOp op, const Tensor& a, double s, bool s_is_float);
Tensor floor_divide(const Tensor& a, const Tensor& b);  // Python's //, exact for int64
Tensor remainder(const Tensor& a, const Tensor& b);     // Python's %, the sign of b
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor cast(const Tensor& t, DType dt);

// --- reductions (reduce.cpp); empty dims = all ---
Tensor sum(const Tensor& t, std::vector<int64_t> dims, bool keepdim);
Tensor mean(const Tensor& t, std::vector<int64_t> dims, bool keepdim);
Tensor var(const Tensor& t, std::vector<int64_t> dims, double correction, bool keepdim);
Tensor logsumexp(const Tensor& t, std::vector<int64_t> dims, bool keepdim);
Tensor amax(const Tensor& t, std::vector<int64_t> dims, bool keepdim, bool is_max);
std::pair<Tensor, Tensor> max_dim(const Tensor& t, int64_t dim, bool keepdim, bool is_max);

// --- scans (scan.cpp): cumsum, cumprod along one dim ---
Tensor scan(ScanOp op, const Tensor& x, int64_t dim, bool reverse);
Tensor cumprod_backward(const Tensor& x, const Tensor& y, const Tensor& dy, int64_t dim);

// --- sorting (sort.cpp): k < 0 sorts the whole dim; without values only the indices ---
std::pair<Tensor, Tensor> sort(const char* op, const Tensor& x, int64_t dim, int64_t k,
                               bool descending, bool want_values);
// int64 positions of values in the ascending last dim of seq (1-D: shared by every value)
Tensor searchsorted(const Tensor& seq, const Tensor& values, bool right);

// --- GRU cell (gru.cpp): (h', acts) and (dgx, dgh, dh_prev); h may be undefined (zeros) ---
std::pair<Tensor, Tensor> gru_cell(const Tensor& gx, const Tensor& gh, const Tensor& h,
                                   bool need_acts);
std::vector<Tensor> gru_cell_backward(const Tensor& gh, const Tensor& acts, const Tensor& h,
                                      const Tensor& dh);

// --- matmul (matmul.cpp) ---
Tensor matmul(const Tensor& a, const Tensor& b);

// --- indexing (index.cpp) ---
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
// out = t with src written (accumulate: added) at index along dim
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
               bool accumulate);
Tensor cat(const std::vector<Tensor>& ts, int64_t dim);

// Every tensor on one device, or "[op] expected all tensors on the same device, got ..."
void check_same_device(const char* op, std::initializer_list<const Tensor*> ts);

// In-place writes (torch's memory-overlap rules): the written-to tensor may not have two
// elements at one address (a stride 0 over a dim of size > 1), and may not partly overlap an
// input (an exact alias, same geometry, is fine). Either would give a silent wrong answer.
void check_no_internal_overlap(const char* op, const Tensor& out);
void check_no_partial_overlap(const char* op, const Tensor& out, const Tensor& in);

// Every in-place write bumps its storage's version (autograd's saved-tensor check).
inline void bump_version(const Tensor& t) { ++t.storage()->version; }

// --- softmax (softmax.cpp): fused over one dim; log picks log_softmax ---
Tensor softmax(const Tensor& x, int64_t dim, bool log);
Tensor softmax_backward(const Tensor& y, const Tensor& dy, int64_t dim, bool log);

// --- losses (loss.cpp): cross-entropy of logits (N, C), one row per sample ---
// Class-index targets (N,) int64 or probability targets (N, C) float; weight (C,) or undefined.
// Returns {loss (N,), lse (N,) float64, wrow (N,)}: wrow = the weight of each row's target
// (0 when ignored) for index targets, undefined for probability targets.
std::vector<Tensor> cross_entropy(const Tensor& logits, const Tensor& target,
                                  const Tensor& weight, int64_t ignore_index, double smoothing);
// d logits (N, C) given grad of loss: (N,) or () for one value for every row.
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& weight,
                              int64_t ignore_index, double smoothing, const Tensor& lse,
                              const Tensor& grad);

// --- optimizer steps (optim.cpp): in place, one fused kernel per parameter ---
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first);  // buf undefined when momentum == 0
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, double lr, double beta1,
               double beta2, double eps, double weight_decay, bool decoupled, bool maximize,
               double bc1, double bc2);  // max_exp_avg_sq undefined unless amsgrad

// --- conv (conv.cpp): 2-D convolution, NCHW; padding (top, bottom, left, right) ---
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w,
                             const std::vector<int64_t>& input_shape,
                             const std::vector<int64_t>& stride,
                             const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d_backward_weight(const Tensor& x, const Tensor& dy,
                              const std::vector<int64_t>& weight_shape,
                              const std::vector<int64_t>& stride,
                              const std::vector<int64_t>& padding,
                              const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d_backward_bias(const Tensor& dy);

// --- attention (attention.cpp): scaled dot-product attention, flash-style (kernels/attention.h)
// q (..., L, E), k (..., S, E), v (..., S, Ev), batch dims broadcast; mask bool / q's dtype
// broadcastable to (..., L, S) or undefined; scale nullopt = 1 / sqrt(E); gqa: heads at dim -3.
// Returns {out (..., L, Ev), lse (nb, L)} and {dq, dk, dv} of the inputs' shapes.
std::vector<Tensor> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& mask, bool causal, std::optional<double> scale,
                                      double dropout_p, uint64_t seed, bool gqa);
std::vector<Tensor> attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k,
                                       const Tensor& v, const Tensor& mask, const Tensor& out,
                                       const Tensor& lse, bool causal, std::optional<double> scale,
                                       double dropout_p, uint64_t seed, bool gqa);
// The dropout keep mask (..., L, S) bool of a call with these q, k, v (host), for tests.
Tensor attention_dropout_mask(const Tensor& q, const Tensor& k, const Tensor& v, double dropout_p,
                              uint64_t seed, bool gqa);
// --- layer norm (layernorm.cpp): over the last nd dims; w, b undefined or of those dims ---
// Returns {y, mean (M,), rstd (M,)}, M the product of the leading dims.
std::vector<Tensor> layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, int64_t nd,
                               double eps);
// Returns {dx, dw, db}, each undefined unless asked for (dw, db have the normalized shape).
std::vector<Tensor> layer_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& mean,
                                        const Tensor& rstd, const Tensor& w, int64_t nd,
                                        bool need_dx, bool need_dw, bool need_db);
// --- pooling (pool.cpp): (N, C, H, W) or (C, H, W); pairs of ints; empty stride = kernel ---
// max_pool2d -> {y, indices (int64, flat in each H * W plane) or undefined}
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel,
                                     const std::vector<int64_t>& stride,
                                     const std::vector<int64_t>& padding,
                                     const std::vector<int64_t>& dilation, bool ceil_mode,
                                     bool with_indices);
// dx (input_shape) from dy and the indices of max_pool2d or adaptive_max_pool2d.
Tensor max_pool2d_backward(const char* op, const Tensor& dy, const Tensor& indices,
                           const Shape& input_shape);
Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                  bool ceil_mode, bool count_include_pad, int64_t divisor_override);  // 0: none
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& input_shape,
                           const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                           const std::vector<int64_t>& padding, bool ceil_mode,
                           bool count_include_pad, int64_t divisor_override);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& dy, const Shape& input_shape);
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

// --- batch norm (batchnorm.cpp): input (N, C, *); weight, bias, running stats (C,) or
// undefined. Returns {y, mean, invstd} (the statistics used, saved for the backward); training
// updates the running stats in place (momentum, unbiased variance).
std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Tensor& running_mean, const Tensor& running_var,
                               bool training, double momentum, double eps);
// {dx, dweight, dbias}, each undefined unless asked for.
std::vector<Tensor> batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& weight,
                                        const Tensor& mean, const Tensor& invstd, bool training,
                                        bool need_dx, bool need_dweight, bool need_dbias);

// --- LSTM (lstm.cpp) ---
// One direction of one layer: x (T, B, I), h0, c0 (B, H) or undefined (zeros), w_ih (4H, I),
// w_hh (4H, H), b_ih, b_hh (4H,) or undefined. Returns {y (T, B, H), h_n, c_n (B, H), hs, cs
// (T + 1, B, H) (y, h_n, c_n are views of them), acts (T, B, 4H), undefined unless need_grad}.
std::vector<Tensor> lstm_layer(const Tensor& x, const Tensor& h0, const Tensor& c0,
                               const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                               const Tensor& b_hh, bool reverse, bool need_grad);
// BPTT given lstm_layer's hs, cs, acts and the output gradients (each may be undefined).
// Returns {dx (undefined unless need_dx), dh0, dc0, dw_ih, dw_hh, db (undefined unless has_bias;
// the gradient of b_ih and of b_hh alike)}.
std::vector<Tensor> lstm_layer_backward(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh,
                                        const Tensor& hs, const Tensor& cs, const Tensor& acts,
                                        const Tensor& dy, const Tensor& dhn, const Tensor& dcn,
                                        bool reverse, bool has_bias, bool need_dx);
// One LSTMCell step: x (B, I), hx, cx (B, H) or undefined. Returns {h, c, acts (B, 4H) or
// undefined unless need_grad}.
std::vector<Tensor> lstm_cell(const Tensor& x, const Tensor& hx, const Tensor& cx,
                              const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                              const Tensor& b_hh, bool need_grad);
// Returns {dx, dhx (undefined without hx), dcx, dw_ih, dw_hh, db (undefined unless has_bias)}.
std::vector<Tensor> lstm_cell_backward(const Tensor& x, const Tensor& hx, const Tensor& cx,
                                       const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& acts, const Tensor& c, const Tensor& dh,
                                       const Tensor& dc, bool has_bias);

}  // namespace lamina::ops
