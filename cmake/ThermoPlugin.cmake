# thermo_add_plugin(KIND <kind> NAME <name> [CUDA] SOURCES ... [LIBRARIES ...])
# Builds libthermo-<kind>-<name>.so as a MODULE with hidden visibility: only the
# `thermo_plugin_entry` symbol is exported. Used in-tree and, through thermoConfig.cmake, by
# out-of-tree plugins built against the installed SDK. CUDA: the sources include .cu files
# (thermo_enable_cuda() first); they are built for THERMO_CUDA_ARCHITECTURES against the shared
# CUDA runtime, and the installed plugin finds the CUDA libraries where it was built against them.
function(thermo_add_plugin)
  cmake_parse_arguments(PLUGIN "CUDA" "KIND;NAME" "SOURCES;LIBRARIES;INCLUDES" ${ARGN})
  if(NOT PLUGIN_KIND OR NOT PLUGIN_NAME)
    message(FATAL_ERROR "thermo_add_plugin needs KIND and NAME")
  endif()
  set(target thermo-${PLUGIN_KIND}-${PLUGIN_NAME})
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE thermo::sdk ${PLUGIN_LIBRARIES})
  if(TARGET thermo_warnings)
    target_link_libraries(${target} PRIVATE thermo_warnings)
  endif()
  target_include_directories(${target} PRIVATE ${PLUGIN_INCLUDES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${THERMO_PLUGIN_OUTPUT_DIR}"
    INSTALL_RPATH "$ORIGIN/../..")
  if(PLUGIN_CUDA)
    if(NOT THERMO_CUDA_FOUND)
      message(FATAL_ERROR "thermo_add_plugin(${PLUGIN_NAME} CUDA): call thermo_enable_cuda() first and check THERMO_CUDA_FOUND")
    endif()
    set_target_properties(${target} PROPERTIES
      CUDA_ARCHITECTURES "${THERMO_CUDA_ARCHITECTURES}"
      CUDA_STANDARD 17
      CUDA_RUNTIME_LIBRARY Shared
      CUDA_VISIBILITY_PRESET hidden)
    target_link_libraries(${target} PRIVATE CUDA::cudart)
    if(THERMO_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:SHELL:--Werror all-warnings>")
    endif()
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
    set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "${CUDAToolkit_LIBRARY_DIR}" "${THERMO_CUDNN_LIBRARY_DIR}")
  endif()
  # thermo refuses a plugin, or a plugin folder, that its group or other users can write: with a
  # umask of 002 the linker would leave both group-writable.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}> $<TARGET_FILE_DIR:${target}>)
  if(THERMO_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${THERMO_PLUGIN_INSTALL_DIR})
  endif()
  set_property(GLOBAL APPEND PROPERTY THERMO_PLUGIN_TARGETS ${target})
endfunction()

# thermo_add_plugin_core(<target> SOURCES ... [LIBRARIES ...]): a plugin's code without its entry
# point, compiled once as an object library. The plugin links it (thermo_add_plugin's LIBRARIES),
# and so do the plugin's tests and benchmarks, which then do not compile the same sources again.
# Its folder is on the include path of whatever links it.
function(thermo_add_plugin_core target)
  cmake_parse_arguments(CORE "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${target} OBJECT ${CORE_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC thermo::sdk ${CORE_LIBRARIES})
  if(TARGET thermo_warnings)
    target_link_libraries(${target} PRIVATE thermo_warnings)
  endif()
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# thermo_enable_cuda(): finds nvcc (CUDACXX, PATH, /usr/local/cuda), the CUDA toolkit (cudart,
# cuBLAS) and cuDNN 9 (cudnn.h and libcudnn next to the toolkit, or under CUDNN_ROOT), enables
# the CUDA language and defines the imported target thermo::cudnn. Sets THERMO_CUDA_FOUND, or
# leaves it OFF with a status line saying what is missing. A macro: enable_language must run at
# file scope. THERMO_CUDA_ARCHITECTURES defaults to Hopper machine code (the device check's H200)
# plus PTX that newer-than-Turing GPUs compile at start.
macro(thermo_enable_cuda)
  set(THERMO_CUDA_FOUND OFF)
  set(THERMO_CUDA_ARCHITECTURES "90-real;75-virtual" CACHE STRING "CUDA architectures of the cuda backend")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(STATUS "thermo: cuda backend skipped (no CUDA compiler: install the CUDA toolkit or set CUDACXX)")
  else()
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "${THERMO_CUDA_ARCHITECTURES}")
    endif()
    if(CMAKE_CXX_COMPILER_LAUNCHER AND NOT CMAKE_CUDA_COMPILER_LAUNCHER)
      set(CMAKE_CUDA_COMPILER_LAUNCHER "${CMAKE_CXX_COMPILER_LAUNCHER}")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit QUIET)
    find_path(THERMO_CUDNN_INCLUDE_DIR cudnn_version.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV CUDNN_ROOT
      PATH_SUFFIXES include)
    find_library(THERMO_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} ENV CUDNN_ROOT PATH_SUFFIXES lib lib64)
    set(thermo_cudnn_major "")
    if(THERMO_CUDNN_INCLUDE_DIR)
      file(STRINGS "${THERMO_CUDNN_INCLUDE_DIR}/cudnn_version.h" thermo_cudnn_major REGEX "^#define CUDNN_MAJOR ")
      string(REGEX REPLACE "^#define CUDNN_MAJOR ([0-9]+).*" "\\1" thermo_cudnn_major "${thermo_cudnn_major}")
    endif()
    if(NOT TARGET CUDA::cudart OR NOT TARGET CUDA::cublas)
      message(STATUS "thermo: cuda backend skipped (the CUDA toolkit's cudart or cuBLAS was not found)")
    elseif(NOT THERMO_CUDNN_LIBRARY OR NOT thermo_cudnn_major STREQUAL "9")
      message(STATUS "thermo: cuda backend skipped (needs cuDNN 9: cudnn_version.h and libcudnn next to the CUDA "
        "toolkit or under CUDNN_ROOT; found '${THERMO_CUDNN_LIBRARY}', major '${thermo_cudnn_major}')")
    else()
      if(NOT TARGET thermo::cudnn)
        add_library(thermo::cudnn UNKNOWN IMPORTED)
        set_target_properties(thermo::cudnn PROPERTIES IMPORTED_LOCATION "${THERMO_CUDNN_LIBRARY}"
          INTERFACE_INCLUDE_DIRECTORIES "${THERMO_CUDNN_INCLUDE_DIR}")
      endif()
      get_filename_component(THERMO_CUDNN_LIBRARY_DIR "${THERMO_CUDNN_LIBRARY}" DIRECTORY)
      set(THERMO_CUDA_FOUND ON)
      message(STATUS "thermo: cuda backend with CUDA ${CUDAToolkit_VERSION}, cuDNN ${thermo_cudnn_major} "
        "(${THERMO_CUDNN_LIBRARY}), architectures ${THERMO_CUDA_ARCHITECTURES}")
    endif()
  endif()
endmacro()
