// libthermo-dataset-cifar100: CIFAR-100 from its binary files, fine labels (100 classes).
#include "cifar_plugin.hpp"

namespace thermo::cifar {

class Cifar100Plugin final : public CifarPlugin {
 public:
  Cifar100Plugin() : CifarPlugin(cifar100_format()) {}
};

}  // namespace thermo::cifar

THERMO_PLUGIN(thermo::cifar::Cifar100Plugin)
