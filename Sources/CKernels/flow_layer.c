// Register-blocked kernels of one IAF flow layer (inference): six time rows at a time, the
// gate GEMM with bias and gated activation in its epilogue, then the residual GEMM. Weights are
// packed once into 16-column panels so every k step is two aligned-stride loads; the rows are
// read in place (row pointers into the residual stream and the conditioning), so nothing is
// gathered or packed per call, and h never leaves registers.
#include "CKernels.h"
#include "vector_math.h"

#define WD_ROWS 6

void wd_flow_pack_gate_columns(const float *w, size_t rows, size_t half, float *out) {
    const size_t g = 2 * half;
    for (size_t r = 0; r < rows; r++)
        for (size_t p = 0; p < half / 8; p++)
            for (size_t j = 0; j < 8; j++) {
                out[r * g + p * 16 + j] = w[r * g + p * 8 + j];
                out[r * g + p * 16 + 8 + j] = w[r * g + half + p * 8 + j];
            }
}

void wd_flow_pack_gate(const float *w, const float *bias, size_t k, size_t half, float *packed, float *packed_bias) {
    const size_t g = 2 * half, panels = half / 8;
    for (size_t p = 0; p < panels; p++) {
        for (size_t kk = 0; kk < k; kk++) {
            float *dst = packed + (p * k + kk) * 16;
            for (size_t j = 0; j < 8; j++) {
                dst[j] = w[kk * g + p * 8 + j];
                dst[8 + j] = w[kk * g + half + p * 8 + j];
            }
        }
    }
    wd_flow_pack_gate_columns(bias, 1, half, packed_bias);
}

void wd_flow_pack_residual(const float *w, size_t half, size_t channels, float *packed) {
    const size_t panels = channels / 16;
    for (size_t p = 0; p < panels; p++)
        for (size_t kk = 0; kk < half; kk++)
            for (size_t j = 0; j < 16; j++)
                packed[(p * half + kk) * 16 + j] = w[kk * channels + p * 16 + j];
}

// Accumulates rows[i][0..<len] times the panel's len x 16 block into the 6 x 2 accumulators.
#define WD_FMA_ROW(i)                                              \
    do {                                                           \
        __m256 a = _mm256_broadcast_ss(r##i + kk);                 \
        c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0);                 \
        c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1);                 \
    } while (0)

// For x <= 0 (the gate's arguments): r = x - n ln 2 and 2^n, n = round(x / ln 2). Arguments
// below -87.3 are raised to it (exp gives ~1e-38 instead of a denormal or 0: tanh and sigmoid
// change by less than 1e-38); max(c, x) returns x when x is NaN, so NaN propagates.
static inline __m256 reduce_nonpositive8(__m256 x, __m256 *two_n) {
    __m256 xc = _mm256_max_ps(WD_SPLAT(-87.33654475f), x);
    // n by adding 1.5 * 2^23 (whose ulp is 1): the sum's low bits are then n + const, so 2^n
    // comes from an integer subtract and shift (cheaper than round + convert).
    const __m256 shifter = WD_SPLAT(12582912.0f);
    __m256 shifted = _mm256_fmadd_ps(xc, WD_SPLAT(1.44269504088896341f), shifter);
    __m256 n = _mm256_sub_ps(shifted, shifter);
    // bits(shifted) - bits(shifter - 127) = n + 127, the biased exponent of 2^n (n >= -126).
    __m256i biased = _mm256_sub_epi32(_mm256_castps_si256(shifted),
                                      _mm256_castps_si256(_mm256_sub_ps(shifter, WD_SPLAT(127.0f))));
    *two_n = _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23));
    return wd_exp_reduce8(xc, n);
}

