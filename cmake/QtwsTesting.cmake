# SPDX-License-Identifier: LGPL-3.0-or-later
# qtws_add_test(NAME name SOURCES ... [LIBRARIES ...] [LABELS ...] [TIMEOUT s] [ENVIRONMENT K=V ...])
#
# One Qt Test executable per class. Every test sees:
#   QTWS_PEERS_DIR    tests/peers (node peers; node_modules installed by scripts/install-deps.sh)
#   QTWS_SOURCE_DIR   the source tree
#   QTWS_BINARY_DIR   the build tree (tools are under qtws/tools/<tool>/)
# and runs with QT_QPA_PLATFORM=offscreen. Tests bind loopback only and pick free ports themselves.
find_package(Qt6 REQUIRED COMPONENTS Test)
find_program(QTWS_NODE_EXECUTABLE node)

function(qtws_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS;ENVIRONMENT" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    add_executable(${T_NAME} ${T_SOURCES})
    qtws_apply_settings(${T_NAME})
    target_link_libraries(${T_NAME} PRIVATE Qt6::Test Qtws::Internal ${T_LIBRARIES})
    target_compile_definitions(${T_NAME} PRIVATE
        QTWS_PEERS_DIR="${PROJECT_SOURCE_DIR}/tests/peers"
        QTWS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        QTWS_BINARY_DIR="${PROJECT_BINARY_DIR}"
        QTWS_NODE_EXECUTABLE="${QTWS_NODE_EXECUTABLE}")
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set_tests_properties(${T_NAME} PROPERTIES
        TIMEOUT ${T_TIMEOUT}
        LABELS "${T_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QTWS_PEERS_DIR=${PROJECT_SOURCE_DIR}/tests/peers;QTWS_BINARY_DIR=${PROJECT_BINARY_DIR};NODE_PATH=${PROJECT_SOURCE_DIR}/tests/peers/node_modules;${T_ENVIRONMENT}")
endfunction()

# For a test that measures its own peak resident memory (hostile peers, relay load): in a sanitizer build, ASan's
# quarantine (256 MiB by default) keeps freed blocks resident, and the test would count them as qtws's memory. A
# 4 MiB quarantine keeps the most recent frees poisoned (a use after one of them is still caught) and the RSS
# bounds meaningful. Elsewhere it does nothing.
function(qtws_test_measures_memory test)
    qtws_sanitizer_list(sanitizers)
    if(sanitizers MATCHES "address")
        set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT_MODIFICATION
            "ASAN_OPTIONS=string_append::quarantine_size_mb=4")
    endif()
endfunction()
