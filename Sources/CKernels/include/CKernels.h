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

// MARK: IAF flow layer, inference (flow_layer.c)
//
// One residual layer without skip: h = [taps | c] W + b (K = k*C + Cmel, G = 2 * half; or
// h = taps W_taps + b + (c W_c) given at the frame rate, see wd_frame_condition),
// g = tanh(h[:, :half]) * sigmoid(h[:, half:]), y = r (x + b_res) + r g W_res, in groups of six rows.
// Needs half % 8 == 0 and channels % 16 == 0. Rows beyond n must still be readable (callers pass
// duplicate row pointers and six-row buffers); only n rows are written.

/// packed [half/8][k][16]: panel p holds gate columns p*8 ..< p*8+8 then half+p*8 ..< half+p*8+8
/// of w [k, 2*half]; packed_bias [half/8][16] the same columns of bias [2*half].
void wd_flow_pack_gate(const float *w, const float *bias, size_t k, size_t half, float *packed, float *packed_bias);
/// out [rows, 2*half]: the columns of w [rows, 2*half] in packed_bias's panel order (the order of
/// the rows wd_frame_condition gives).
void wd_flow_pack_gate_columns(const float *w, size_t rows, size_t half, float *out);
/// packed [channels/16][half][16] from w [half, channels].
void wd_flow_pack_residual(const float *w, size_t half, size_t channels, float *packed);
/// The most upsampler stages a `wd_frame_condition` may have.
#define WD_MAX_CONDITION_STAGES 8
/// Conditioning given at the frame rate (a shared-tap upsampler, `UpsamplerInterpolation`):
/// row i of a `wd_flow_gate_rows` call starts its accumulators at
///   bias + w[0][u] frames[f] + w[1][u] frames[f + 1] + sum_s w[2 + s][u] stage_rows[s],
/// u = first + i, f = u / hop (frames[f + 1] only when f + 1 < frame_count), where every row
/// vector (2 * half floats) is in the packed gate's column order (see wd_flow_pack_gate).
typedef struct {
    const float *frames;       // [frame_count][2 * half]: the projected frames of one batch item
    size_t frame_count;
    const float *stage_rows;   // [stages][2 * half]: the projected stage biases
    size_t stages;             // at most WD_MAX_CONDITION_STAGES
    const float *weights;      // [2 + stages][positions], term-major
    size_t positions;          // frame_count * hop
    size_t first;              // u of the call's row 0
    size_t hop;
} wd_frame_condition;
/// gated[i, 0..<half] (leading dimension ldg) for i < n, n <= 6 * groups. Group g covers rows
/// 6g ..< 6g+6; K is split into `segments` runs: run s has length lengths[s] and reads row 6g+i
/// from rows[(g * segments + s) * 6 + i][0 ..< lengths[s]]. Each packed panel has k rows, at least
/// the sum of the lengths (rows after the runs are skipped: the conditioning projection when
/// `condition` gives it at the frame rate). condition: NULL, or frame-rate conditioning added to
/// the bias (see wd_frame_condition). While it runs, it prefetches
/// prefetch[r][0 ..< prefetch_floats[r]] for r < prefetch_ranges (the next call's rows; only a
/// hint, any readable or unreadable address is fine, none for prefetch_ranges = 0).
void wd_flow_gate_rows(const float *const *rows, size_t groups, size_t segments, const size_t *lengths, size_t n,
                       const float *packed, size_t k, const float *packed_bias, size_t half,
                       const wd_frame_condition *condition, float *gated, size_t ldg, const float *const *prefetch,
                       const size_t *prefetch_floats, size_t prefetch_ranges);
/// y[i, :] = scale * (x[i, :] + bias) + scale * (gated[i, :] W_res) for i < n (gated has n
/// rounded up to a multiple of 6 readable rows).
void wd_flow_residual_rows(const float *gated, size_t ldg, size_t n, const float *packed, size_t half,
                           size_t channels, float scale, const float *x, size_t ldx, const float *bias,
                           float *y, size_t ldy);

// MARK: Process heap policy

/// Makes glibc's malloc keep freed memory for reuse instead of handing it back to the kernel:
/// blocks up to `mmap_threshold_bytes` (at most 32 MiB) come from the heap rather than from
/// their own mmap, and the heap's top is never trimmed on free. A training step frees and
/// reallocates the same tensors every step; without this each of them is a fresh mapping whose
/// pages the kernel faults in and zeroes again. Returns 1 if glibc took both settings.
int wd_keep_freed_memory(size_t mmap_threshold_bytes);

#endif
