// WaveNet's gated activation tanh(a) * sigmoid(b) over rows of [a | b].
#include "CKernels.h"
#include "vector_math.h"

void wd_gate_forward(const float *h, float *y, float *cache, size_t rows, size_t channels) {
    const size_t c2 = 2 * channels;
    for (size_t r = 0; r < rows; r++) {
        const float *a = h + r * c2, *b = a + channels;
        float *out = y + r * channels;
        float *ct = cache ? cache + r * c2 : NULL, *cs = ct ? ct + channels : NULL;
        size_t c = 0;
        for (; c + 8 <= channels; c += 8) {
            __m256 t = wd_tanh8(_mm256_loadu_ps(a + c));
            __m256 s = wd_sigmoid8(_mm256_loadu_ps(b + c));
            _mm256_storeu_ps(out + c, _mm256_mul_ps(t, s));
            if (ct) { _mm256_storeu_ps(ct + c, t); _mm256_storeu_ps(cs + c, s); }
        }
        if (c < channels) {
            size_t m = channels - c;
            __m256 t = wd_tanh8(wd_load_partial(a + c, m));
            __m256 s = wd_sigmoid8(wd_load_partial(b + c, m));
            wd_store_partial(out + c, _mm256_mul_ps(t, s), m);
            if (ct) { wd_store_partial(ct + c, t, m); wd_store_partial(cs + c, s, m); }
        }
    }
}

void wd_gate_backward(const float *cache, const float *dy, float *dh, size_t rows, size_t channels) {
    const size_t c2 = 2 * channels;
    for (size_t r = 0; r < rows; r++) {
        const float *t = cache + r * c2, *s = t + channels, *g = dy + r * channels;
        float *da = dh + r * c2, *db = da + channels;
        for (size_t c = 0; c < channels; c++) {
            float gt = g[c] * t[c], gs = g[c] * s[c];
            da[c] = gs * (1.0f - t[c] * t[c]);
            db[c] = gt * s[c] * (1.0f - s[c]);
        }
    }
}
