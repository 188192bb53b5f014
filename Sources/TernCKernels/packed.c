// The row-interleaved ("packed") form of Q4_0 / Q5_0 / Q8_0 and K-quant matrices, built once at
// load time; every product with a model matrix (decode, prefill, batched decode) reads it.
//
// Rows are taken eight at a time. For each group of eight rows and each block of 32 columns a
// tern_packed_block holds the eight float scales, then the eight rows' 32 quants interleaved four
// at a time: bytes 32k ..< 32k+32 are quants 4k ..< 4k+4 of rows 0, 1, …, 7. One 32-byte load
// thus holds four columns of eight rows, and a dot with four broadcast activation bytes (one
// vpdpbusd) advances eight rows at once. Quants are stored unsigned (q + tern_packed_offset), so
// they are vpdpbusd's unsigned operand and the activations stay signed; the offset times the
// activation block sum is subtracted afterwards, which leaves the exact integer Σ q·a.
//
// K-quants (Q4_K, Q5_K, Q6_K) pack per 256-column super-block (tern_packed_q4_K, _q5_K, _q6_K
// in blocks.h) and keep their bit widths, so a product reads about as many bytes as ggml's own
// blocks: four-bit nibbles interleaved four columns at a time, quant 4k + j in the low nibble and
// quant 128 + 4k + j in the high one (one load and a shift give two sub-blocks' vectors); Q5_K's
// fifth and Q6_K's top two bits in byte planes of the same interleaving; each row's integer
// sub-block scales as bytes so that one eight-byte load holds sub-block s of all eight rows; the
// minimums (Q4_K/Q5_K) in pairs for one vpmaddwd / vpdpwssd per two sub-blocks; the float factors
// as the halves they are in the file.
#include <string.h>
#include "blocks.h"
#include "TernCKernels.h"

int tern_packed_offset(int weight_type) {
    switch (weight_type) {
    case TERN_TYPE_Q4_0: return 8;
    case TERN_TYPE_Q5_0: return 16;
    case TERN_TYPE_Q8_0: return 128;
    default: return -1;
    }
}

static int is_k_quant(int type) {
    return type == TERN_TYPE_Q4_K || type == TERN_TYPE_Q5_K || type == TERN_TYPE_Q6_K;
}

size_t tern_packed_bytes(int weight_type, int64_t rows, int64_t n) {
    const size_t groups = (size_t)((rows + 7) / 8);
    if (is_k_quant(weight_type) && n % TERN_QK_K == 0) return groups * (size_t)(n / TERN_QK_K) * tern_packed_k_bytes(weight_type);
    if (tern_packed_offset(weight_type) < 0 || n % TERN_QK != 0) return 0;
    return groups * (size_t)(n / TERN_QK) * sizeof(tern_packed_block);
}