// tanh(a) * sigmoid(b) with one division and no tanh polynomial: with
//   em = exp(-2|a|) - 1 = 2^n (r + r^2 P(r)) + (2^n - 1)   (full relative accuracy as a -> 0),
//   eb = exp(-|b|),
// tanh|a| = -em / (2 + em) and sigmoid(b) = s / (1 + eb), s = 1 (b >= 0) or eb (b < 0), so
//   tanh(a) sigmoid(b) = -sign(a) * em s / ((2 + em)(1 + eb)).
// NaN in a or b gives NaN (through em, eb and the denominator). Within 3.7e-7 relative of the
// exact product (16M random pairs, |a| and |b| up to 180; the tanh-polynomial version: 3.2e-7),
// and about a quarter cheaper than that version.
static inline __m256 gate8(__m256 a, __m256 b) {
    __m256 sa, sb, one = WD_SPLAT(1.0f);
    __m256 ra = reduce_nonpositive8(_mm256_mul_ps(wd_abs8(a), WD_SPLAT(-2.0f)), &sa);
    __m256 rb = reduce_nonpositive8(_mm256_sub_ps(_mm256_setzero_ps(), wd_abs8(b)), &sb);
    __m256 em = _mm256_fmadd_ps(sa, _mm256_fmadd_ps(wd_exp_poly8(ra), _mm256_mul_ps(ra, ra), ra), _mm256_sub_ps(sa, one));
    __m256 eb = _mm256_mul_ps(_mm256_fmadd_ps(wd_exp_poly8(rb), _mm256_mul_ps(rb, rb), _mm256_add_ps(rb, one)), sb);
    __m256 s = _mm256_blendv_ps(one, eb, _mm256_cmp_ps(b, _mm256_setzero_ps(), _CMP_LT_OQ));
    __m256 g = _mm256_div_ps(_mm256_mul_ps(em, s), _mm256_mul_ps(_mm256_add_ps(WD_SPLAT(2.0f), em), _mm256_add_ps(one, eb)));
    // g <= 0: negate it unless a is negative.
    return _mm256_xor_ps(g, _mm256_andnot_ps(a, WD_SPLAT(-0.0f)));
}

// The frame-rate conditioning terms of one group's six rows: row i adds
// coef[i][j] * row[i][j][panel columns] for j < count.
#define WD_MAX_TERMS (2 + WD_MAX_CONDITION_STAGES)
typedef struct {
    const float *row[WD_ROWS][WD_MAX_TERMS];
    float coef[WD_ROWS][WD_MAX_TERMS];
    size_t count;
    // Every row reads the same vectors (row[i][j] == row[0][j]): the six rows lie in one frame
    // interval, as all but one group in hop / 6 do; the stage rows are always shared.
    int shared;
} group_terms;

// The terms of call rows row0 ..< row0 + 6 (rows past n repeat row n - 1); width = 2 * half.
static void condition_terms(const wd_frame_condition *cond, size_t width, size_t row0, size_t n,
                            group_terms *terms) {
    terms->count = 2 + cond->stages;
    for (size_t i = 0; i < WD_ROWS; i++) {
        const size_t u = cond->first + row0 + (row0 + i < n ? i : n - 1 - row0);
        const size_t f = u / cond->hop;
        const int has_next = f + 1 < cond->frame_count;
        terms->row[i][0] = cond->frames + f * width;
        terms->coef[i][0] = cond->weights[u];
        // Past the last frame the weight is 0; the row pointer stays in bounds.
        terms->row[i][1] = cond->frames + (has_next ? f + 1 : f) * width;
        terms->coef[i][1] = has_next ? cond->weights[cond->positions + u] : 0.0f;
        for (size_t s = 0; s < cond->stages; s++) {
            terms->row[i][2 + s] = cond->stage_rows + s * width;
            terms->coef[i][2 + s] = cond->weights[(2 + s) * cond->positions + u];
        }
    }
    terms->shared = 1;
    for (size_t i = 1; i < WD_ROWS; i++)
        if (terms->row[i][0] != terms->row[0][0] || terms->row[i][1] != terms->row[0][1]) terms->shared = 0;
}

// Adds row i's conditioning terms (panel columns at offset `col`) to its two accumulators.
#define WD_TERMS_ROW(i)                                                                        \
    do {                                                                                       \
        for (size_t j = 0; j < terms->count; j++) {                                            \
            const __m256 a = _mm256_set1_ps(terms->coef[i][j]);                                \
            const float *v = terms->row[i][j] + col;                                           \
            c##i##0 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v), c##i##0);                         \
            c##i##1 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 8), c##i##1);                     \
        }                                                                                      \
    } while (0)

