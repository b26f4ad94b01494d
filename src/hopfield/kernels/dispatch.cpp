#include "hopfield/kernels/dispatch.hpp"

namespace nnsim::hopfield::kernels {

const KernelTable& kernels_for(Isa isa) {
#if defined(NNSIM_X86_KERNELS)
  if (isa == Isa::kAvx512) return *avx512_kernels();
  if (isa == Isa::kAvx2) return *avx2_kernels();
#else
  (void)isa;
#endif
  return *generic_kernels();
}

const KernelTable& active_kernels() { return kernels_for(active_isa()); }

}  // namespace nnsim::hopfield::kernels
