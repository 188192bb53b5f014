// Integer dot-product kernels for ggml's quantized weight formats.
//
// A matrix product with quantized weights first quantizes its float activations once per row
// (to Q8_0 blocks of 32, or Q8_K blocks of 256 with 16-element sums), then dots every weight
// row against them in integer arithmetic, applying the float block scales outside the integer
// sums. That is ggml's arithmetic, so results agree with llama.cpp to float rounding.
//
// The kernels are written once (kernels.inc) and compiled per instruction set; the first call
// picks the best one the CPU supports (see tern_kernel_isa).
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ggml type numbers of the weight formats these kernels dot.
enum {
    TERN_TYPE_Q4_0 = 2, TERN_TYPE_Q4_1 = 3, TERN_TYPE_Q5_0 = 6, TERN_TYPE_Q5_1 = 7, TERN_TYPE_Q8_0 = 8, TERN_TYPE_Q8_1 = 9,
    TERN_TYPE_Q4_K = 12, TERN_TYPE_Q5_K = 13, TERN_TYPE_Q6_K = 14, TERN_TYPE_Q8_K = 15,
    TERN_TYPE_TQ1_0 = 34, TERN_TYPE_TQ2_0 = 35,
};

/// The activation format (TERN_TYPE_Q8_0, TERN_TYPE_Q8_1 or TERN_TYPE_Q8_K) that rows of `weight_type` are
/// dotted with, or -1 when the weight type has no integer kernel.
int tern_activation_type(int weight_type);

/// Bytes of one row of `n` activations quantized for `weight_type` (n a multiple of its block).
size_t tern_activation_row_bytes(int weight_type, int64_t n);

/// Quantizes `n` floats into the activation format for `weight_type`.
void tern_quantize_activations(int weight_type, const float *x, void *dst, int64_t n);

/// out[t * out_stride + r] = Σ_i w[r][i] · a[t][i] for weight rows r in [r0, r1) and activation
/// rows t in [0, tokens). Rows of w are `w_row_bytes` apart and rows of a `a_row_bytes` apart.
void tern_matmul_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                      const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                      float *out, int64_t out_stride);

/// The row-interleaved form of a Q4_0 / Q5_0 / Q8_0 / Q4_K / Q5_K / Q6_K matrix (layouts in
/// packed.c): groups of eight rows whose quants are interleaved four columns at a time, so one
/// vector load covers eight rows. Model weights are packed at load time.
///
/// Bytes of the packed form of a rows × n matrix, or 0 when `weight_type` has none.
size_t tern_packed_bytes(int weight_type, int64_t rows, int64_t n);
/// The constant added to Q4_0 / Q5_0 / Q8_0 quants to store them unsigned; -1 for other types.
int tern_packed_offset(int weight_type);
/// Packs the row groups g0 ..< g1 (rows 8·g0 ..< 8·g1, rows past `rows` padded with zeros) of w into
/// dst, which holds tern_packed_bytes(weight_type, rows, n) bytes.
void tern_pack_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t rows, int64_t n,
                    int64_t g0, int64_t g1, void *dst);
/// tern_matmul_rows for a packed matrix: out[t * out_stride + r] for the rows r < `rows` of the
/// row groups g0 ..< g1 and every activation row t (Q8_0, or Q8_K for K-quants, `a_row_bytes` apart).
void tern_matmul_packed(int weight_type, const void *packed, int64_t rows, int64_t g0, int64_t g1,
                        const void *a, size_t a_row_bytes, int64_t tokens, int64_t n,
                        float *out, int64_t out_stride);

/// Quantizes `rows` rows of n floats (n a multiple of the type's block) to Q8_0, Q4_0, Q5_0, Q4_1,
/// Q5_1, Q4_K, Q5_K, Q6_K, TQ1_0 or TQ2_0 blocks in dst, exactly as ggml's reference quantizers do (quantize.c).
/// Returns 0, writing nothing, for any other type.
int tern_quantize_rows(int type, const float *x, void *dst, int64_t rows, int64_t n);

