#ifndef WAVEDISTILL_CKERNELS_H
#define WAVEDISTILL_CKERNELS_H
// Elementwise and reduction kernels for float32 arrays, vectorised with AVX2/FMA.
//
// Conventions: `n` is an element count; inputs and outputs may alias exactly (y == x) but must
// not otherwise overlap. Matrices are row-major [rows, cols]. Functions that end in
// `_accumulate` add into their output; all others overwrite it. Reductions return double and
// accumulate in double. Each kernel handles any `n` (a scalar tail after the 8-wide loop).
#include <stddef.h>

// MARK: Transcendentals (max relative error about 2 ulp against libm, see vector_math.h)

/// y = exp(x). exp overflows to +inf above 88.72 and underflows through denormals to 0.
void wd_exp(const float *x, float *y, size_t n);
/// y = log(x). log(0) = -inf, log(x < 0) = NaN, denormal inputs are handled exactly.
void wd_log(const float *x, float *y, size_t n);
/// y = tanh(x).
void wd_tanh(const float *x, float *y, size_t n);
/// y = 1 / (1 + exp(-x)), accurate in relative terms for large negative x too.
void wd_sigmoid(const float *x, float *y, size_t n);
/// y = log(1 + exp(x)) computed stably as max(x, 0) + log1p(exp(-|x|)).
void wd_softplus(const float *x, float *y, size_t n);

// MARK: Derivatives that reuse the forward output

/// dx = dy * (1 - y^2), y = tanh(x).
void wd_tanh_backward(const float *y, const float *dy, float *dx, size_t n);
/// dx = dy * y * (1 - y), y = sigmoid(x).
void wd_sigmoid_backward(const float *y, const float *dy, float *dx, size_t n);

// MARK: Gated activation (WaveNet): h is [rows, 2C]; a = h[:, :C], b = h[:, C:]

/// y[r, c] = tanh(a[r, c]) * sigmoid(b[r, c]); y is [rows, C]. `cache` ([rows, 2C], may be NULL)
/// receives tanh(a) in its first half and sigmoid(b) in its second half for the backward.
void wd_gate_forward(const float *h, float *y, float *cache, size_t rows, size_t channels);
/// dh[:, :C] = dy * s * (1 - t^2), dh[:, C:] = dy * t * s * (1 - s), from the forward's cache.
void wd_gate_backward(const float *cache, const float *dy, float *dh, size_t rows, size_t channels);

// MARK: ReLU

/// y = max(x, 0).
void wd_relu(const float *x, float *y, size_t n);
/// dx = y > 0 ? dy : 0, with y the forward output (relu'(0) taken as 0).
void wd_relu_backward(const float *y, const float *dy, float *dx, size_t n);

// MARK: Arithmetic

/// y = a + b.
void wd_add(const float *a, const float *b, float *y, size_t n);
/// y = a - b.
void wd_sub(const float *a, const float *b, float *y, size_t n);
/// y = a * b.
void wd_mul(const float *a, const float *b, float *y, size_t n);
/// y = alpha * x.
void wd_scale(const float *x, float alpha, float *y, size_t n);
/// y += alpha * x.
void wd_axpy(float alpha, const float *x, float *y, size_t n);
/// y[r, c] += bias[c] for a [rows, cols] matrix.
void wd_add_row_bias(float *y, const float *bias, size_t rows, size_t cols);
/// out[c] += sum_r x[r, c] (column sums of a [rows, cols] matrix, accumulated in double).
void wd_column_sums_accumulate(const float *x, size_t rows, size_t cols, float *out);

// MARK: Reductions (double accumulation)

/// sum_i x[i].
double wd_sum(const float *x, size_t n);
/// sum_i a[i] * b[i].
double wd_dot(const float *a, const float *b, size_t n);
/// sum_i x[i]^2.
double wd_sum_squares(const float *x, size_t n);
/// max_i |x[i]| (0 for n == 0; NaN if any element is NaN).
float wd_max_abs(const float *x, size_t n);

#endif
