// 8-wide float32 transcendental functions for AVX2/FMA (private to CKernels).
//
// Each function reduces the argument to a short interval and evaluates a minimax polynomial
// there; the coefficients are the single-precision ones of the Cephes library (S. Moshier),
// whose scalar versions are accurate to about 1-2 ulp. Special values (±inf, NaN, 0,
// denormals) are handled explicitly so that no large input produces a NaN.
#ifndef WAVEDISTILL_VECTOR_MATH_H
#define WAVEDISTILL_VECTOR_MATH_H
#include <immintrin.h>
#include <math.h>

#define WD_SPLAT(v) _mm256_set1_ps(v)

static inline __m256 wd_isnan8(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
static inline __m256 wd_abs8(__m256 x) { return _mm256_andnot_ps(WD_SPLAT(-0.0f), x); }

/// 2^n for integer-valued n in [-126, 127], built from the exponent bits.
static inline __m256 wd_pow2i8(__m256i n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

/// r = x - n ln 2 for integer-valued n = round(x / ln 2), with ln 2 split in two (Cody-Waite) so
/// that r is exact; |r| <= ln(2)/2.
static inline __m256 wd_exp_reduce8(__m256 xc, __m256 n) {
    __m256 r = _mm256_fnmadd_ps(n, WD_SPLAT(0.693359375f), xc);
    return _mm256_fnmadd_ps(n, WD_SPLAT(-2.12194440e-4f), r);
}

/// P(r) with exp(r) = 1 + r + r^2 P(r) on |r| <= ln(2)/2 (degree 5).
static inline __m256 wd_exp_poly8(__m256 r) {
    __m256 p = WD_SPLAT(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, WD_SPLAT(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, WD_SPLAT(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, WD_SPLAT(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, WD_SPLAT(1.6666665459e-1f));
    return _mm256_fmadd_ps(p, r, WD_SPLAT(5.0000001201e-1f));
}

/// exp(x - n ln 2) = 1 + r + r^2 P(r). Shared by every exp kernel.
static inline __m256 wd_exp_reduced8(__m256 xc, __m256 n) {
    __m256 r = wd_exp_reduce8(xc, n);
    return _mm256_fmadd_ps(wd_exp_poly8(r), _mm256_mul_ps(r, r), _mm256_add_ps(r, WD_SPLAT(1.0f)));
}

/// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln(2)/2 (ln 2 split in two
/// parts so that r is exact). 2^n is applied as two factors 2^(n/2) * 2^(n - n/2) so that
/// results in the denormal range and n = 128 need no special case.
static inline __m256 wd_exp8(__m256 x) {
    const __m256 upper = WD_SPLAT(88.72283935546875f);   // exp(upper) ~ FLT_MAX
    const __m256 lower = WD_SPLAT(-103.97208404541015625f); // below: result rounds to 0
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lower), upper);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, WD_SPLAT(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 p = wd_exp_reduced8(xc, n);
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, wd_pow2i8(n1)), wd_pow2i8(n2));
    y = _mm256_blendv_ps(y, WD_SPLAT(INFINITY), _mm256_cmp_ps(x, upper, _CMP_GT_OQ));
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, lower, _CMP_LT_OQ));
    return _mm256_blendv_ps(y, x, wd_isnan8(x));
}

