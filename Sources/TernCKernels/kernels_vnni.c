// The AVX-512 VNNI variant (AVX-512 F/BW/VL and VNNI, 256-bit vectors): the AVX2 kernels with
// vpdpbusd / vpdpwssd for the byte and 16-bit pair dots, and 32 registers for 8-token tiles.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define KERNEL(name) vnni_##name
#define XKERNEL(name) vnnix_##name
#define TERN_VNNI 1
#define DOT_U8S8(acc, u, s) ((acc) = _mm256_dpbusd_epi32((acc), (u), (s)))
#define VARIANT_NAME "avx512vnni"
#define VARIANT_SET tern_kernels_vnni
#include "x86_variant.inc"
#pragma clang attribute pop
#endif
