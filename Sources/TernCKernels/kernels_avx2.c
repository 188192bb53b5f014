// The AVX2 variant (x86-64 with AVX2, FMA and F16C): hand-written dot products for Q8_0, Q5_0,
// Q4_K and Q6_K (dot_x86.inc), the rest of the plain C compiled for 256-bit vectors.
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
// Conversions through _Float16, which the vectoriser turns into vcvtph2ps / vcvtps2ph.
static inline float avx2_h2f(uint16_t h) { _Float16 f; memcpy(&f, &h, 2); return (float)f; }
static inline uint16_t avx2_f2h(float x) { _Float16 f = (_Float16)x; uint16_t h; memcpy(&h, &f, 2); return h; }
#define H2F(h) avx2_h2f(h)
#define F2H(f) avx2_f2h(f)

#define XKERNEL(name) avx2x_##name
#define DOT_U8S8(acc, u, s) ((acc) = _mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1))))
#include "dot_x86.inc"
#define DOT_Q8_0 avx2x_dot_q8_0
#define DOT_Q5_0 avx2x_dot_q5_0
#define DOT_Q4_K avx2x_dot_q4_K
#define DOT_Q6_K avx2x_dot_q6_K
#define MATMUL_Q8_0_FAMILY avx2x_matmul_q8_0_family
#define MATMUL_K_FAMILY avx2x_matmul_k_family

#define KERNEL(name) avx2_##name
#include "kernels.inc"
#pragma clang attribute pop

const tern_kernel_set tern_kernels_avx2 = {
    "avx2", avx2_quantize_q8_0, avx2_quantize_q8_K, avx2_matmul_rows, avx2_f32_to_f16, avx2_attend_f16, avx2_attend_f32,
};
#endif
