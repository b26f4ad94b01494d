#pragma once
// The kernel table of an instruction set (compiled at the baseline; see kernels.hpp).

#include "core/isa.hpp"
#include "hopfield/kernels/kernels.hpp"

namespace nnsim::hopfield::kernels {

/// The table of `isa`; the generic one on builds without that path (non-x86).
const KernelTable& kernels_for(Isa isa);

/// The table of active_isa().
const KernelTable& active_kernels();

}  // namespace nnsim::hopfield::kernels