// Adds term j of row i with the term's vectors v0, v1 already loaded (shared rows).
#define WD_SHARED_TERM(i, j)                                                                   \
    do {                                                                                       \
        const __m256 a = _mm256_broadcast_ss(&terms->coef[i][j]);                              \
        c##i##0 = _mm256_fmadd_ps(a, v0, c##i##0);                                             \
        c##i##1 = _mm256_fmadd_ps(a, v1, c##i##1);                                             \
    } while (0)

// gated[i, p*8 ..< p*8+8] for the six rows of one group (n of them stored) and one panel;
// terms (or NULL) adds the frame-rate conditioning, whose panel columns start at `col`.
static inline void gate_panel(const float *const *rows, size_t segments, const size_t *lengths, size_t n,
                              const float *w, const float *bp, const group_terms *terms, size_t col,
                              float *gated, size_t ldg) {
    __m256 c00 = _mm256_loadu_ps(bp), c01 = _mm256_loadu_ps(bp + 8);
    __m256 c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01,
           c50 = c00, c51 = c01;
    if (terms && terms->shared) {
        // Each term's two vectors are loaded once for the six rows (the same sums in the same
        // order as the per-row path: bias, then the terms in order). Fewer loads: 3 % faster.
        for (size_t j = 0; j < terms->count; j++) {
            const __m256 v0 = _mm256_loadu_ps(terms->row[0][j] + col), v1 = _mm256_loadu_ps(terms->row[0][j] + col + 8);
            WD_SHARED_TERM(0, j); WD_SHARED_TERM(1, j); WD_SHARED_TERM(2, j);
            WD_SHARED_TERM(3, j); WD_SHARED_TERM(4, j); WD_SHARED_TERM(5, j);
        }
    } else if (terms) {
        WD_TERMS_ROW(0); WD_TERMS_ROW(1); WD_TERMS_ROW(2); WD_TERMS_ROW(3); WD_TERMS_ROW(4); WD_TERMS_ROW(5);
    }
    for (size_t s = 0; s < segments; s++) {
        const float *const *rs = rows + s * WD_ROWS;
        const float *r0 = rs[0], *r1 = rs[1], *r2 = rs[2], *r3 = rs[3], *r4 = rs[4], *r5 = rs[5];
        const size_t len = lengths[s];
        // Unrolled by 4: the loop's own increment, compare and branch otherwise cost ~8 % of the
        // layer (58-64 -> 68-76 GFLOP/s on one thread); each accumulator still sums in kk order.
#pragma clang loop unroll_count(4)
        for (size_t kk = 0; kk < len; kk++) {
            __m256 b0 = _mm256_loadu_ps(w + kk * 16), b1 = _mm256_loadu_ps(w + kk * 16 + 8);
            WD_FMA_ROW(0); WD_FMA_ROW(1); WD_FMA_ROW(2); WD_FMA_ROW(3); WD_FMA_ROW(4); WD_FMA_ROW(5);
        }
        w += len * 16;
    }
    // tanh(first half) * sigmoid(second half), in registers.
    __m256 out[WD_ROWS][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (size_t i = 0; i < n; i++)
        _mm256_storeu_ps(gated + i * ldg, gate8(out[i][0], out[i][1]));
}

// Walks the caller's prefetch ranges one cache line at a time, a few lines per call.
typedef struct {
    const float *const *starts;
    const size_t *floats;
    size_t ranges, range, offset;
} prefetch_cursor;

static inline void prefetch_lines(prefetch_cursor *cur, size_t lines) {
    for (; lines > 0 && cur->range < cur->ranges; lines--) {
        _mm_prefetch((const char *)(cur->starts[cur->range] + cur->offset), _MM_HINT_T0);
        cur->offset += 16;
        if (cur->offset >= cur->floats[cur->range]) { cur->range++; cur->offset = 0; }
    }
}

void wd_flow_gate_rows(const float *const *rows, size_t groups, size_t segments, const size_t *lengths, size_t n,
                       const float *packed, size_t k, const float *packed_bias, size_t half,
                       const wd_frame_condition *condition, float *gated, size_t ldg, const float *const *prefetch,
                       const size_t *prefetch_floats, size_t prefetch_ranges) {
    // The next block's rows come from DRAM or L3 with gaps the hardware prefetcher does not
    // cover (taps d and 2d back, the conditioning): fetch them a few lines per group, spread
    // over this block's work, so they are in cache when the next call starts.
    prefetch_cursor cur = {prefetch, prefetch_floats, prefetch_ranges, 0, 0};
    size_t total = 0;
    for (size_t i = 0; i < prefetch_ranges; i++) total += (prefetch_floats[i] + 15) / 16;
    const size_t calls = (half / 8) * groups, per_call = calls ? (total + calls - 1) / calls : 0;
    // Up to 16 groups at a time (a whole 96-row block): their conditioning terms are found once
    // for all panels. Panel outer, groups inner: the panel's k x 16 weights (12-17 KiB for the
    // full student) stay in L1 while the groups' rows come from L2.
    enum { chunk_groups = 16 };
    group_terms terms[chunk_groups];
    for (size_t g0 = 0; g0 < groups; g0 += chunk_groups) {
        const size_t g1 = groups - g0 < chunk_groups ? groups : g0 + chunk_groups;
        if (condition)
            for (size_t g = g0; g < g1; g++) condition_terms(condition, 2 * half, g * WD_ROWS, n, &terms[g - g0]);
        for (size_t p = 0; p < half / 8; p++) {
            const float *w = packed + p * k * 16, *bp = packed_bias + p * 16;
            for (size_t g = g0; g < g1; g++) {
                prefetch_lines(&cur, per_call);
                size_t rows_here = n - g * WD_ROWS < WD_ROWS ? n - g * WD_ROWS : WD_ROWS;
                gate_panel(rows + g * segments * WD_ROWS, segments, lengths, rows_here, w, bp,
                           condition ? &terms[g - g0] : NULL, p * 16, gated + g * WD_ROWS * ldg + p * 8, ldg);
            }
        }
    }
}

void wd_flow_residual_rows(const float *gated, size_t ldg, size_t n, const float *packed, size_t half,
                           size_t channels, float scale, const float *x, size_t ldx, const float *bias,
                           float *y, size_t ldy) {
    const __m256 r = _mm256_set1_ps(scale);
    for (size_t p = 0; p < channels / 16; p++) {
        const float *w = packed + p * half * 16;
        const __m256 bias0 = _mm256_loadu_ps(bias + p * 16), bias1 = _mm256_loadu_ps(bias + p * 16 + 8);
        for (size_t g0 = 0; g0 < n; g0 += WD_ROWS) {
            const float *r0 = gated + g0 * ldg, *r1 = r0 + ldg, *r2 = r1 + ldg, *r3 = r2 + ldg, *r4 = r3 + ldg,
                        *r5 = r4 + ldg;
            __m256 z = _mm256_setzero_ps();
            __m256 c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z,
                   c50 = z, c51 = z;
#pragma clang loop unroll_count(4)
            for (size_t kk = 0; kk < half; kk++) {
                __m256 b0 = _mm256_loadu_ps(w + kk * 16), b1 = _mm256_loadu_ps(w + kk * 16 + 8);
                WD_FMA_ROW(0); WD_FMA_ROW(1); WD_FMA_ROW(2); WD_FMA_ROW(3); WD_FMA_ROW(4); WD_FMA_ROW(5);
            }
            // y = r * (x + b) + r * (g W), the order of the reference (bias first, BLAS alpha last).
            __m256 acc[WD_ROWS][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
            size_t rows_here = n - g0 < WD_ROWS ? n - g0 : WD_ROWS;
            for (size_t i = 0; i < rows_here; i++) {
                const float *xi = x + (g0 + i) * ldx + p * 16;
                float *yi = y + (g0 + i) * ldy + p * 16;
                __m256 s0 = _mm256_mul_ps(r, _mm256_add_ps(_mm256_loadu_ps(xi), bias0));
                __m256 s1 = _mm256_mul_ps(r, _mm256_add_ps(_mm256_loadu_ps(xi + 8), bias1));
                _mm256_storeu_ps(yi, _mm256_add_ps(s0, _mm256_mul_ps(r, acc[i][0])));
                _mm256_storeu_ps(yi + 8, _mm256_add_ps(s1, _mm256_mul_ps(r, acc[i][1])));
            }
        }
    }
}
