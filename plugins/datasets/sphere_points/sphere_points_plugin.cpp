// libthermo-dataset-sphere_points: the toy problem's vectors on the 3-D sphere.
#include "sphere_points_plugin.hpp"

THERMO_PLUGIN(thermo::sphere_points::SpherePointsPlugin)
