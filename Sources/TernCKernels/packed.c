// The row-interleaved ("packed") form of Q4_0 / Q5_0 / Q8_0 matrices, built once at load time for
// the matrices that prefill and batched decode multiply by many tokens at once.
//
// Rows are taken eight at a time. For each group of eight rows and each block of 32 columns a
// tern_packed_block holds the eight float scales, then the eight rows' 32 quants interleaved four
// at a time: bytes 32k ..< 32k+32 are quants 4k ..< 4k+4 of rows 0, 1, …, 7. One 32-byte load
// thus holds four columns of eight rows, and a dot with four broadcast activation bytes (one
// vpdpbusd) advances eight rows at once. Quants are stored unsigned (q + tern_packed_offset), so
// they are vpdpbusd's unsigned operand and the activations stay signed; the offset times the
// activation block sum is subtracted afterwards, which leaves the exact integer Σ q·a.
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

size_t tern_packed_bytes(int weight_type, int64_t rows, int64_t n) {
    if (tern_packed_offset(weight_type) < 0 || n % TERN_QK != 0) return 0;
    return (size_t)((rows + 7) / 8) * (size_t)(n / TERN_QK) * sizeof(tern_packed_block);
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

void tern_pack_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t rows, int64_t n,
                    int64_t g0, int64_t g1, void *dst) {
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
