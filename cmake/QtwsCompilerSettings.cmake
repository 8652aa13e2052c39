# SPDX-License-Identifier: LGPL-3.0-or-later
# Project-wide compiler settings, applied per target through qtws_apply_settings(); no directory-wide flags.

# The -fsanitize list QTWS_SANITIZE asks for: empty for none (OFF, FALSE, ""), "address,undefined" for ON.
function(qtws_sanitizer_list out)
    set(list "${QTWS_SANITIZE}")
    if(list MATCHES "^(ON|On|on|TRUE|True|true|YES|yes|1)$")
        set(list "address,undefined")
    elseif(list MATCHES "^(OFF|Off|off|FALSE|False|false|NO|no|0)?$")
        set(list "")
    endif()
    set(${out} "${list}" PARENT_SCOPE)
endfunction()

function(qtws_apply_settings target)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        # Qt's qCDebug(category) expands to a variadic macro called with no variadic argument.
        target_compile_options(${target} PRIVATE -Wno-gnu-zero-variadic-macro-arguments)
    endif()
    target_compile_definitions(${target} PRIVATE
        QT_NO_CONTEXTLESS_CONNECT
        QT_NO_CAST_FROM_ASCII
        QT_NO_URL_CAST_FROM_STRING
        QT_NO_FOREACH
        QT_USE_QSTRINGBUILDER)
    qtws_sanitizer_list(sanitizers)
    if(sanitizers)
        target_compile_options(${target} PRIVATE
            -fsanitize=${sanitizers} -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=${sanitizers})
    endif()
endfunction()

# Add every immediate subdirectory of the current source dir that has a CMakeLists.txt.
# Used for tools and tests, so that each owner adds a folder without editing a shared list.
function(qtws_add_subdirectories)
    file(GLOB children LIST_DIRECTORIES true RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/*")
    list(SORT children)
    foreach(child IN LISTS children)
        if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${child}" AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt")
            add_subdirectory(${child})
        endif()
    endforeach()
endfunction()
