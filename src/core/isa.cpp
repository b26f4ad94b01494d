#include "core/isa.hpp"

#include <atomic>
#include <cstdlib>

#include "core/error.hpp"

namespace nnsim {
namespace {

constexpr const char* kAllowed = "generic, avx2 or avx512";

bool parse_isa(const char* text, Isa& out) {
  const std::string s = text;
  if (s == "generic") out = Isa::kGeneric;
  else if (s == "avx2") out = Isa::kAvx2;
  else if (s == "avx512") out = Isa::kAvx512;
  else return false;
  return true;
}

/// What the hardware and OS support, without the NNSIM_CPU_CAPS cap.
Isa hardware_isa() {
#if defined(NNSIM_X86_KERNELS)
  __builtin_cpu_init();
  // GCC's x86-64-v3/v4 checks include the XGETBV test that the OS saves ymm/zmm state.
  if (__builtin_cpu_supports("x86-64-v4") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("x86-64-v3") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return Isa::kAvx2;
  }
#endif
  return Isa::kGeneric;
}

std::atomic<int> g_active{-1};

}  // namespace

const char* to_string(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kGeneric: break;
  }
  return "generic";
}

Isa best_supported_isa() {
  Isa best = hardware_isa();
  const char* caps = std::getenv("NNSIM_CPU_CAPS");
  if (caps && *caps) {
    Isa cap{};
    if (!parse_isa(caps, cap)) {
      throw UsageError(std::string("NNSIM_CPU_CAPS (testing only) must be ") + kAllowed + ", got '" + caps + "'");
    }
    if (static_cast<int>(cap) < static_cast<int>(best)) best = cap;
  }
  return best;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  const int best = static_cast<int>(best_supported_isa());
  for (int k = 0; k <= best; ++k) out.push_back(static_cast<Isa>(k));
  return out;
}

Isa isa_from_environment() {
  const Isa best = best_supported_isa();
  const char* wanted = std::getenv("NNSIM_ISA");
  if (!wanted || !*wanted) return best;
  Isa isa{};
  if (!parse_isa(wanted, isa)) {
    throw UsageError(std::string("NNSIM_ISA must be ") + kAllowed + " (or unset: the best supported), got '" +
                     wanted + "'");
  }
  if (static_cast<int>(isa) > static_cast<int>(best)) {
    const char* caps = std::getenv("NNSIM_CPU_CAPS");
    const std::string capped = caps && *caps ? std::string(", capped by NNSIM_CPU_CAPS=") + caps : "";
    throw UsageError(std::string("NNSIM_ISA=") + wanted + ": this CPU does not support " + to_string(isa) +
                     " (the best it supports is " + to_string(best) + capped +
                     "); unset NNSIM_ISA to use the best supported instruction set");
  }
  return isa;
}

Isa active_isa() {
  int now = g_active.load(std::memory_order_relaxed);
  if (now < 0) {
    now = static_cast<int>(isa_from_environment());
    g_active.store(now, std::memory_order_relaxed);
  }
  return static_cast<Isa>(now);
}

void set_active_isa(Isa isa) {
  const Isa best = best_supported_isa();
  if (static_cast<int>(isa) > static_cast<int>(best)) {
    throw UsageError(std::string("instruction set ") + to_string(isa) + " is not supported by this CPU (best: " +
                     to_string(best) + ")");
  }
  g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
}

}  // namespace nnsim
