// Float rows to ggml's quantized blocks, with the arithmetic of ggml's reference quantizers
// (ggml-quants.c without an importance matrix): the same scale searches, the same rounding, the
// same float operations in the same order. That is what makes `tern quantize` write the bytes
// llama-quantize writes. Compiled without FMA contraction, as ggml's base library is.
#pragma STDC FP_CONTRACT OFF
#include <math.h>
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"

#define MIN_INT(a, b) ((a) < (b) ? (a) : (b))
#define MAX_INT(a, b) ((a) > (b) ? (a) : (b))
#define CLAMP(v, lo, hi) MAX_INT(lo, MIN_INT(hi, v))

/// Round to nearest, ties to even, as ggml's nearest_int does it (adding 1.5 · 2^23 moves the
/// integer into the mantissa's low bits); valid for |v| < 2^22.
static inline int round_even(float v) {
    const float shifted = v + 12582912.f;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    return (bits & 0x007fffff) - 0x00400000;
}

static inline uint16_t to_half(float x) { return tern_float_to_half_soft(x); }
static inline float from_half(uint16_t h) { return tern_half_to_float_soft(h); }

// MARK: - 32-element blocks

static void block_q8_0(const float *x, tern_block_q8_0 *y) {
    float amax = 0;
    for (int j = 0; j < 32; j++) amax = amax > fabsf(x[j]) ? amax : fabsf(x[j]);
    const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    y->d = to_half(d);
    for (int j = 0; j < 32; j++) y->qs[j] = (int8_t)roundf(x[j] * id);
}

/// The element of largest magnitude, with its sign (the first one on ties).
static float signed_absmax(const float *x, int n) {
    float amax = 0, max = 0;
    for (int j = 0; j < n; j++)
        if (amax < fabsf(x[j])) amax = fabsf(x[j]), max = x[j];
    return max;
}

/// Q4_0 (bits 4) and Q5_0 (bits 5): the extreme element maps to -2^(bits-1), others round half up.
static void block_q_0(int bits, const float *x, uint8_t qs[16], uint32_t *qh, uint16_t *dh) {
    const int top = (1 << bits) - 1;
    const float half_range = (float)(1 << (bits - 1));
    const float d = signed_absmax(x, 32) / -half_range, id = d ? 1.0f / d : 0.0f;
    *dh = to_half(d);
    *qh = 0;
    for (int j = 0; j < 16; j++) {
        const uint8_t lo = (uint8_t)MIN_INT(top, (int8_t)(x[j] * id + (half_range + 0.5f)));
        const uint8_t hi = (uint8_t)MIN_INT(top, (int8_t)(x[j + 16] * id + (half_range + 0.5f)));
        qs[j] = (uint8_t)((lo & 15) | (hi & 15) << 4);
        *qh |= (uint32_t)(lo >> 4) << j | (uint32_t)(hi >> 4) << (j + 16);
    }
}

/// Q4_1 (bits 4) and Q5_1 (bits 5): a minimum and a step spanning [min, max].
static void block_q_1(int bits, const float *x, uint8_t qs[16], uint32_t *qh, uint16_t *dh, uint16_t *mh) {
    float min = x[0], max = x[0];
    for (int j = 1; j < 32; j++) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / (float)((1 << bits) - 1), id = d ? 1.0f / d : 0.0f;
    *dh = to_half(d);
    *mh = to_half(min);
    *qh = 0;
    for (int j = 0; j < 16; j++) {
        uint8_t lo = (uint8_t)(int8_t)((x[j] - min) * id + 0.5f), hi = (uint8_t)(int8_t)((x[j + 16] - min) * id + 0.5f);
        if (bits == 4) lo = (uint8_t)MIN_INT(15, lo), hi = (uint8_t)MIN_INT(15, hi);
        qs[j] = (uint8_t)((lo & 15) | (hi & 15) << 4);
        *qh |= (uint32_t)((lo >> 4) & 1) << j | (uint32_t)((hi >> 4) & 1) << (j + 16);
    }
}

// MARK: - K-quant scale searches

