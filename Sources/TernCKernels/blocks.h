// ggml's block layouts (ggml-common.h), as the kernels read them. Halves are stored as raw bits.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "TernCKernels.h"

#define TERN_QK 32    // elements in a Q4_0 / Q5_0 / Q8_0 block
#define TERN_QK_K 256 // elements in a K-quant super-block

typedef struct { uint16_t d; uint8_t qs[16]; } tern_block_q4_0;                 // 18 bytes
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } tern_block_q5_0;  // 22 bytes
typedef struct { uint16_t d; int8_t qs[32]; } tern_block_q8_0;                  // 34 bytes
typedef struct { uint16_t d, m; uint8_t qs[16]; } tern_block_q4_1;              // 20 bytes
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } tern_block_q5_1; // 24 bytes
typedef struct { uint16_t d, s; int8_t qs[32]; } tern_block_q8_1;               // 36 bytes: s = d·Σqs
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } tern_block_q4_K;              // 144
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } tern_block_q5_K; // 176
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } tern_block_q6_K;     // 210
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } tern_block_q8_K;                       // 292
/// Ternary weights (BitNet b1.58): q ∈ {0, 1, 2} meaning (q - 1)·d. TQ2_0 packs four per byte
/// (element 128j + 32l + m at bits 2l of qs[32j + m]); TQ1_0 five per byte as base-3 digits scaled
/// to 0…255 (qs: elements m + 32n for bytes 0-31, 160 + m + 16n for 32-47; qh: 240 + j + 4n).
typedef struct { uint8_t qs[48]; uint8_t qh[4]; uint16_t d; } tern_block_tq1_0;                     // 54
typedef struct { uint8_t qs[64]; uint16_t d; } tern_block_tq2_0;                                      // 66

/// Eight rows × 32 columns of a packed matrix (packed.c): row scales, then quants + offset with
/// q[32k + 4i + j] = quant 4k + j of row i.
typedef struct { float d[8]; uint8_t q[256]; } tern_packed_block;                                   // 288

/// Eight rows × 256 columns of a packed Q4_K matrix (packed.c). Quants stay four bits: byte
/// [k][4i + j] holds quant 4k + j of row i in its low nibble and quant 128 + 4k + j in its high one.
typedef struct {
    uint8_t q[32][32];
    int8_t scales[8][8];    // [s][i]: integer scale of sub-block s (32 columns) of row i
    int8_t mins[4][8][2];   // [p][i][h]: integer minimum of sub-block 2p + h of row i
    uint16_t d[8], dmin[8]; // per row, as halves: the block scale and the factor of its minimums
} tern_packed_q4_K;                                                                                  // 1184

/// Q5_K: Q4_K's layout plus the fifth bits, bit s of byte [k][4i + j] for quant 32s + 4k + j.
typedef struct {
    uint8_t q[32][32];
    uint8_t qh[8][32];
    int8_t scales[8][8];
    int8_t mins[4][8][2];
    uint16_t d[8], dmin[8];
} tern_packed_q5_K;                                                                                  // 1440

/// Q6_K: the low four bits as Q4_K's, the top two of quant 64c + 4k + j at bits 2c, 2c + 1 of
/// byte [k][4i + j]; quants are stored plus 32 (unsigned), so the minimum of 16-column sub-block
/// s is 32 times its scale.
typedef struct {
    uint8_t q[32][32];
    uint8_t qh[16][32];
    int8_t scales[16][8];   // [s][i]: integer scale of sub-block s (16 columns) of row i
    uint16_t d[8];
} tern_packed_q6_K;                                                                                  // 1680

_Static_assert(sizeof(tern_packed_q4_K) == 1184, "packed Q4_K block");
_Static_assert(sizeof(tern_packed_q5_K) == 1440, "packed Q5_K block");
_Static_assert(sizeof(tern_packed_q6_K) == 1680, "packed Q6_K block");

/// Bytes of one packed K-quant block (eight rows × 256 columns) of the given type.
static inline size_t tern_packed_k_bytes(int type) {
    return type == TERN_TYPE_Q6_K ? sizeof(tern_packed_q6_K) : type == TERN_TYPE_Q5_K ? sizeof(tern_packed_q5_K)
                                                                                     : sizeof(tern_packed_q4_K);
}
_Static_assert(sizeof(tern_block_q4_0) == 18, "Q4_0 block");
_Static_assert(sizeof(tern_block_q5_0) == 22, "Q5_0 block");
_Static_assert(sizeof(tern_block_q8_0) == 34, "Q8_0 block");
_Static_assert(sizeof(tern_block_q4_K) == 144, "Q4_K block");
_Static_assert(sizeof(tern_block_q5_K) == 176, "Q5_K block");
_Static_assert(sizeof(tern_block_q6_K) == 210, "Q6_K block");
_Static_assert(sizeof(tern_block_q8_K) == 292, "Q8_K block");
_Static_assert(sizeof(tern_block_tq1_0) == 54, "TQ1_0 block");
_Static_assert(sizeof(tern_block_tq2_0) == 66, "TQ2_0 block");

