// Alternating A/B timing of two builds of the flow-layer kernels (Sources/CKernels/flow_layer.c)
// at the full student's shapes, on one thread. run.sh compiles the two versions with their
// symbols renamed (A_..., B_...) and links them here.
//
// Why alternate: on a shared host the same binary's speed drifts by 10-20 % from one second to
// the next, so two builds timed one after the other differ by more than most changes do. Here
// every repetition times A then B on the same inputs, and the summary compares the two
// distributions (best, median, p10/p90) and checks that they computed the same numbers.
//
// Usage: flow_layer_ab [rows] [repetitions] [dilation] [stages]
//   rows: time rows per layer call sequence (1920: rows, weights and outputs fit in L2 + L3)
//   stages: upsampler stages of the frame-rate conditioning (0: none; the full student has 4)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

#define DECLARE(prefix)                                                                                          \
    void prefix##gate(const float *const *, size_t, size_t, const size_t *, size_t, const float *, size_t,       \
                      const float *, size_t, const wd_frame_condition *, float *, size_t, const float *const *,  \
                      const size_t *, size_t);                                                                   \
    void prefix##residual(const float *, size_t, size_t, const float *, size_t, size_t, float, const float *,    \
                          size_t, const float *, float *, size_t);                                               \
    void prefix##pack_gate(const float *, const float *, size_t, size_t, float *, float *);                      \
    void prefix##pack_residual(const float *, size_t, size_t, float *);
DECLARE(A_)
DECLARE(B_)

typedef struct {
    void (*gate)(const float *const *, size_t, size_t, const size_t *, size_t, const float *, size_t, const float *,
                 size_t, const wd_frame_condition *, float *, size_t, const float *const *, const size_t *, size_t);
    void (*residual)(const float *, size_t, size_t, const float *, size_t, size_t, float, const float *, size_t,
                     const float *, float *, size_t);
    float *packed, *packed_bias, *packed_residual, *gated, *y;
} variant;

