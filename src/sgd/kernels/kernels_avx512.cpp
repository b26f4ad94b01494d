// The avx512 SGD kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_SGD_KERNEL_LEVEL 2
#define NNSIM_SGD_KERNEL_NS isa_avx512
#define NNSIM_SGD_EIGEN_NS nnsim_sgd_eigen_avx512
#define NNSIM_SGD_KERNEL_ENTRY avx512_kernels
#define NNSIM_SGD_KERNEL_NAME "avx512"
#include "sgd/kernels/kernels_body.inc"
