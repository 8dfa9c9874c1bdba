# The GoogleTest suites, one executable per ctest label:
#   unit         tests/test_*.cpp              fast, in-process
#   integration  tests/integration/test_*.cpp  run the depthbias binary, reproduce presets, sweeps
#   deepnets     tests/deepnets/test_*.cpp     the LibTorch module (built with Torch only)
#   long         tests/long/long_*.cpp         full-size reproductions: `cmake --build build --target check-long`
# scripts/test.sh runs everything but `long` (ctest -LE long). New files matching the globs are picked up.
# Shared helpers (CLI runner, temporary directories) are the static library tests/support/.
# Measured costs and the reasons for the settings below: docs/BUILD.md.

enable_testing()
find_package(GTest REQUIRED)
include(GoogleTest)

# In Release builds the tests' own code is compiled with -O1 (it checks results; the engine it calls stays -O3/-march=native in
# the engine archive): -O3 costs about twice the CPU on the test files for no benefit (docs/BUILD.md).
set(DEPTHBIAS_TEST_OPTIMIZE "-O1" CACHE STRING "Optimization flag for the test files (empty: the build type's)")
option(DEPTHBIAS_TEST_UNITY_BUILD "Compile the test files listed in depthbias_unity_group() as unity translation units" ON)

file(GLOB DEPTHBIAS_TEST_SUPPORT_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/support/*.cpp)
add_library(depthbias_test_support STATIC ${DEPTHBIAS_TEST_SUPPORT_SOURCES})
target_include_directories(depthbias_test_support PUBLIC ${CMAKE_SOURCE_DIR}/tests)
target_compile_options(depthbias_test_support PRIVATE $<$<CONFIG:Release>:${DEPTHBIAS_TEST_OPTIMIZE}>)
target_compile_definitions(depthbias_test_support PRIVATE DEPTHBIAS_BINARY="$<TARGET_FILE:depthbias>")

# depthbias_test_executable(<target> LABEL <label> [RUNS_BINARY] [DISCOVERY_TIMEOUT <s>] [COST <c>]
#                           SOURCES <files...> LIBRARIES <libs...>)
# RUNS_BINARY: the tests run the depthbias binary, so it is built first.
# COST: ctest starts tests of higher cost first; on a fresh build (no timing history yet) this puts the slow
# suites at the start of `ctest -j` instead of leaving one of them running alone at the end.
function(depthbias_test_executable target)
  cmake_parse_arguments(T "RUNS_BINARY" "LABEL;DISCOVERY_TIMEOUT;COST" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT T_COST)
    set(T_COST 0)
  endif()
  if(NOT T_DISCOVERY_TIMEOUT)
    set(T_DISCOVERY_TIMEOUT 60)
  endif()
  add_executable(${target} ${T_SOURCES})
  target_link_libraries(${target} PRIVATE ${T_LIBRARIES} depthbias_test_support GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE DEPTHBIAS_BINARY="$<TARGET_FILE:depthbias>"
                             DEPTHBIAS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:${DEPTHBIAS_TEST_OPTIMIZE}>)
  if(T_RUNS_BINARY)
    add_dependencies(${target} depthbias)
  endif()
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT ${T_DISCOVERY_TIMEOUT}
                       PROPERTIES LABELS ${T_LABEL} COST ${T_COST})
endfunction()

# Unity groups: the files of one group are compiled as one translation unit (gtest, Eigen, json and the engine
# headers parsed and their templates instantiated once per group instead of once per file). Test files keep
# their helpers in anonymous namespaces under short names (fresh_dir, parse, run, error_key, ...), so files
# that define the same name go to different groups. A file in no group (e.g. a new one) is compiled on its
# own, so adding a test file never breaks the build; add it to a group when it compiles there.
# depthbias_unity_group(<target> <group> <files relative to tests/...>)
function(depthbias_unity_group target group)
  if(NOT DEPTHBIAS_TEST_UNITY_BUILD OR NOT TARGET ${target})
    return()
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  foreach(f ${ARGN})
    set_source_files_properties(${CMAKE_SOURCE_DIR}/tests/${f} PROPERTIES UNITY_GROUP ${target}_${group})
  endforeach()
endfunction()

file(GLOB DEPTHBIAS_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/test_*.cpp)
depthbias_test_executable(depthbias_unit_tests LABEL unit SOURCES ${DEPTHBIAS_UNIT_TESTS}
                          LIBRARIES depthbias_engine Boost::headers)

# The upgrade test again, in a build with one more config key (tests/upgrade/extra_key.cpp): a later version.
depthbias_test_executable(depthbias_upgrade_extra_key_tests LABEL unit
                          SOURCES ${CMAKE_SOURCE_DIR}/tests/test_sweep_upgrade.cpp ${CMAKE_SOURCE_DIR}/tests/upgrade/extra_key.cpp
                          LIBRARIES depthbias_engine)
target_compile_definitions(depthbias_upgrade_extra_key_tests PRIVATE DEPTHBIAS_UPGRADE_EXTRA_KEY=1)

file(GLOB DEPTHBIAS_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/test_*.cpp)
depthbias_test_executable(depthbias_integration_tests LABEL integration RUNS_BINARY COST 10 SOURCES ${DEPTHBIAS_INTEGRATION_TESTS}
                          LIBRARIES depthbias_engine SQLite::SQLite3)

# The input fuzzers with a larger corpus (docs/RELIABILITY.md): `ctest -L long -R FuzzInputsLargeCorpus`.
add_test(NAME FuzzInputsLargeCorpus COMMAND depthbias_integration_tests --gtest_filter=FuzzInputs.*)
set_tests_properties(FuzzInputsLargeCorpus PROPERTIES LABELS long ENVIRONMENT DEPTHBIAS_FUZZ_CASES=1000 TIMEOUT 7200)

file(GLOB DEPTHBIAS_DEEPNETS_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/deepnets/test_*.cpp)
if(DEPTHBIAS_HAVE_TORCH AND DEPTHBIAS_DEEPNETS_TESTS)
  depthbias_test_executable(depthbias_deepnets_tests LABEL deepnets RUNS_BINARY DISCOVERY_TIMEOUT 120 COST 5
                            SOURCES ${DEPTHBIAS_DEEPNETS_TESTS}
                            # whole: the claim checks' registrars (deepnets/claim_checks*.cpp) are referenced by nothing
                            LIBRARIES "$<LINK_LIBRARY:WHOLE_ARCHIVE,depthbias_deepnets>" ZLIB::ZLIB)
endif()

depthbias_unity_group(depthbias_unit_tests a test_config.cpp test_dynamics.cpp test_gradients.cpp
                      test_kernel_rich.cpp test_observers.cpp test_references.cpp)
depthbias_unity_group(depthbias_unit_tests b test_sweep_spec.cpp test_sweep_store.cpp test_toy_theory.cpp)
depthbias_unity_group(depthbias_integration_tests a integration/test_cli.cpp integration/test_reproduction.cpp)
depthbias_unity_group(depthbias_deepnets_tests a deepnets/test_collapse_metrics.cpp deepnets/test_dataset.cpp)

# Full-size reproductions (minutes): `cmake --build build --target check-long` / `ctest -L long`. Not part of
# the default build (scripts/test.sh does not run them): the tests are registered from the sources
# (gtest_add_tests scans TEST(...) at configure time), so ctest knows them before the executable exists.
file(GLOB DEPTHBIAS_LONG_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/long/long_*.cpp)
if(DEPTHBIAS_LONG_TESTS)
  add_executable(depthbias_long_tests EXCLUDE_FROM_ALL ${DEPTHBIAS_LONG_TESTS})
  target_link_libraries(depthbias_long_tests PRIVATE depthbias_engine depthbias_test_support GTest::gtest_main)
  gtest_add_tests(TARGET depthbias_long_tests SOURCES ${DEPTHBIAS_LONG_TESTS} TEST_LIST _long_tests)
  set_tests_properties(${_long_tests} PROPERTIES LABELS long)
  add_custom_target(check-long COMMAND ${CMAKE_CTEST_COMMAND} -L long --output-on-failure
                    DEPENDS depthbias_long_tests depthbias WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
endif()

# The Python package (label `python`): pytest on python/tests against the build tree's package and binary.
if(DEPTHBIAS_HAVE_PYTHON)
  add_test(NAME python.pytest
           COMMAND ${PYTHON_EXECUTABLE} -m pytest -q -p no:cacheprovider ${CMAKE_SOURCE_DIR}/python/tests)
  set_tests_properties(python.pytest PROPERTIES LABELS python COST 20
                       ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;DEPTHBIAS_BINARY=$<TARGET_FILE:depthbias>")
  # The example notebooks (examples/*.ipynb), executed headless by nbclient + ipykernel with a kernel spec for
  # /usr/bin/python3 written to a temporary directory (python/run_notebook.py); a failing cell fails the test.
  file(GLOB _depthbias_notebooks CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/examples/*.ipynb)
  foreach(nb ${_depthbias_notebooks})
    get_filename_component(_nb ${nb} NAME_WE)
    add_test(NAME python.notebook.${_nb}
             COMMAND ${PYTHON_EXECUTABLE} ${CMAKE_SOURCE_DIR}/python/run_notebook.py ${nb} --timeout 300)
    set_tests_properties(python.notebook.${_nb} PROPERTIES LABELS python COST 10 ENVIRONMENT
                         "PYTHONPATH=${CMAKE_BINARY_DIR}/python;DEPTHBIAS_BINARY=$<TARGET_FILE:depthbias>")
  endforeach()
endif()

# The installed CMake package (cmake/DepthbiasPackage.cmake) builds a program of one's own (examples/cmake_consumer).
add_test(NAME Package.ConsumerBuildsAgainstTheInstalledPackage
         COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
                 -DWORK=${CMAKE_BINARY_DIR}/package-test -P ${CMAKE_SOURCE_DIR}/tests/package/consumer_test.cmake)
set_tests_properties(Package.ConsumerBuildsAgainstTheInstalledPackage PROPERTIES LABELS integration COST 30)
