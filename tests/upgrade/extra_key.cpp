// Test only: one more config key with a default, as a later depthbias version that added a key would have.
// Linked into depthbias_upgrade_extra_key_tests (with tests/test_sweep_upgrade.cpp), never into the program.
// An extension key of the selected dynamics (gd) appears in every resolved config of the upgrade fixture.
#include "depthbias/core/extra_params.hpp"

namespace {

const bool registered = [] {
    depthbias::register_extra_keys("dynamics.kind", "gd",
                                   {{"dynamics.upgrade_probe", "test only: a key added by a later version", 0.0}});
    return true;
}();

}  // namespace
