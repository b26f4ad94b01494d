// The generic SGD kernels (kernels.hpp); compiled with the flags of this instruction set (src/CMakeLists.txt).
#define NNSIM_SGD_KERNEL_LEVEL 0
#define NNSIM_SGD_KERNEL_NS isa_generic
#define NNSIM_SGD_EIGEN_NS nnsim_sgd_eigen_generic
#define NNSIM_SGD_KERNEL_ENTRY generic_kernels
#define NNSIM_SGD_KERNEL_NAME "generic"
#include "sgd/kernels/kernels_body.inc"
