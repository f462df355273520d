// Simple arithmetic on arrays; the compiler vectorises these loops at -O3 -mavx2 -mfma.
#include <stdlib.h>
#include "CKernels.h"

void wd_add(const float *a, const float *b, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void wd_sub(const float *a, const float *b, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] - b[i];
}

void wd_mul(const float *a, const float *b, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

void wd_scale(const float *x, float alpha, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = alpha * x[i];
}

void wd_axpy(float alpha, const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void wd_add_row_bias(float *y, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] += bias[c];
    }
}

void wd_column_sums_accumulate(const float *x, size_t rows, size_t cols, float *out) {
    // Float partial sums over blocks of 64 rows (vectorised across columns), then double.
    enum { block = 64 };
    double *total = calloc(cols, sizeof(double));
    float *part = malloc(cols * sizeof(float));
    if (!total || !part) abort();
    for (size_t r0 = 0; r0 < rows; r0 += block) {
        size_t r1 = r0 + block < rows ? r0 + block : rows;
        for (size_t c = 0; c < cols; c++) part[c] = 0.0f;
        for (size_t r = r0; r < r1; r++) {
            const float *row = x + r * cols;
            for (size_t c = 0; c < cols; c++) part[c] += row[c];
        }
        for (size_t c = 0; c < cols; c++) total[c] += part[c];
    }
    for (size_t c = 0; c < cols; c++) out[c] += (float)total[c];
    free(total);
    free(part);
}
