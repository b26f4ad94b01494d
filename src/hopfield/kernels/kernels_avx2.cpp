// The avx2 kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_KERNEL_LEVEL 1
#define NNSIM_KERNEL_ENTRY avx2_kernels
#include "hopfield/kernels/kernels_body.inc"
