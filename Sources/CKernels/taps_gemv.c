// One output column of a multi-tap convolution: y = bias + sum_j W_j^T x_j, reading each
// tap's input where it already is (no gather), for cached one-step sampling.
#include <immintrin.h>
#include "CKernels.h"

// Output columns per pass: 8 accumulators of 8 lanes stay in registers while the weight rows
// stream through (8 independent FMA chains cover the FMA latency).
enum { wd_panel = 64 };

void wd_taps_gemv(const float *const *taps, size_t k, size_t cin, const float *w, size_t cout,
                  const float *bias, float *y, int accumulate) {
    size_t o0 = 0;
    for (; o0 + wd_panel <= cout; o0 += wd_panel) {
        __m256 acc[8];
        for (int r = 0; r < 8; r++) {
            __m256 a = accumulate ? _mm256_loadu_ps(y + o0 + 8 * r) : _mm256_setzero_ps();
            if (bias) a = _mm256_add_ps(a, _mm256_loadu_ps(bias + o0 + 8 * r));
            acc[r] = a;
        }
        for (size_t j = 0; j < k; j++) {
            const float *x = taps[j];
            const float *wj = w + j * cin * cout + o0;
            for (size_t c = 0; c < cin; c++) {
                const __m256 xv = _mm256_broadcast_ss(x + c);
                const float *row = wj + c * cout;
                acc[0] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 0), acc[0]);
                acc[1] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 8), acc[1]);
                acc[2] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 16), acc[2]);
                acc[3] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 24), acc[3]);
                acc[4] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 32), acc[4]);
                acc[5] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 40), acc[5]);
                acc[6] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 48), acc[6]);
                acc[7] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row + 56), acc[7]);
            }
        }
        for (int r = 0; r < 8; r++) _mm256_storeu_ps(y + o0 + 8 * r, acc[r]);
    }
    // Remaining columns (cout not a multiple of 64): plain loops, vectorised by the compiler.
    if (o0 < cout) {
        const size_t n = cout - o0;
        float tail[wd_panel];
        for (size_t o = 0; o < n; o++) tail[o] = (accumulate ? y[o0 + o] : 0.0f) + (bias ? bias[o0 + o] : 0.0f);
        for (size_t j = 0; j < k; j++) {
            const float *x = taps[j];
            for (size_t c = 0; c < cin; c++) {
                const float xv = x[c];
                const float *row = w + (j * cin + c) * cout + o0;
                for (size_t o = 0; o < n; o++) tail[o] += xv * row[o];
            }
        }
        for (size_t o = 0; o < n; o++) y[o0 + o] = tail[o];
    }
}