enum { C = 64, HALF = 64, G = 128, TAPS = 3, K = TAPS * C, BLOCK = 96, ROWS = 6, HOP = 256 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// A deterministic uniform in [-0.5, 0.5).
static float uniform(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 16777216.0f - 0.5f;
}

static float *floats(size_t n) {
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    const size_t rows = argc > 1 ? (size_t)atol(argv[1]) : 1920;
    const int reps = argc > 2 ? atoi(argv[2]) : 400;
    const size_t d = argc > 3 ? (size_t)atol(argv[3]) : 8;
    const size_t stages = argc > 4 ? (size_t)atol(argv[4]) : 4;
    if (rows < 1 || reps < 1 || d < 1 || stages > WD_MAX_CONDITION_STAGES) {
        fprintf(stderr, "usage: flow_layer_ab [rows >= 1] [repetitions >= 1] [dilation >= 1] [stages <= %d]\n",
                WD_MAX_CONDITION_STAGES);
        return 2;
    }
    unsigned seed = 1;
    const size_t padded = rows + 2 * d + BLOCK;
    float *x = floats(padded * C);
    for (size_t i = 0; i < padded * C; i++) x[i] = 2 * uniform(&seed);
    float *w = floats(K * G), *bias = floats(G), *wr = floats(HALF * C), *br = floats(C);
    for (size_t i = 0; i < K * G; i++) w[i] = 0.3f * uniform(&seed);
    for (size_t i = 0; i < G; i++) bias[i] = 0.1f * uniform(&seed);
    for (size_t i = 0; i < HALF * C; i++) wr[i] = 0.2f * uniform(&seed);
    for (size_t i = 0; i < C; i++) br[i] = 0.1f * uniform(&seed);
    // Frame-rate conditioning: frames, stage rows and interpolation weights (random values).
    const size_t frames = rows / HOP + 2, positions = frames * HOP;
    float *projected = floats(frames * G), *stage_rows = floats((stages + 1) * G),
          *weights = floats((2 + stages) * positions);
    for (size_t i = 0; i < frames * G; i++) projected[i] = uniform(&seed);
    for (size_t i = 0; i < (stages + 1) * G; i++) stage_rows[i] = 0.1f * uniform(&seed);
    for (size_t i = 0; i < (2 + stages) * positions; i++) weights[i] = uniform(&seed) + 0.5f;

    variant v[2] = {{A_gate, A_residual}, {B_gate, B_residual}};
    void (*pack_gate[2])(const float *, const float *, size_t, size_t, float *, float *) = {A_pack_gate, B_pack_gate};
    void (*pack_residual[2])(const float *, size_t, size_t, float *) = {A_pack_residual, B_pack_residual};
    for (int i = 0; i < 2; i++) {
        v[i].packed = floats(K * G);
        v[i].packed_bias = floats(G);
        v[i].packed_residual = floats(HALF * C);
        v[i].gated = floats((rows + BLOCK) * HALF);
        v[i].y = floats((rows + BLOCK) * C);
        pack_gate[i](w, bias, K, HALF, v[i].packed, v[i].packed_bias);
        pack_residual[i](wr, HALF, C, v[i].packed_residual);
    }

    const float *pointers[BLOCK / ROWS * TAPS * ROWS];
    const size_t lengths[TAPS] = {C, C, C};
    double *gate_s[2] = {malloc(reps * sizeof(double)), malloc(reps * sizeof(double))};
    double *residual_s[2] = {malloc(reps * sizeof(double)), malloc(reps * sizeof(double))};
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < 2; i++) {
            double t0 = now();
            for (size_t t0r = 0; t0r < rows; t0r += BLOCK) {
                const size_t n = rows - t0r < BLOCK ? rows - t0r : BLOCK, groups = (n + ROWS - 1) / ROWS;
                // Row i of tap j is x[t - (2 - j) d] (x is padded by 2 d rows in front).
                for (size_t g = 0; g < groups; g++)
                    for (size_t j = 0; j < TAPS; j++)
                        for (size_t row = 0; row < ROWS; row++) {
                            size_t t = t0r + g * ROWS + row;
                            if (t >= t0r + n) t = t0r + n - 1;
                            pointers[(g * TAPS + j) * ROWS + row] = x + (t + j * d) * C;
                        }
                wd_frame_condition condition = {projected, frames, stage_rows, stages, weights, positions, t0r, HOP};
                v[i].gate(pointers, groups, TAPS, lengths, n, v[i].packed, K, v[i].packed_bias, HALF,
                          stages > 0 ? &condition : NULL, v[i].gated + t0r * HALF, HALF, NULL, NULL, 0);
            }
            double t1 = now();
            for (size_t t0r = 0; t0r < rows; t0r += BLOCK) {
                const size_t n = rows - t0r < BLOCK ? rows - t0r : BLOCK;
                v[i].residual(v[i].gated + t0r * HALF, HALF, n, v[i].packed_residual, HALF, C, 0.7071f,
                              x + (t0r + 2 * d) * C, C, br, v[i].y + t0r * C, C);
            }
            gate_s[i][r] = t1 - t0;
            residual_s[i][r] = now() - t1;
        }
    }

    double gate_difference = 0, output_difference = 0;
    for (size_t i = 0; i < rows * HALF; i++) {
        double e = v[0].gated[i] - v[1].gated[i];
        if (e < 0) e = -e;
        if (e > gate_difference) gate_difference = e;
    }
    for (size_t i = 0; i < rows * C; i++) {
        double e = v[0].y[i] - v[1].y[i];
        if (e < 0) e = -e;
        if (e > output_difference) output_difference = e;
    }
    const double gate_flops = 2.0 * rows * ((double)K * G + (stages > 0 ? (2.0 + stages) * G : 0.0));
    const double residual_flops = 2.0 * rows * HALF * C;
    printf("rows %zu, dilation %zu, %zu stages, %d alternating repetitions, one thread; GFLOP/s:\n", rows, d, stages, reps);
    printf("%-9s %-2s %8s %8s %8s %8s\n", "kernel", "", "best", "p90", "median", "p10");
    const char *names[2] = {"gate", "residual"};
    double **times[2] = {gate_s, residual_s};
    const double flops[2] = {gate_flops, residual_flops};
    for (int k = 0; k < 2; k++) {
        double median[2];
        for (int i = 0; i < 2; i++) {
            double *s = times[k][i];
            qsort(s, reps, sizeof(double), by_value);
            median[i] = s[reps / 2];
            printf("%-9s %-2s %8.1f %8.1f %8.1f %8.1f\n", names[k], i == 0 ? "A" : "B", flops[k] / s[0] * 1e-9,
                   flops[k] / s[reps / 10] * 1e-9, flops[k] / s[reps / 2] * 1e-9, flops[k] / s[reps * 9 / 10] * 1e-9);
        }
        printf("%-9s B/A: best %.3f, median %.3f\n", names[k], times[k][0][0] / times[k][1][0], median[0] / median[1]);
    }
    printf("max |A - B|: gated %.3g, layer output %.3g\n", gate_difference, output_difference);
    return 0;
}
