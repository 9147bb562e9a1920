// The elementwise entry points of both devices: the host-side switch from the runtime dtype
// and op to the device's templates. Included inside the device's namespace (by
// cpu/elementwise_impl.h, once per ISA, and by cuda/elementwise.cu), after its
// templates over Geometry g (operand 0 the output, inputs in order):
//   fill_t<T>(g, T* out, T v)                              g: (out)
//   cast_t<O, I>(g, O* out, const I* in)                   g: (out, in)
//   unary_t<OP, T>(g, T* out, const T* in, p0, p1)         g: (out, in)
//   binary_t<OP, T, R>(g, R* out, const T* a, const T* b, p0, p1)  g: (out, a, b)
//   where_t<T>(g, T* out, const bool* c, const T* a, const T* b)  g: (out, c, a, b)
// No include guard on purpose; the includer brings <stdexcept>, the dtype switch and the op lists.

#define LAMINA_UNARY_CASE(NAME, ...) \
  case UnaryOp::NAME: unary_t<UnaryOp::NAME, scalar_t>(g, o, x, p0, p1); break;

void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1) {
  LAMINA_DISPATCH_ALL(dt, "unary", [&] {
    auto* o = typed<scalar_t>(out);
    auto* x = typed<scalar_t>(in);
    switch (op) {
      LAMINA_UNARY_OPS(LAMINA_UNARY_CASE)
      default: throw std::runtime_error("[unary] unknown op");
    }
  });
}
#undef LAMINA_UNARY_CASE

#define LAMINA_BINARY_CASE(NAME, name, KIND, P)                                   \
  case BinaryOp::NAME: {                                                           \
    using R = binary_result_t<BinaryKind::KIND, scalar_t>;                         \
    binary_t<BinaryOp::NAME, scalar_t, R>(g, static_cast<R*>(out), x, y, p0, p1); \
    break;                                                                         \
  }

void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b,
            double p0, double p1) {
  LAMINA_DISPATCH_ALL(dt, "binary", [&] {
    auto* x = typed<scalar_t>(a);
    auto* y = typed<scalar_t>(b);
    switch (op) {
      LAMINA_BINARY_OPS(LAMINA_BINARY_CASE)
      default: throw std::runtime_error("[binary] unknown op");
    }
  });
}
#undef LAMINA_BINARY_CASE

void fill(DType dt, const Geometry& g, void* out, double value) {
  LAMINA_DISPATCH_ALL(dt, "fill", [&] {
    fill_t<scalar_t>(g, typed<scalar_t>(out), static_cast<scalar_t>(value));
  });
}

void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in) {
  LAMINA_DISPATCH_ALL(out_dt, "cast", [&] {
    using out_t = scalar_t;
    LAMINA_DISPATCH_ALL(in_dt, "cast", [&] {
      cast_t<out_t, scalar_t>(g, static_cast<out_t*>(out), typed<scalar_t>(in));
    });
  });
}

void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b) {
  LAMINA_DISPATCH_ALL(dt, "where", [&] {
    where_t<scalar_t>(g, typed<scalar_t>(out), cond, typed<scalar_t>(a),
                      typed<scalar_t>(b));
  });
}