/// The 32 signed quants and scale of block b of a Q4_0 / Q5_0 / Q8_0 row.
static float block_quants(int type, const void *row, int64_t b, int8_t q[32]) {
    if (type == TERN_TYPE_Q8_0) {
        const tern_block_q8_0 *blk = (const tern_block_q8_0 *)row + b;
        memcpy(q, blk->qs, 32);
        return tern_half_to_float_soft(blk->d);
    }
    if (type == TERN_TYPE_Q5_0) {
        const tern_block_q5_0 *blk = (const tern_block_q5_0 *)row + b;
        uint32_t qh;
        memcpy(&qh, blk->qh, 4);
        for (int j = 0; j < 16; j++) {
            q[j] = (int8_t)(((blk->qs[j] & 15) | (((qh >> j) & 1) << 4)) - 16);
            q[j + 16] = (int8_t)(((blk->qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16);
        }
        return tern_half_to_float_soft(blk->d);
    }
    const tern_block_q4_0 *blk = (const tern_block_q4_0 *)row + b;
    for (int j = 0; j < 16; j++) {
        q[j] = (int8_t)((blk->qs[j] & 15) - 8);
        q[j + 16] = (int8_t)((blk->qs[j] >> 4) - 8);
    }
    return tern_half_to_float_soft(blk->d);
}

/// Super-block b of a K-quant row: its 256 unsigned quants, 16 integer scales per 16 columns,
/// 16 weights of the 16-column activation sums, and the two float factors (see packed.c's top).
static void k_block(int type, const void *row, int64_t b, uint8_t q[256], int sc16[16], int m16[16],
                    float *d, float *dmin) {
    if (type == TERN_TYPE_Q6_K) {
        const tern_block_q6_K *blk = (const tern_block_q6_K *)row + b;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk->ql + 64 * h, *qh = blk->qh + 32 * h;
            uint8_t *o = q + 128 * h;
            for (int l = 0; l < 32; l++) {
                o[l] = (uint8_t)((ql[l] & 15) | ((qh[l] & 3) << 4));
                o[l + 32] = (uint8_t)((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4));
                o[l + 64] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
                o[l + 96] = (uint8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
            }
        }
        for (int g = 0; g < 16; g++) { sc16[g] = blk->scales[g]; m16[g] = 32 * blk->scales[g]; }
        *d = *dmin = tern_half_to_float_soft(blk->d);  // d·sc·(q - 32): a minimum of 32·sc at scale d
        return;
    }
    const tern_block_q4_K *b4 = (const tern_block_q4_K *)row + b;
    const tern_block_q5_K *b5 = (const tern_block_q5_K *)row + b;
    const uint8_t *qs = type == TERN_TYPE_Q4_K ? b4->qs : b5->qs;
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            uint8_t lo = qs[32 * c + l] & 15, hi = qs[32 * c + l] >> 4;
            if (type == TERN_TYPE_Q5_K) {
                lo |= ((b5->qh[l] >> (2 * c)) & 1) << 4;
                hi |= ((b5->qh[l] >> (2 * c + 1)) & 1) << 4;
            }
            q[64 * c + l] = lo;
            q[64 * c + 32 + l] = hi;
        }
    for (int j = 0; j < 8; j++) {
        int sc, m;
        tern_k_scale_min(j, type == TERN_TYPE_Q4_K ? b4->scales : b5->scales, &sc, &m);
        sc16[2 * j] = sc16[2 * j + 1] = sc;
        m16[2 * j] = m16[2 * j + 1] = m;
    }
    *d = tern_half_to_float_soft(type == TERN_TYPE_Q4_K ? b4->d : b5->d);
    *dmin = tern_half_to_float_soft(type == TERN_TYPE_Q4_K ? b4->dmin : b5->dmin);
}

static uint16_t half_bits(float x) { return tern_float_to_half_soft(x); }

/// One row's super-block in the packed form: nibbles, high-bit planes, scales, minimums, factors.
static void pack_k_row(int type, const uint8_t q[256], const int sc16[16], const int m16[16], float d, float dmin,
                       int i, void *block) {
    uint8_t(*nib)[32] = ((tern_packed_q4_K *)block)->q;  // first in all three layouts
    for (int k = 0; k < 32; k++)
        for (int j = 0; j < 4; j++) nib[k][4 * i + j] = (uint8_t)((q[4 * k + j] & 15) | (q[128 + 4 * k + j] & 15) << 4);
    if (type == TERN_TYPE_Q6_K) {
        tern_packed_q6_K *o = block;
        for (int k = 0; k < 16; k++)
            for (int j = 0; j < 4; j++) {
                uint8_t h = 0;
                for (int c = 0; c < 4; c++) h |= (uint8_t)((q[64 * c + 4 * k + j] >> 4) << (2 * c));
                o->qh[k][4 * i + j] = h;
            }
        for (int s = 0; s < 16; s++) o->scales[s][i] = (int8_t)sc16[s];
        o->d[i] = half_bits(d);
        return;
    }
    int8_t(*scales)[8], (*mins)[8][2];
    uint16_t *dd, *dm;
    if (type == TERN_TYPE_Q5_K) {
        tern_packed_q5_K *o = block;
        for (int k = 0; k < 8; k++)
            for (int j = 0; j < 4; j++) {
                uint8_t h = 0;
                for (int s = 0; s < 8; s++) h |= (uint8_t)((q[32 * s + 4 * k + j] >> 4) << s);
                o->qh[k][4 * i + j] = h;
            }
        scales = o->scales, mins = o->mins, dd = o->d, dm = o->dmin;
    } else {
        tern_packed_q4_K *o = block;
        scales = o->scales, mins = o->mins, dd = o->d, dm = o->dmin;
    }
    for (int s = 0; s < 8; s++) {
        scales[s][i] = (int8_t)sc16[2 * s];
        mins[s / 2][i][s % 2] = (int8_t)m16[2 * s];
    }
    dd[i] = half_bits(d);
    dm[i] = half_bits(dmin);
}

static void pack_k_rows(int type, const void *w, size_t w_row_bytes, int64_t rows, int64_t n,
                        int64_t g0, int64_t g1, void *dst) {
    const int64_t nb = n / TERN_QK_K;
    const size_t size = tern_packed_k_bytes(type);
    for (int64_t g = g0; g < g1; g++)
        for (int64_t b = 0; b < nb; b++) {
            void *out = (char *)dst + (size_t)(g * nb + b) * size;
            memset(out, 0, size);
            for (int i = 0; i < 8 && 8 * g + i < rows; i++) {  // padding rows stay all zero
                uint8_t q[256];
                int sc16[16], m16[16];
                float d, dmin;
                k_block(type, (const char *)w + (8 * g + i) * w_row_bytes, b, q, sc16, m16, &d, &dmin);
                pack_k_row(type, q, sc16, m16, d, dmin, i, out);
            }
        }
}

void tern_pack_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t rows, int64_t n,
                    int64_t g0, int64_t g1, void *dst) {
    if (is_k_quant(weight_type)) {
        pack_k_rows(weight_type, w, w_row_bytes, rows, n, g0, g1, dst);
        return;
    }
    const int64_t nb = n / TERN_QK;
    const int off = tern_packed_offset(weight_type);
    for (int64_t g = g0; g < g1; g++) {
        tern_packed_block *out = (tern_packed_block *)dst + g * nb;
        for (int64_t b = 0; b < nb; b++) {
            memset(&out[b], 0, sizeof out[b]);
            for (int i = 0; i < 8; i++) {
                const int64_t r = 8 * g + i;
                int8_t q[32];
                if (r >= rows) {  // padding rows: scale 0, quants that mean 0
                    memset(q, 0, sizeof q);
                    out[b].d[i] = 0;
                } else {
                    out[b].d[i] = block_quants(weight_type, (const char *)w + r * w_row_bytes, b, q);
                }
                for (int k = 0; k < 8; k++)
                    for (int j = 0; j < 4; j++) out[b].q[32 * k + 4 * i + j] = (uint8_t)(q[4 * k + j] + off);
            }
        }
    }
}
