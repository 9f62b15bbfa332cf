#pragma once
// The build id a plugin is compiled with, evaluated in the plugin's own translation unit: the
// host refuses plugins built by another compiler, libstdc++ ABI or thermo version.

#include <thermo/version.hpp>

#define THERMO_STRINGIFY_DETAIL(x) #x
#define THERMO_STRINGIFY(x) THERMO_STRINGIFY_DETAIL(x)

#if defined(__clang__)
#define THERMO_COMPILER_ID "clang " THERMO_STRINGIFY(__clang_major__) "." THERMO_STRINGIFY(__clang_minor__)
#elif defined(__GNUC__)
#define THERMO_COMPILER_ID "gcc " THERMO_STRINGIFY(__GNUC__) "." THERMO_STRINGIFY(__GNUC_MINOR__)
#else
#define THERMO_COMPILER_ID "unknown compiler"
#endif

#include <cstddef>  // defines _GLIBCXX_USE_CXX11_ABI with libstdc++
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define THERMO_STDLIB_ID "libstdc++ cxx11abi=" THERMO_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define THERMO_STDLIB_ID "other stdlib"
#endif

#ifndef THERMO_BUILD_ID
#define THERMO_BUILD_ID "thermo " THERMO_VERSION "; " THERMO_COMPILER_ID "; " THERMO_STDLIB_ID
#endif
