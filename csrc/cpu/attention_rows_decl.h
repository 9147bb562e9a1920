// The row helpers' declarations (attention_rows.h), included into each ISA's namespace: no
// include guard on purpose.
// x *= s
void scale(float* x, int64_t n, float s);
void scale(double* x, int64_t n, double s);
// x = x * s + m
void scale_add(float* x, const float* m, int64_t n, float s);
void scale_add(double* x, const double* m, int64_t n, double s);
// max of x (-inf for n == 0)
float max(const float* x, int64_t n);
double max(const double* x, int64_t n);
// x = exp(x - m); returns the sum
float exp_sum(float* x, int64_t n, float m);
double exp_sum(double* x, int64_t n, double m);
// x = exp(x * s - m); returns the sum
float exp_sum_scaled(float* x, int64_t n, float s, float m);
double exp_sum_scaled(double* x, int64_t n, double s, double m);
// x = exp(x - m)
void exp_sub(float* x, int64_t n, float m);
void exp_sub(double* x, int64_t n, double m);
// x = exp(x * s - m)
void exp_sub_scaled(float* x, int64_t n, float s, float m);
void exp_sub_scaled(double* x, int64_t n, double s, double m);
// x *= z
void mul(float* x, const float* z, int64_t n);
void mul(double* x, const double* z, int64_t n);
// y += x
void add(float* y, const float* x, int64_t n);
void add(double* y, const double* x, int64_t n);
// sum x * y
float dot(const float* x, const float* y, int64_t n);
double dot(const double* x, const double* y, int64_t n);
// dp = p * (dp - d) * s
void ds(const float* p, float* dp, int64_t n, float d, float s);
void ds(const double* p, double* dp, int64_t n, double d, double s);
// dropout: dp = p * (z * dp - d) * s, then p *= z
void dropout_ds(float* p, float* dp, const float* z, int64_t n, float d, float s);
void dropout_ds(double* p, double* dp, const double* z, int64_t n, double d, double s);

