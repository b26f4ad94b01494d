#pragma once
// Stop requests: SIGTERM (Slurm's time limit, scancel), SIGINT (Ctrl-C), SIGUSR1
// (sbatch --signal=B:USR1@T, forwarded by mpirun) and SIGUSR2 set a flag that the scheduler
// polls. The decision to stop is taken on rank 0 and broadcast to every rank.

#include <csignal>

namespace nnsim {

/// Installs the handlers (idempotent). A second SIGINT/SIGTERM restores the default action,
/// so an impatient second Ctrl-C ends the process at once.
void install_stop_handlers();
/// The signal number received, or 0.
int stop_signal();
/// Clears the flag (tests).
void reset_stop_signal();
const char* signal_name(int signal);

}  // namespace nnsim
