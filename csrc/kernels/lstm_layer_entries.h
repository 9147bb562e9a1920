// The LSTM layer entry points of both devices: the dtype switch to the device's
// layer_forward<T> / layer_backward<T> (the entry's arguments, pointers typed). Included inside
// the device's namespace by cpu/lstm.cpp and cuda/lstm.cu, after those templates. No include
// guard on purpose.
void lstm_layer_forward(DType dt, int64_t T, int64_t B, int64_t I, int64_t H, const void* x,
                        const void* w_ih, const void* w_hh, const void* b_ih, const void* b_hh,
                        bool reverse, void* hs, void* cs, void* acts) {
  LAMINA_DISPATCH_FLOAT(dt, "lstm", [&] {
    typed_call<scalar_t>(layer_forward<scalar_t>, dt, T, B, I, H, x, w_ih, w_hh, b_ih, b_hh,
                         reverse, hs, cs, acts);
  });
}

void lstm_layer_backward(DType dt, int64_t T, int64_t B, int64_t I, int64_t H, const void* x,
                         const void* w_ih, const void* w_hh, const void* hs, const void* cs,
                         const void* acts, bool reverse, const void* dy, const void* dhn,
                         const void* dcn, void* dx, void* dh0, void* dc0, void* dw_ih,
                         void* dw_hh, void* db) {
  LAMINA_DISPATCH_FLOAT(dt, "lstm", [&] {
    typed_call<scalar_t>(layer_backward<scalar_t>, dt, T, B, I, H, x, w_ih, w_hh, hs, cs, acts,
                         reverse, dy, dhn, dcn, dx, dh0, dc0, dw_ih, dw_hh, db);
  });
}
