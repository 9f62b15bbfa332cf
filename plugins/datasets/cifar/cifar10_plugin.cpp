// libthermo-dataset-cifar10: CIFAR-10 from its binary batches, 10 classes.
#include "cifar_plugin.hpp"

namespace thermo::cifar {

class Cifar10Plugin final : public CifarPlugin {
 public:
  Cifar10Plugin() : CifarPlugin(cifar10_format()) {}
};

}  // namespace thermo::cifar

THERMO_PLUGIN(thermo::cifar::Cifar10Plugin)
