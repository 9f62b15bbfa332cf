// Writes a run state shaped like a trainer's (iteration, sampler generator and permutation, model
// parameters and running statistics, optimizer, an estimator queue, recorder rows) with
// StateArchive::save, in whatever format save() writes today: the state fuzzer's seed stays a
// valid file when the format changes. Usage: state_seed_writer FILE
#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: state_seed_writer FILE\n");
    return 2;
  }
  try {
    thermo::Rng rng(7, "train");
    (void)rng.normal();  // leaves a spare normal in the state
    thermo::StateArchive archive;
    archive.put_i64("trainer.iteration", 400);
    archive.put_rng("sampler.rng", rng);
    archive.put_vector<std::int64_t>("sampler.permutation", std::vector<std::int64_t>{3, 0, 2, 1});
    archive.put_vector<float>("model.parameters", std::vector<float>{0.5F, -0.25F, 0.125F, 1.0F, -2.0F, 0.0F});
    archive.put_vector<float>("model.running_mean", std::vector<float>{0.1F, 0.2F});
    archive.put_f64("optimizer.radius", 1.0);
    archive.put_vector<double>("estimators.1.queue", std::vector<double>{1.0, 2.0, 3.0, 4.0});
    archive.put_u64("estimators.1.queue_size", 2);
    archive.put_string("recorder.rows", "iter,train_loss\n100,2.30\n200,2.10\n");
    archive.save(argv[1]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "state_seed_writer: %s\n", error.what());
    return 1;
  }
  return 0;
}
