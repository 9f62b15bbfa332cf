// libthermo-dataset-fashion_mnist: Fashion-MNIST, padded to 32x32 by default, 10 classes.
#include "fashion_mnist_plugin.hpp"

THERMO_PLUGIN(thermo::fashion_mnist::FashionMnistPlugin)
