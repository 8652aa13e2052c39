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

# The installed QML module: the plugin loads from <prefix>/<qml dir>/Qtws and finds libqtws by its RUNPATH.
if(QML)
    run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}-qml" -B "${WORK_DIR}/build-qml" -G "${GENERATOR}")
    run(${CMAKE_COMMAND} --build "${WORK_DIR}/build-qml")
    run("${WORK_DIR}/build-qml/qtws_qml_consumer" "${prefix}/${QML_INSTALL_DIR}")
endif()

# examples/ as a consumer project (find_package(Qtws OPTIONAL_COMPONENTS WebBridge)): each example must build
# against the installed tree. With the bridge installed, webbridge-embed must be among them.
run(${CMAKE_COMMAND} -S "${EXAMPLES_DIR}" -B "${WORK_DIR}/build-examples" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build-examples")
if(NOT EXISTS "${WORK_DIR}/build-examples/console-report/qtws-example-console-report")
    message(FATAL_ERROR "examples/console-report was not built against the installed tree")
endif()
if(WEBBRIDGE AND NOT EXISTS "${WORK_DIR}/build-examples/webbridge-embed/qtws-example-webbridge-embed")
    message(FATAL_ERROR "examples/webbridge-embed was not built against the installed tree (WebBridge component)")
endif()