/// A scale and minimum for x ≈ scale · L + min with L in 0 ... nmax, minimising the weighted
/// squared error: start from the range's own step, then try nstep + 1 steps around it, each
/// re-fitted by weighted least squares (min kept ≤ 0). Returns the scale; *neg_min = -min.
static float fit_scale_min(int n, int nmax, const float *x, const float *w, uint8_t *L, float *neg_min,
                           float rmin, float rdelta, int nstep) {
    float min = x[0], max = x[0], sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        memset(L, 0, (size_t)n);
        *neg_min = -min;
        return 0;
    }
    float iscale = nmax / (max - min), scale = 1 / iscale, best = 0;
    for (int i = 0; i < n; i++) {
        L[i] = (uint8_t)CLAMP(round_even(iscale * (x[i] - min)), 0, nmax);
        const float diff = scale * L[i] + min - x[i];
        best += w[i] * (diff * diff);
    }
    uint8_t trial[32];
    for (int step = 0; step <= nstep; step++) {
        iscale = (rmin + rdelta * step + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; i++) {
            const int l = CLAMP(round_even(iscale * (x[i] - min)), 0, nmax);
            trial[i] = (uint8_t)l;
            sum_l += w[i] * l;
            sum_l2 += w[i] * l * l;
            sum_xl += w[i] * l * x[i];
        }
        const float det = sum_w * sum_l2 - sum_l * sum_l;
        if (!(det > 0)) continue;
        float s = (sum_w * sum_xl - sum_x * sum_l) / det, m = (sum_l2 * sum_x - sum_l * sum_xl) / det;
        if (m > 0) m = 0, s = sum_xl / sum_l2;
        float err = 0;
        for (int i = 0; i < n; i++) {
            const float diff = s * trial[i] + m - x[i];
            err += w[i] * (diff * diff);
        }
        if (err < best) {
            memcpy(L, trial, (size_t)n);
            best = err, scale = s, min = m;
        }
    }
    *neg_min = -min;
    return scale;
}

