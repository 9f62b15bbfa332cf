// libthermo-dataset-synthetic: random N(0,1) data with uniform labels, for tests and benchmarks.
#include "synthetic_plugin.hpp"

THERMO_PLUGIN(thermo::synthetic::SyntheticPlugin)
