#pragma once
// Instruction sets of the hot kernels and their run-time selection. The whole program is
// compiled for a portable baseline (x86-64-v2: SSE4.2 and POPCNT, any x86-64 CPU since 2009);
// the kernels are compiled in addition for AVX2 (x86-64-v3) and AVX-512 (x86-64-v4) and one
// path is chosen at run time, so one binary runs everywhere and fast where it can.
//
// Environment:
//   NNSIM_ISA=generic|avx2|avx512  force a path; unset or empty: the best the CPU supports.
//                                  A path the CPU (or OS) lacks is a UsageError, never SIGILL.
//   NNSIM_CPU_CAPS=generic|avx2|avx512  testing only: pretend the CPU supports at most this
//                                  path (to test the refusal and the fallback on any machine).
// Every path gives bitwise identical results.

#include <string>
#include <vector>

namespace nnsim {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

const char* to_string(Isa isa);

/// The best path this CPU and OS can run (capped by NNSIM_CPU_CAPS); generic on non-x86 builds.
/// AVX-512 requires avx512f, avx512bw, avx512dq, avx512vl and avx512cd with OS support of the
/// zmm state; AVX2 requires all of x86-64-v3 (avx, avx2, fma, bmi1, bmi2, ...).
Isa best_supported_isa();

/// Every path this CPU can run, in increasing order.
std::vector<Isa> supported_isas();

/// The path NNSIM_ISA asks for (the best supported if unset). Throws UsageError naming
/// NNSIM_ISA (or NNSIM_CPU_CAPS) and the allowed values for an invalid value or an unsupported
/// path.
Isa isa_from_environment();

/// The path the kernels use: the last set_active_isa, else isa_from_environment() on first use.
Isa active_isa();

/// Makes `isa` the path of all kernels (tests and benchmarks switch paths this way).
/// Throws UsageError if this CPU cannot run it.
void set_active_isa(Isa isa);

}  // namespace nnsim
