// The NEON variant (AArch64): hand-written dot products for Q8_0, Q5_0, Q4_K and Q6_K
// (dot_neon.inc), the rest of the plain C compiled for NEON by the vectoriser.
#if defined(__aarch64__)
#include <stdint.h>
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"
static inline float neon_h2f(uint16_t h) { __fp16 f; memcpy(&f, &h, 2); return (float)f; }
static inline uint16_t neon_f2h(float x) { __fp16 f = (__fp16)x; uint16_t h; memcpy(&h, &f, 2); return h; }
#define H2F(h) neon_h2f(h)
#define F2H(f) neon_f2h(f)
#define KERNEL(name) neon_##name
#include "dot_neon.inc"
#define DOT_Q8_0 neonx_dot_q8_0
#define DOT_Q5_0 neonx_dot_q5_0
#define DOT_Q4_K neonx_dot_q4_K
#define DOT_Q6_K neonx_dot_q6_K
#include "kernels.inc"

const tern_kernel_set tern_kernels_neon = {
    "neon", neon_quantize_q8_0, neon_quantize_q8_K, neon_matmul_rows, MATMUL_PACKED, neon_f32_to_f16, neon_attend_f16, neon_attend_f32, neon_matmul_f32, neon_gelu_erf,
};
#endif
