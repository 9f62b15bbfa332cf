# thermo_add_test(NAME <name> SOURCES ... [LIBRARIES ...] [LABELS ...] [TIMEOUT s] [WORKING_DIRECTORY d])
# One doctest executable registered as one CTest test. Tests find the build's plugins through
# THERMO_PLUGIN_PATH and the thermo binary through THERMO_BINARY.
add_library(thermo_doctest_main OBJECT ${CMAKE_SOURCE_DIR}/tests/support/doctest_main.cpp)
target_link_libraries(thermo_doctest_main PUBLIC doctest::doctest)

# thermo_sanitize_skip(<test> [<executable target>]): a test on THERMO_SANITIZE_SKIP_TESTS gets the
# label sanitize_skip; in a sanitizer build it is neither built nor run (CTest lists it as disabled).
function(thermo_sanitize_skip test_name)
  if(test_name IN_LIST THERMO_SANITIZE_SKIP_TESTS)
    set_property(TEST ${test_name} APPEND PROPERTY LABELS sanitize_skip)
    if(THERMO_SANITIZE)
      if(ARGC GREATER 1)
        set_target_properties(${ARGV1} PROPERTIES EXCLUDE_FROM_ALL ON)
      endif()
      set_tests_properties(${test_name} PROPERTIES DISABLED ON)
    endif()
  endif()
endfunction()

function(thermo_add_test)
  cmake_parse_arguments(TEST "" "NAME;TIMEOUT;WORKING_DIRECTORY" "SOURCES;LIBRARIES;LABELS;DEPENDS" ${ARGN})
  set(target test_${TEST_NAME})
  add_executable(${target} ${TEST_SOURCES} $<TARGET_OBJECTS:thermo_doctest_main>)
  target_link_libraries(${target} PRIVATE doctest::doctest thermo_test_support thermo_warnings ${TEST_LIBRARIES})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  if(NOT TEST_TIMEOUT)
    set(TEST_TIMEOUT 600)
  endif()
  if(NOT TEST_WORKING_DIRECTORY)
    set(TEST_WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  endif()
  add_test(NAME ${TEST_NAME} COMMAND ${target} WORKING_DIRECTORY ${TEST_WORKING_DIRECTORY})
  set_tests_properties(${TEST_NAME} PROPERTIES
    TIMEOUT ${TEST_TIMEOUT}
    LABELS "${TEST_LABELS}"
    ENVIRONMENT "THERMO_PLUGIN_PATH=${THERMO_PLUGIN_OUTPUT_DIR};THERMO_BINARY=$<TARGET_FILE:thermo>;THERMO_SOURCE_DIR=${CMAKE_SOURCE_DIR};THERMO_BUILD_DIR=${CMAKE_BINARY_DIR};THERMO_TEST_TMP=${CMAKE_BINARY_DIR}/tests/tmp")
  thermo_sanitizer_environment(${TEST_NAME})
  thermo_sanitize_skip(${TEST_NAME} ${target})
  if(TEST_DEPENDS)
    add_dependencies(${target} ${TEST_DEPENDS})
  endif()
endfunction()

# thermo_test_needs_plugins(<test name> <plugin targets>...): a test that loads plugin libraries
# needs them built first. Plugin folders may be configured after the test's folder (or not at
# all: a backend whose SDK is missing), so the dependencies are added once everything is
# configured, for the targets that exist.
function(thermo_test_needs_plugins test_name)
  # EVAL: the arguments of a deferred call are otherwise expanded when it runs, outside this scope.
  cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]]
    CALL thermo_add_existing_dependencies test_${test_name} ${ARGN})")
endfunction()
function(thermo_add_existing_dependencies target)
  foreach(dependency IN LISTS ARGN)
    if(TARGET ${dependency})
      add_dependencies(${target} ${dependency})
    endif()
  endforeach()
endfunction()
