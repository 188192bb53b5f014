// The AVX2 variant (x86-64 with AVX2, FMA and F16C): hand-written dot products for Q8_0, Q5_0,
// Q4_K and Q6_K (dot_x86.inc), TQ1_0 and TQ2_0 (ternary_x86.inc) and packed matrices
// (packed_x86.inc) with vpmaddubsw, the rest of the plain C compiled for 256-bit vectors.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define KERNEL(name) avx2_##name
#define XKERNEL(name) avx2x_##name
#define DOT_U8S8(acc, u, s) ((acc) = _mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1))))
#define VARIANT_NAME "avx2"
#define VARIANT_SET tern_kernels_avx2
#include "x86_variant.inc"
#pragma clang attribute pop
#endif
