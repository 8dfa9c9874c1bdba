# The C++ library as a CMake package for your own programs:
#   cmake --install build --component dev --prefix P
# installs P/lib/libdepthbias_engine_archive.a, the engine's headers under P/include/depthbias/ and
# P/lib/cmake/depthbias/ (depthbiasConfig.cmake: finds the engine's dependencies, then the targets). A consumer:
#   find_package(depthbias REQUIRED)
#   target_link_libraries(app PRIVATE depthbias::engine)   # the engine archive linked whole (its registrations)
# examples/cmake_consumer is such a program; the test `Package.ConsumerBuildsAgainstTheInstalledPackage` installs
# into a temporary prefix, builds it there and runs it.
include(CMakePackageConfigHelpers)

set_target_properties(depthbias_engine_headers PROPERTIES EXPORT_NAME engine_headers)
set_target_properties(depthbias_engine_archive PROPERTIES EXPORT_NAME engine_archive)
set_target_properties(depthbias_engine PROPERTIES EXPORT_NAME engine)
install(TARGETS depthbias_engine_headers depthbias_engine_archive depthbias_engine EXPORT depthbiasTargets
        ARCHIVE DESTINATION lib COMPONENT dev)
install(EXPORT depthbiasTargets NAMESPACE depthbias:: DESTINATION lib/cmake/depthbias COMPONENT dev)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/src/depthbias DESTINATION include COMPONENT dev
        FILES_MATCHING PATTERN "*.hpp" PATTERN "deepnets" EXCLUDE)
install(FILES ${CMAKE_BINARY_DIR}/generated/depthbias/version.hpp DESTINATION include/depthbias COMPONENT dev)

configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/depthbiasConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/generated/depthbiasConfig.cmake
                              INSTALL_DESTINATION lib/cmake/depthbias)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/depthbiasConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/depthbiasConfig.cmake
              ${CMAKE_BINARY_DIR}/generated/depthbiasConfigVersion.cmake
        DESTINATION lib/cmake/depthbias COMPONENT dev)
