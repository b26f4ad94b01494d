// The generic kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_KERNEL_LEVEL 0
#define NNSIM_KERNEL_ENTRY generic_kernels
#include "hopfield/kernels/kernels_body.inc"
