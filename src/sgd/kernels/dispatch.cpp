#include "core/isa.hpp"
#include "sgd/kernels/kernels.hpp"

namespace nnsim::sgd::kernels {

const KernelTable& active_kernels() {
#if defined(NNSIM_X86_KERNELS)
  switch (active_isa()) {
    case Isa::kAvx512:
      return *avx512_kernels();
    case Isa::kAvx2:
      return *avx2_kernels();
    case Isa::kGeneric:
      break;
  }
#endif
  return *generic_kernels();
}

}  // namespace nnsim::sgd::kernels