/// log(x) = e ln 2 + log(m) with m in [sqrt(1/2), sqrt(2)); log(1 + f) by a polynomial in f.
static inline __m256 wd_log8(__m256 x) {
    // Denormals: scale by 2^23 first so the exponent field is meaningful.
    __m256 tiny = _mm256_cmp_ps(x, WD_SPLAT(1.17549435e-38f), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, WD_SPLAT(8388608.0f)), tiny);
    __m256 eadj = _mm256_and_ps(tiny, WD_SPLAT(-23.0f));
    __m256i bits = _mm256_castps_si256(xs);
    __m256i expo = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xff)),
                                    _mm256_set1_epi32(126));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                                   _mm256_set1_epi32(0x3f000000)));  // [0.5, 1)
    __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(expo), eadj);
    __m256 below = _mm256_cmp_ps(m, WD_SPLAT(0.707106781186547524f), _CMP_LT_OQ);
    // m < sqrt(1/2): use 2m - 1 and e - 1; else m - 1.
    __m256 f = _mm256_add_ps(_mm256_sub_ps(m, WD_SPLAT(1.0f)), _mm256_and_ps(below, m));
    e = _mm256_sub_ps(e, _mm256_and_ps(below, WD_SPLAT(1.0f)));
    __m256 z = _mm256_mul_ps(f, f);
    __m256 p = WD_SPLAT(7.0376836292e-2f);
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(-1.1514610310e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(1.1676998740e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(-1.2420140846e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(1.4249322787e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(-1.6668057665e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(2.0000714765e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(-2.4999993993e-1f));
    p = _mm256_fmadd_ps(p, f, WD_SPLAT(3.3333331174e-1f));
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
    y = _mm256_fmadd_ps(e, WD_SPLAT(-2.12194440e-4f), y);
    y = _mm256_fnmadd_ps(WD_SPLAT(0.5f), z, y);
    y = _mm256_add_ps(f, y);
    y = _mm256_fmadd_ps(e, WD_SPLAT(0.693359375f), y);
    // Special values: log(+inf) = inf, log(0) = -inf, log(negative or NaN) = NaN.
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, WD_SPLAT(INFINITY), _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, WD_SPLAT(-INFINITY), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
    return _mm256_blendv_ps(y, WD_SPLAT(NAN), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NGE_UQ));
}

/// log1p(u) for u >= 0 with full relative accuracy for tiny u: with w = 1 + u (rounded),
/// log(w) * u / (w - 1) corrects the rounding of w (Goldberg's trick); w == 1 means u is
/// below half an ulp of 1 and log1p(u) = u.
static inline __m256 wd_log1p_nonneg8(__m256 u) {
    __m256 w = _mm256_add_ps(WD_SPLAT(1.0f), u);
    __m256 wm1 = _mm256_sub_ps(w, WD_SPLAT(1.0f));
    __m256 one = _mm256_cmp_ps(wm1, _mm256_setzero_ps(), _CMP_EQ_OQ);
    __m256 safe = _mm256_blendv_ps(wm1, WD_SPLAT(1.0f), one);
    __m256 y = _mm256_mul_ps(wd_log8(w), _mm256_div_ps(u, safe));
    return _mm256_blendv_ps(y, u, one);
}

/// tanh: an odd polynomial for |x| < 0.625; elsewhere (1 - e) / (1 + e) with e = exp(-2|x|),
/// which cannot overflow and tends to ±1 for large |x|.
static inline __m256 wd_tanh8(__m256 x) {
    __m256 ax = wd_abs8(x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = WD_SPLAT(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, WD_SPLAT(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, WD_SPLAT(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, WD_SPLAT(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, WD_SPLAT(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = wd_exp8(_mm256_mul_ps(ax, WD_SPLAT(-2.0f)));
    __m256 large = _mm256_div_ps(_mm256_sub_ps(WD_SPLAT(1.0f), e), _mm256_add_ps(WD_SPLAT(1.0f), e));
    large = _mm256_or_ps(large, _mm256_and_ps(x, WD_SPLAT(-0.0f)));  // sign of x
    __m256 y = _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, WD_SPLAT(0.625f), _CMP_LT_OQ));
    return _mm256_blendv_ps(y, x, wd_isnan8(x));
}

/// sigmoid with e = exp(-|x|) <= 1: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, so the
/// tiny values for large negative x keep their relative accuracy.
static inline __m256 wd_sigmoid8(__m256 x) {
    __m256 e = wd_exp8(_mm256_sub_ps(_mm256_setzero_ps(), wd_abs8(x)));
    __m256 r = _mm256_div_ps(WD_SPLAT(1.0f), _mm256_add_ps(WD_SPLAT(1.0f), e));
    __m256 y = _mm256_blendv_ps(r, _mm256_mul_ps(e, r), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_blendv_ps(y, x, wd_isnan8(x));
}

/// softplus(x) = max(x, 0) + log1p(exp(-|x|)).
static inline __m256 wd_softplus8(__m256 x) {
    __m256 e = wd_exp8(_mm256_sub_ps(_mm256_setzero_ps(), wd_abs8(x)));
    __m256 y = _mm256_add_ps(_mm256_max_ps(x, _mm256_setzero_ps()), wd_log1p_nonneg8(e));
    return _mm256_blendv_ps(y, x, wd_isnan8(x));
}

/// Loads the first `n` (< 8) floats of `p`, zero-filling the rest (scalar tails).
static inline __m256 wd_load_partial(const float *p, size_t n) {
    float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) tmp[i] = p[i];
    return _mm256_loadu_ps(tmp);
}

static inline void wd_store_partial(float *p, __m256 v, size_t n) {
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    for (size_t i = 0; i < n; i++) p[i] = tmp[i];
}

#endif
