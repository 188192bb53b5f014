// The portable variant: plain C for any CPU, vectorised only as far as the baseline ISA allows.
#define KERNEL(name) generic_##name
#define H2F(h) tern_half_to_float_soft(h)
#define F2H(f) tern_float_to_half_soft(f)
#include "kernels.inc"

const tern_kernel_set tern_kernels_generic = {
    "generic", generic_quantize_q8_0, generic_quantize_q8_K, generic_matmul_rows, MATMUL_PACKED, generic_f32_to_f16, generic_attend_f16, generic_attend_f32, generic_matmul_f32,
    generic_gelu_erf,
};