/// Converts n floats to IEEE half bits, rounding to nearest even.
void tern_f32_to_f16(const float *x, uint16_t *y, int64_t n);

/// Attention of `heads` query heads (q: heads × d floats) that share one KV head, over its key and
/// value rows first...last of an F16 cache (rows `stride` halves apart): out (heads × d) =
/// softmax(q·kⱼ)·V per head, in one pass with a running maximum, summing in float. Each cache row
/// is converted once for all heads. d is a multiple of 8. Rows below `shared` are read from
/// ks/vs instead (a forked sequence's prompt, held once for all forks; both row ranges are indexed
/// by position), so the result is the same as if one cache held every row. With `slopes` (one per
/// head, or NULL), head h's score for position j gets slopes[h]·(j − last) added (ALiBi).
void tern_attend_f16(const float *q, int64_t heads, const uint16_t *k, const uint16_t *v,
                     const uint16_t *ks, const uint16_t *vs, int64_t shared, int64_t stride,
                     int64_t first, int64_t last, int64_t d, const float *slopes, float *out);

/// The same over a float cache.
void tern_attend_f32(const float *q, int64_t heads, const float *k, const float *v,
                     const float *ks, const float *vs, int64_t shared, int64_t stride,
                     int64_t first, int64_t last, int64_t d, const float *slopes, float *out);

/// Lays out a float matrix (rows × cols, row-major) in panels of 16 rows, column by column:
/// panels[(p·cols + c)·16 + i] = w[16p + i][c] (zero past the last row). Room: ⌈rows/16⌉·16·cols.
void tern_pack_f32(const float *w, int64_t rows, int64_t cols, float *panels);

/// out[t·out_stride + r] = Σ_c w[r][c]·x[t·cols + c] for the rows of panels p0..<p1 of a matrix
/// packed by tern_pack_f32, and every token (float weights times float activations).
void tern_matmul_f32(const float *panels, int64_t rows, int64_t p0, int64_t p1, int64_t cols, const float *x,
                     int64_t tokens, float *out, int64_t out_stride);

/// x = 0.5·x·(1 + erf(x/√2)) in place (BERT's GELU), within 3e-7 of the libm form relative to
/// max(|x|, 1): erf by Abramowitz and Stegun 7.1.26 (|error| ≤ 1.5e-7) over a polynomial exp, so
/// the loop has no calls or branches and vectorises.
void tern_gelu_erf(float *x, int64_t n);

/// A persistent pool of worker threads (pool.c).
typedef struct tern_pool tern_pool;
/// Runs chunk `part` of the `parts` chunks of a job.
typedef void (*tern_pool_task)(void *context, int part, int parts);
/// `threads` counts the calling thread, so threads - 1 workers are started.
tern_pool *tern_pool_create(int threads);
void tern_pool_destroy(tern_pool *pool);
/// Runs task(context, p, parts) for every p < parts, the calling thread and the workers taking
/// chunks in turn until none are left, and returns when all are done. Jobs from several threads
/// are taken one at a time.
void tern_pool_run(tern_pool *pool, tern_pool_task task, void *context, int parts);

/// Keeps freed memory of any size in the process's heap for reuse (glibc: no munmap of large
/// blocks, no trimming), so that a loop allocating the same large buffers again and again does not
/// fault in and clear fresh pages each time (training steps). Does nothing on other C libraries.
void tern_keep_freed_memory(void);

/// The instruction set the dispatcher chose: "avx512vnni", "avx2", or "generic".
const char *tern_kernel_isa(void);

/// Switches to the variant named `isa` ("generic", "avx2", "avx512vnni") if this CPU runs it; returns 1 if it
/// did, 0 if not. For tests that compare the variants; not for use while kernels run.
int tern_select_kernels(const char *isa);

#ifdef __cplusplus
}
#endif
