// Picks the best kernel variant for this CPU on first use: AVX-512 VNNI, else AVX2, else the
// portable C on x86-64; NEON on AArch64. TERN_KERNELS=generic or =avx2 forces a lesser one (for comparisons).
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"

static _Atomic(const tern_kernel_set *) chosen;

#if defined(__x86_64__)
static int supports_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
static int supports_vnni(void) {
    return supports_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}
#endif

static const tern_kernel_set *best_for_cpu(void) {
    const char *forced = getenv("TERN_KERNELS");
    if (forced && strcmp(forced, "generic") == 0) return &tern_kernels_generic;
#if defined(__x86_64__)
    if (forced && strcmp(forced, "avx2") == 0 && supports_avx2()) return &tern_kernels_avx2;
    if (supports_vnni()) return &tern_kernels_vnni;
    if (supports_avx2()) return &tern_kernels_avx2;
#endif
#if defined(__aarch64__)
    return &tern_kernels_neon;  // NEON is part of every AArch64 CPU
#endif
    return &tern_kernels_generic;
}

static const tern_kernel_set *kernels(void) {
    const tern_kernel_set *k = atomic_load_explicit(&chosen, memory_order_acquire);
    if (!k) {  // racing first calls all compute the same answer
        k = best_for_cpu();
        atomic_store_explicit(&chosen, k, memory_order_release);
    }
    return k;
}

const char *tern_kernel_isa(void) { return kernels()->name; }

int tern_select_kernels(const char *isa) {
    const tern_kernel_set *k = NULL;
    if (strcmp(isa, "generic") == 0) k = &tern_kernels_generic;
#if defined(__x86_64__)
    if (strcmp(isa, "avx2") == 0 && supports_avx2()) k = &tern_kernels_avx2;
    if (strcmp(isa, "avx512vnni") == 0 && supports_vnni()) k = &tern_kernels_vnni;
#endif
#if defined(__aarch64__)
    if (strcmp(isa, "neon") == 0) k = &tern_kernels_neon;
#endif
    if (!k) return 0;
    atomic_store_explicit(&chosen, k, memory_order_release);
    return 1;
}

void tern_f32_to_f16(const float *x, uint16_t *y, int64_t n) { kernels()->f32_to_f16(x, y, n); }

void tern_attend_f16(const float *q, int64_t heads, const uint16_t *k, const uint16_t *v,
                     const uint16_t *ks, const uint16_t *vs, int64_t shared, int64_t stride,
                     int64_t first, int64_t last, int64_t d, const float *slopes, float *out) {
    kernels()->attend_f16(q, heads, k, v, ks, vs, shared, stride, first, last, d, slopes, out);
}

void tern_matmul_f32(const float *panels, int64_t rows, int64_t p0, int64_t p1, int64_t cols, const float *x,
                     int64_t tokens, float *out, int64_t out_stride) {
    kernels()->matmul_f32(panels, rows, p0, p1, cols, x, tokens, out, out_stride);
}

void tern_gelu_erf(float *x, int64_t n) { kernels()->gelu_erf(x, n); }

void tern_pack_f32(const float *w, int64_t rows, int64_t cols, float *panels) {
    for (int64_t p = 0; p < (rows + 15) / 16; p++)
        for (int64_t c = 0; c < cols; c++)
            for (int64_t i = 0; i < 16; i++) {
                const int64_t r = 16 * p + i;
                panels[(p * cols + c) * 16 + i] = r < rows ? w[r * cols + c] : 0;
            }
}

void tern_attend_f32(const float *q, int64_t heads, const float *k, const float *v,
                     const float *ks, const float *vs, int64_t shared, int64_t stride,
                     int64_t first, int64_t last, int64_t d, const float *slopes, float *out) {
    kernels()->attend_f32(q, heads, k, v, ks, vs, shared, stride, first, last, d, slopes, out);
}

/// Q8_1 (for Q4_1/Q5_1 weights, rare in practice: plain C for every instruction set): Q8_0's
/// quants plus s = d·Σq, as ggml's CPU backend makes them (round half to even, s in half precision).
static void quantize_q8_1(const float *x, void *dst, int64_t n) {
    tern_block_q8_1 *y = dst;
    for (int64_t b = 0; b < n / TERN_QK; b++, x += TERN_QK) {
        float amax = 0;
        for (int j = 0; j < TERN_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.f, id = amax != 0 ? 127.f / amax : 0.f;
        int sum = 0;
        for (int j = 0; j < TERN_QK; j++) { y[b].qs[j] = (int8_t)rintf(x[j] * id); sum += y[b].qs[j]; }
        y[b].d = tern_float_to_half_soft(d);
        y[b].s = tern_float_to_half_soft(d * (float)sum);
    }
}

int tern_activation_type(int weight_type) {
    switch (weight_type) {
    case TERN_TYPE_Q4_0: case TERN_TYPE_Q5_0: case TERN_TYPE_Q8_0: return TERN_TYPE_Q8_0;
    case TERN_TYPE_Q4_1: case TERN_TYPE_Q5_1: return TERN_TYPE_Q8_1;
    case TERN_TYPE_Q4_K: case TERN_TYPE_Q5_K: case TERN_TYPE_Q6_K: return TERN_TYPE_Q8_K;
    case TERN_TYPE_TQ1_0: case TERN_TYPE_TQ2_0: return TERN_TYPE_Q8_K;
    default: return -1;
    }
}

size_t tern_activation_row_bytes(int weight_type, int64_t n) {
    switch (tern_activation_type(weight_type)) {
    case TERN_TYPE_Q8_0: return (size_t)(n / TERN_QK) * sizeof(tern_block_q8_0);
    case TERN_TYPE_Q8_1: return (size_t)(n / TERN_QK) * sizeof(tern_block_q8_1);
    case TERN_TYPE_Q8_K: return (size_t)(n / TERN_QK_K) * sizeof(tern_block_q8_K);
    default: return 0;
    }
}

void tern_quantize_activations(int weight_type, const float *x, void *dst, int64_t n) {
    switch (tern_activation_type(weight_type)) {
    case TERN_TYPE_Q8_0: kernels()->quantize_q8_0(x, dst, n); break;
    case TERN_TYPE_Q8_K: kernels()->quantize_q8_K(x, dst, n); break;
    case TERN_TYPE_Q8_1: quantize_q8_1(x, dst, n); break;
    default: break;
    }
}

void tern_matmul_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                      const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                      float *out, int64_t out_stride) {
    kernels()->matmul_rows(weight_type, w, w_row_bytes, r0, r1, a, a_row_bytes, tokens, n, out, out_stride);
}

void tern_matmul_packed(int weight_type, const void *packed, int64_t rows, int64_t g0, int64_t g1,
                        const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                        float *out, int64_t out_stride) {
    kernels()->matmul_packed(weight_type, packed, rows, g0, g1, a, a_row_bytes, tokens, n, out, out_stride);
}
