// The avx512 kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_KERNEL_LEVEL 2
#define NNSIM_KERNEL_ENTRY avx512_kernels
#include "hopfield/kernels/kernels_body.inc"
