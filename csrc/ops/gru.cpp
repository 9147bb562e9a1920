// GRU cell ops: checks, contiguous inputs, allocation; the arithmetic is in cpu/gru.cpp and
// cuda/gru.cu.
#include "../kernels/gru.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

Tensor contig(const Tensor& t) { return !t.defined() || t.is_contiguous() ? t : contiguous(t); }

const void* raw_or_null(const Tensor& t) { return t.defined() ? t.raw() : nullptr; }

// gx (B, 3H) floating; another tensor of `shape` on its device and dtype.
void check_like(const char* op, const char* name, const Tensor& t, const Tensor& gx,
                const Shape& shape) {
  check_same_device(op, {&gx, &t});
  LAMINA_CHECK(t.shape() == shape, ValueError, "[", op, "] expected ", name, " of size ",
               shape_str(shape), ", got ", shape_str(t.shape()));
  LAMINA_CHECK(t.dtype() == gx.dtype(), TypeError, "[", op, "] expected ", name, " of dtype ",
               dtype_name(gx.dtype()), ", got ", dtype_name(t.dtype()));
}

int64_t hidden_of(const char* op, const Tensor& gx) {
  LAMINA_CHECK(is_floating(gx.dtype()), TypeError, "[", op,
               "] expected float32 or float64 gates, got ", dtype_name(gx.dtype()));
  LAMINA_CHECK(gx.dim() == 2 && gx.size(1) % 3 == 0, ValueError, "[", op,
               "] expected gates of size (B, 3 * hidden_size), got ", shape_str(gx.shape()));
  return gx.size(1) / 3;
}

}  // namespace

std::pair<Tensor, Tensor> gru_cell(const Tensor& gx_in, const Tensor& gh_in, const Tensor& h_in,
                                   bool need_acts) {
  const char* op = "gru_cell";
  const int64_t H = hidden_of(op, gx_in), B = gx_in.size(0);
  check_like(op, "hidden gates", gh_in, gx_in, gx_in.shape());
  if (h_in.defined()) check_like(op, "hx", h_in, gx_in, {B, H});
  const Tensor gx = contig(gx_in), gh = contig(gh_in), h = contig(h_in);
  Tensor out = Tensor::empty({B, H}, gx.dtype(), gx.device());
  Tensor acts = need_acts ? Tensor::empty({B, 3 * H}, gx.dtype(), gx.device()) : Tensor();
  LAMINA_KERNEL(gx.device(), gru_cell_forward, gx.dtype(), B, H, gx.raw(), gh.raw(),
                raw_or_null(h), out.raw(), need_acts ? acts.raw() : nullptr);
  return {out, acts};
}

std::vector<Tensor> gru_cell_backward(const Tensor& gh_in, const Tensor& acts_in,
                                      const Tensor& h_in, const Tensor& dh_in) {
  const char* op = "gru_cell_backward";
  const int64_t H = hidden_of(op, gh_in), B = gh_in.size(0);
  check_like(op, "acts", acts_in, gh_in, gh_in.shape());
  check_like(op, "dh", dh_in, gh_in, {B, H});
  if (h_in.defined()) check_like(op, "hx", h_in, gh_in, {B, H});
  const Tensor gh = contig(gh_in), acts = contig(acts_in), h = contig(h_in), dh = contig(dh_in);
  Tensor dgx = Tensor::empty({B, 3 * H}, gh.dtype(), gh.device());
  Tensor dgh = Tensor::empty({B, 3 * H}, gh.dtype(), gh.device());
  Tensor dhp = Tensor::empty({B, H}, gh.dtype(), gh.device());
  LAMINA_KERNEL(gh.device(), gru_cell_backward, gh.dtype(), B, H, gh.raw(), acts.raw(),
                raw_or_null(h), dh.raw(), dgx.raw(), dgh.raw(), dhp.raw());
  return {dgx, dgh, dhp};
}

}  // namespace lamina::ops
