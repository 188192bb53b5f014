// The AVX2 variant (x86-64 with AVX2, FMA and F16C): the same C, compiled for 256-bit vectors.
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define KERNEL(name) avx2_##name
#include <string.h>
// Conversions through _Float16, which the vectoriser turns into vcvtph2ps / vcvtps2ph.
static inline float avx2_h2f(uint16_t h) { _Float16 f; memcpy(&f, &h, 2); return (float)f; }
static inline uint16_t avx2_f2h(float x) { _Float16 f = (_Float16)x; uint16_t h; memcpy(&h, &f, 2); return h; }
#define H2F(h) avx2_h2f(h)
#define F2H(f) avx2_f2h(f)
#include "kernels.inc"
#pragma clang attribute pop

const tern_kernel_set tern_kernels_avx2 = {
    "avx2", avx2_quantize_q8_0, avx2_quantize_q8_K, avx2_matmul_rows, avx2_f32_to_f16, avx2_attend_f16, avx2_attend_f32,
};
#endif