/// A signed scale for x ≈ scale · (L - nmax) with L - nmax in -nmax ... nmax - 1, weighting each
/// element by x²: the extreme element's step, then 18 nearby steps, keeping the best fit.
static float fit_scale(int n, int nmax, const float *x, int8_t *L) {
    const float max = signed_absmax(x, n);
    if (fabsf(max) < 1e-15f) {
        memset(L, 0, (size_t)n);
        return 0;
    }
    float iscale = -nmax / max, sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; i++) {
        const int l = CLAMP(round_even(iscale * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)(l + nmax);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f, best = scale * sumlx;
    for (int step = -9; step <= 9; step++) {
        if (step == 0) continue;
        iscale = -(nmax + 0.1f * step) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; i++) {
            const int l = CLAMP(round_even(iscale * x[i]), -nmax, nmax - 1);
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; i++) L[i] = (int8_t)(nmax + CLAMP(round_even(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2, best = scale * sumlx;
        }
    }
    return scale;
}

// MARK: - K-quant super-blocks

/// Q4_K (nmax 15) and Q5_K (nmax 31) share the fit: per 32 elements a scale and a minimum
/// (weights |x| plus the sub-block's RMS), both then quantized to six bits against the block's
/// largest, and the quants recomputed with the six-bit values. L receives 256 quants.
static void fit_k_block(int nmax, const float *x, uint8_t scales[12], uint16_t *dh, uint16_t *dminh, uint8_t L[256]) {
    float sc[8], mn[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum_x2 = 0, w[32];
        for (int l = 0; l < 32; l++) sum_x2 += xs[l] * xs[l];
        const float av = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++) w[l] = av + fabsf(xs[l]);
        sc[j] = nmax == 15 ? fit_scale_min(32, 15, xs, w, L + 32 * j, &mn[j], -1.f, 0.1f, 20)
                           : fit_scale_min(32, 31, xs, w, L + 32 * j, &mn[j], -0.5f, 0.1f, 15);
        if (sc[j] > max_scale) max_scale = sc[j];
        if (mn[j] > max_min) max_min = mn[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f, inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    memset(scales, 0, 12);
    for (int j = 0; j < 8; j++) {
        const uint8_t ls = (uint8_t)MIN_INT(63, (uint8_t)round_even(inv_scale * sc[j]));
        const uint8_t lm = (uint8_t)MIN_INT(63, (uint8_t)round_even(inv_min * mn[j]));
        if (j < 4) {
            scales[j] = ls;
            scales[j + 4] = lm;
        } else {  // low four bits in bytes 8-11, the top two in bits 6-7 of bytes 0-7
            scales[j + 4] = (uint8_t)((ls & 15) | (lm & 15) << 4);
            scales[j - 4] |= (uint8_t)((ls >> 4) << 6);
            scales[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    *dh = to_half(max_scale / 63.f);
    *dminh = to_half(max_min / 63.f);
    for (int j = 0; j < 8; j++) {
        int s, m;
        tern_k_scale_min(j, scales, &s, &m);
        const float d = from_half(*dh) * s;
        if (!d) continue;
        const float dm = from_half(*dminh) * m;
        for (int l = 0; l < 32; l++) L[32 * j + l] = (uint8_t)CLAMP(round_even((x[32 * j + l] + dm) / d), 0, nmax);
    }
}

static void block_q4_K(const float *x, tern_block_q4_K *y) {
    uint8_t L[256];
    fit_k_block(15, x, y->scales, &y->d, &y->dmin, L);
    for (int c = 0; c < 4; c++)  // 64 elements per chunk: the first 32 in low nibbles
        for (int l = 0; l < 32; l++) y->qs[32 * c + l] = (uint8_t)(L[64 * c + l] | L[64 * c + 32 + l] << 4);
}

static void block_q5_K(const float *x, tern_block_q5_K *y) {
    uint8_t L[256];
    fit_k_block(31, x, y->scales, &y->d, &y->dmin, L);
    memset(y->qh, 0, 32);
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            const uint8_t a = L[64 * c + l], b = L[64 * c + 32 + l];
            y->qs[32 * c + l] = (uint8_t)((a & 15) | (b & 15) << 4);
            y->qh[l] |= (uint8_t)((a >> 4) << (2 * c) | (b >> 4) << (2 * c + 1));
        }
}

static void block_q6_K(const float *x, tern_block_q6_K *y) {
    int8_t L[256];
    float sc[16], max_scale = 0, max_abs = 0;
    for (int j = 0; j < 16; j++) {
        sc[j] = fit_scale(16, 32, x + 16 * j, L + 16 * j);
        if (fabsf(sc[j]) > max_abs) max_abs = fabsf(sc[j]), max_scale = sc[j];
    }
    if (max_abs < 1e-15f) {
        memset(y, 0, sizeof *y);
        return;
    }
    const float iscale = -128.f / max_scale;
    y->d = to_half(1 / iscale);
    for (int j = 0; j < 16; j++) y->scales[j] = (int8_t)MIN_INT(127, round_even(iscale * sc[j]));
    for (int j = 0; j < 16; j++) {
        const float d = from_half(y->d) * y->scales[j];
        if (!d) continue;
        for (int l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(CLAMP(round_even(x[16 * j + l] / d), -32, 31) + 32);
    }
    for (int h = 0; h < 2; h++)  // per 128 elements: 64 bytes of low nibbles, 32 of top bits
        for (int l = 0; l < 32; l++) {
            const int8_t *q = L + 128 * h + l;
            y->ql[64 * h + l] = (uint8_t)((q[0] & 15) | (q[64] & 15) << 4);
            y->ql[64 * h + 32 + l] = (uint8_t)((q[32] & 15) | (q[96] & 15) << 4);
            y->qh[32 * h + l] = (uint8_t)((q[0] >> 4) | (q[32] >> 4) << 2 | (q[64] >> 4) << 4 | (q[96] >> 4) << 6);
        }
}

// MARK: - Ternary blocks

/// Trits of 256 elements against the block's largest magnitude: lround(x / amax) + 1 ∈ {0, 1, 2}.
static float ternary_scale(const float *x, float *id) {
    float amax = 0;
    for (int j = 0; j < 256; j++) amax = amax > fabsf(x[j]) ? amax : fabsf(x[j]);
    *id = amax ? 1.0f / amax : 0.0f;
    return amax;
}

static inline int trit(float x, float id) { return (int)lroundf(x * id) + 1; }

static void block_tq2_0(const float *x, tern_block_tq2_0 *y) {
    float id;
    y->d = to_half(ternary_scale(x, &id));
    for (int j = 0; j < 2; j++)
        for (int m = 0; m < 32; m++) {
            uint8_t q = 0;
            for (int l = 0; l < 4; l++) q = (uint8_t)(q + ((trit(x[128 * j + 32 * l + m], id) & 3) << (2 * l)));
            y->qs[32 * j + m] = q;
        }
}

/// Five (or four, then times 3) trits as a base-3 number, most significant first, scaled to a
/// byte by ceiling division: byte = ⌈q · 256 / 243⌉.
static uint8_t pack_trits(const int *t, int count) {
    uint8_t q = 0;
    for (int n = 0; n < count; n++) q = (uint8_t)(q * 3 + t[n]);
    if (count == 4) q = (uint8_t)(q * 3);
    return (uint8_t)(((uint16_t)q * 256 + (243 - 1)) / 243);
}

static void block_tq1_0(const float *x, tern_block_tq1_0 *y) {
    float id;
    y->d = to_half(ternary_scale(x, &id));
    int t[5];
    for (int m = 0; m < 32; m++) {
        for (int n = 0; n < 5; n++) t[n] = trit(x[m + 32 * n], id);
        y->qs[m] = pack_trits(t, 5);
    }
    for (int m = 0; m < 16; m++) {
        for (int n = 0; n < 5; n++) t[n] = trit(x[160 + m + 16 * n], id);
        y->qs[32 + m] = pack_trits(t, 5);
    }
    for (int j = 0; j < 4; j++) {
        for (int n = 0; n < 4; n++) t[n] = trit(x[240 + j + 4 * n], id);
        y->qh[j] = pack_trits(t, 4);
    }
}

// MARK: - Rows

int tern_quantize_rows(int type, const float *x, void *dst, int64_t rows, int64_t n) {
    const int k = type == TERN_TYPE_Q4_K || type == TERN_TYPE_Q5_K || type == TERN_TYPE_Q6_K || type == TERN_TYPE_TQ1_0
                  || type == TERN_TYPE_TQ2_0;
    const int64_t blocks = rows * n / (k ? TERN_QK_K : TERN_QK);
    char *out = dst;
    for (int64_t b = 0; b < blocks; b++) {
        switch (type) {
        case TERN_TYPE_Q8_0: block_q8_0(x + 32 * b, (tern_block_q8_0 *)out + b); break;
        case TERN_TYPE_Q4_0: {
            tern_block_q4_0 *y = (tern_block_q4_0 *)out + b;
            uint32_t qh;
            block_q_0(4, x + 32 * b, y->qs, &qh, &y->d);
            break;
        }
        case TERN_TYPE_Q5_0: {
            tern_block_q5_0 *y = (tern_block_q5_0 *)out + b;
            uint32_t qh;
            block_q_0(5, x + 32 * b, y->qs, &qh, &y->d);
            memcpy(y->qh, &qh, 4);
            break;
        }
        case TERN_TYPE_Q4_1: {
            tern_block_q4_1 *y = (tern_block_q4_1 *)out + b;
            uint32_t qh;
            block_q_1(4, x + 32 * b, y->qs, &qh, &y->d, &y->m);
            break;
        }
        case TERN_TYPE_Q5_1: {
            tern_block_q5_1 *y = (tern_block_q5_1 *)out + b;
            uint32_t qh;
            block_q_1(5, x + 32 * b, y->qs, &qh, &y->d, &y->m);
            memcpy(y->qh, &qh, 4);
            break;
        }
        case TERN_TYPE_Q4_K: block_q4_K(x + 256 * b, (tern_block_q4_K *)out + b); break;
        case TERN_TYPE_Q5_K: block_q5_K(x + 256 * b, (tern_block_q5_K *)out + b); break;
        case TERN_TYPE_Q6_K: block_q6_K(x + 256 * b, (tern_block_q6_K *)out + b); break;
        case TERN_TYPE_TQ1_0: block_tq1_0(x + 256 * b, (tern_block_tq1_0 *)out + b); break;
        case TERN_TYPE_TQ2_0: block_tq2_0(x + 256 * b, (tern_block_tq2_0 *)out + b); break;
        default: return 0;
        }
    }
    return 1;
}
