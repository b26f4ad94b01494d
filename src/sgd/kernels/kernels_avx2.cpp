// The avx2 SGD kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_SGD_KERNEL_LEVEL 1
#define NNSIM_SGD_KERNEL_NS isa_avx2
#define NNSIM_SGD_EIGEN_NS nnsim_sgd_eigen_avx2
#define NNSIM_SGD_KERNEL_ENTRY avx2_kernels
#define NNSIM_SGD_KERNEL_NAME "avx2"
#include "sgd/kernels/kernels_body.inc"
