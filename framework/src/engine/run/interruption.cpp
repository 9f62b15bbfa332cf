#include "run/interruption.hpp"

#include <atomic>

namespace thermo::engine {
namespace {

volatile std::sig_atomic_t received_signal = 0;
std::atomic<bool> installed{false};

extern "C" void record_signal(int signal_number) {
  if (received_signal == 0) received_signal = signal_number;
}

}  // namespace

void install_interruption_handlers() {
  if (installed.exchange(true)) return;
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal_number : {SIGTERM, SIGINT, SIGUSR1}) sigaction(signal_number, &action, nullptr);
}

int interruption_signal() {
  return received_signal;
}

void clear_interruption() {
  received_signal = 0;
}

}  // namespace thermo::engine
