#pragma once
// SIGTERM, SIGINT and SIGUSR1 ask a run to write its resume state and stop at the next step
// boundary (a log step in progress finishes first). The handlers only record the signal; the
// training loop and the sweep's wait loop look at it. SIGUSR1 is Slurm's preemption warning
// (`--signal=B:USR1@300`): the run stops so that its job can be requeued.

#include <csignal>

namespace thermo::engine {

// Installs the handlers (idempotent). Until then a signal keeps its default action.
void install_interruption_handlers();

// The first signal received since the handlers were installed, or 0.
[[nodiscard]] int interruption_signal();

// For tests: forget a received signal.
void clear_interruption();

}  // namespace thermo::engine