/// Trit n (0-4, most significant first) of a TQ1_0 byte: multiply by 3^n (mod 256), then the top
/// "digit" of the scaled byte times 3.
static inline int tern_trit(uint8_t byte, int n) {
    static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
    const uint8_t q = (uint8_t)(byte * pow3[n]);
    return ((uint16_t)q * 3) >> 8;
}

/// Eight floats as one value: clang lowers arithmetic on it to the variant's vector instructions.
typedef float tern_f32x8 __attribute__((ext_vector_type(8)));

/// One compiled variant of the kernels.
typedef struct {
    const char *name;
    void (*quantize_q8_0)(const float *x, void *dst, int64_t n);
    void (*quantize_q8_K)(const float *x, void *dst, int64_t n);
    void (*matmul_rows)(int weight_type, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                        const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                        float *out, int64_t out_stride);
    void (*matmul_packed)(int weight_type, const void *packed, int64_t rows, int64_t g0, int64_t g1,
                          const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                          float *out, int64_t out_stride);
    void (*f32_to_f16)(const float *x, uint16_t *y, int64_t n);
    void (*attend_f16)(const float *q, int64_t heads, const uint16_t *k, const uint16_t *v,
                       const uint16_t *ks, const uint16_t *vs, int64_t shared, int64_t stride,
                       int64_t first, int64_t last, int64_t d, const float *slopes, float *out);
    void (*attend_f32)(const float *q, int64_t heads, const float *k, const float *v,
                       const float *ks, const float *vs, int64_t shared, int64_t stride,
                       int64_t first, int64_t last, int64_t d, const float *slopes, float *out);
    void (*matmul_f32)(const float *panels, int64_t rows, int64_t p0, int64_t p1, int64_t cols, const float *x,
                       int64_t tokens, float *out, int64_t out_stride);
    void (*gelu_erf)(float *x, int64_t n);
} tern_kernel_set;

extern const tern_kernel_set tern_kernels_generic;
#if defined(__x86_64__)
extern const tern_kernel_set tern_kernels_avx2;
extern const tern_kernel_set tern_kernels_vnni;
#endif
#if defined(__aarch64__)
extern const tern_kernel_set tern_kernels_neon;
#endif

/// Scale and minimum j (of 8) of a Q4_K / Q5_K block, from their 12 bytes of packed 6-bit values.
static inline void tern_k_scale_min(int j, const uint8_t *restrict s, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/// IEEE half bits to float, in plain C (the vectorised variants use the hardware instruction).
static inline float tern_half_to_float_soft(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    union { uint32_t u; float f; } v;
    if (exp == 0) {                       // zero or subnormal: man · 2^-24
        v.f = (float)man * 0x1p-24f;
        v.u |= sign;
    } else if (exp == 31) {               // infinity or NaN
        v.u = sign | 0x7f800000u | (man << 13);
    } else {
        v.u = sign | ((exp + 112) << 23) | (man << 13);
    }
    return v.f;
}

/// Float to IEEE half bits, rounding to nearest even, in plain C.
static inline uint16_t tern_float_to_half_soft(float f) {
    union { float f; uint32_t u; } v = { f };
    const uint16_t sign = (uint16_t)((v.u >> 16) & 0x8000);
    const uint32_t x = v.u & 0x7fffffffu;
    if (x >= 0x7f800000u) return sign | 0x7c00 | (x > 0x7f800000u ? 0x200 : 0);  // inf, NaN
    if (x >= 0x47800000u) return sign | 0x7c00;                                   // ≥ 65536 overflows
    if (x < 0x38800000u) {                                                        // below 2^-14: subnormal
        if (x < 0x33000000u) return sign;                                         // below 2^-25: zero
        const uint32_t m = (x & 0x7fffff) | 0x800000, shift = 126 - (x >> 23);
        uint32_t r = m >> shift;
        const uint32_t rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rest > half || (rest == half && (r & 1))) r++;
        return sign | (uint16_t)r;
    }
    uint32_t r = (x >> 13) - (112u << 10);  // rebias the exponent from 127 to 15
    const uint32_t rest = x & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (r & 1))) r++;  // a carry rounds up into the exponent
    return sign | (uint16_t)r;
}
