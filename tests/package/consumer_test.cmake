# Package.ConsumerBuildsAgainstTheInstalledPackage (cmake -P): installs the engine's `dev` component from BUILD_DIR
# into a temporary prefix, configures and builds examples/cmake_consumer against it with find_package(depthbias),
# runs it on the shipped `toy` preset and requires every check to pass. Arguments: BUILD_DIR, SOURCE_DIR, WORK.
file(REMOVE_RECURSE "${WORK}")
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()
step("install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --component dev --prefix "${WORK}/prefix")
step("configure the consumer" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/cmake_consumer" -B "${WORK}/build"
     -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
step("build the consumer" ${CMAKE_COMMAND} --build "${WORK}/build")
step("run the consumer" "${WORK}/build/consumer" "${WORK}/out")
message(STATUS "${step_output}")
if(NOT step_output MATCHES "pass: " OR step_output MATCHES "fail: " OR step_output MATCHES "not_evaluated: ")
  message(FATAL_ERROR "the consumer's checks did not all pass:\n${step_output}")
endif()
file(REMOVE_RECURSE "${WORK}")
