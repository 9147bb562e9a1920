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

namespace lamina::ops {

// --- views (views.cpp): no copies ---
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);
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
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
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

// --- matmul (matmul.cpp) ---
Tensor matmul(const Tensor& a, const Tensor& b);

// --- indexing (index.cpp) ---
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
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
