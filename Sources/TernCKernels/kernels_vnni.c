// The AVX-512 VNNI variant (x86-64 with AVX-512 F/BW/VL and VNNI): hand-written dot products for Q8_0, Q5_0,
// Q4_K and Q6_K with vpdpbusd (dot_x86.inc); the rest as in the AVX2 variant.
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
// Conversions through _Float16, which the vectoriser turns into vcvtph2ps / vcvtps2ph.
static inline float vnni_h2f(uint16_t h) { _Float16 f; memcpy(&f, &h, 2); return (float)f; }
static inline uint16_t vnni_f2h(float x) { _Float16 f = (_Float16)x; uint16_t h; memcpy(&h, &f, 2); return h; }
#define H2F(h) vnni_h2f(h)
#define F2H(f) vnni_f2h(f)

#define XKERNEL(name) vnnix_##name
#define TERN_VNNI 1
#define DOT_U8S8(acc, u, s) ((acc) = _mm256_dpbusd_epi32((acc), (u), (s)))
#include "dot_x86.inc"
#define DOT_Q8_0 vnnix_dot_q8_0
#define DOT_Q5_0 vnnix_dot_q5_0
#define DOT_Q4_K vnnix_dot_q4_K
#define DOT_Q6_K vnnix_dot_q6_K
#define MATMUL_Q8_0_FAMILY vnnix_matmul_q8_0_family
#define MATMUL_K_FAMILY vnnix_matmul_k_family

#define KERNEL(name) vnni_##name
#include "kernels.inc"
#pragma clang attribute pop

const tern_kernel_set tern_kernels_vnni = {
    "avx512vnni", vnni_quantize_q8_0, vnni_quantize_q8_K, vnni_matmul_rows, vnni_f32_to_f16, vnni_attend_f16, vnni_attend_f32,
};
#endif
