# SPDX-License-Identifier: LGPL-3.0-or-later
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
    endif()
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/qtws_consumer")

# The optional WebBridge component, when this build has it: a second consumer asks for it by name.
if(WEBBRIDGE)
    run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}-webbridge" -B "${WORK_DIR}/build-webbridge" -G "${GENERATOR}"
        "-DCMAKE_PREFIX_PATH=${prefix}")
    run(${CMAKE_COMMAND} --build "${WORK_DIR}/build-webbridge")
    run("${WORK_DIR}/build-webbridge/qtws_webbridge_consumer")
endif()
