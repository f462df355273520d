// Elementwise transcendentals and their derivatives (8 lanes at a time, partial tail).
#include "CKernels.h"
#include "vector_math.h"

// Applies an 8-wide function over x -> y, tail included.
#define WD_MAP(FN, x, y, n)                                                        \
    do {                                                                           \
        size_t i_ = 0;                                                             \
        for (; i_ + 8 <= (n); i_ += 8)                                             \
            _mm256_storeu_ps((y) + i_, FN(_mm256_loadu_ps((x) + i_)));             \
        if (i_ < (n)) wd_store_partial((y) + i_, FN(wd_load_partial((x) + i_, (n) - i_)), (n) - i_); \
    } while (0)

void wd_exp(const float *x, float *y, size_t n) { WD_MAP(wd_exp8, x, y, n); }
void wd_log(const float *x, float *y, size_t n) { WD_MAP(wd_log8, x, y, n); }
void wd_tanh(const float *x, float *y, size_t n) { WD_MAP(wd_tanh8, x, y, n); }
void wd_sigmoid(const float *x, float *y, size_t n) { WD_MAP(wd_sigmoid8, x, y, n); }
void wd_softplus(const float *x, float *y, size_t n) { WD_MAP(wd_softplus8, x, y, n); }

void wd_tanh_backward(const float *y, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void wd_sigmoid_backward(const float *y, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void wd_relu(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void wd_relu_backward(const float *y, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
