# THERMO_SANITIZE: every target (engine, SDK, plugins, tests, thermo) with AddressSanitizer and
# UndefinedBehaviorSanitizer, at -O1 with line tables, so the whole suite runs under them.
# THERMO_FUZZ: also the libFuzzer targets of tests/fuzz (clang only; implies THERMO_SANITIZE).
# The engine and the SDK then carry libFuzzer's coverage instrumentation too, so one clang build
# directory serves both the fuzzers and the sanitizer run of the suite.
option(THERMO_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(THERMO_FUZZ "Build the libFuzzer targets (tests/fuzz); needs clang, implies THERMO_SANITIZE" OFF)

if(THERMO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "THERMO_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
      "-DCMAKE_C_COMPILER=clang-14 (Debian: apt-get install clang-14 libclang-rt-14-dev libomp-14-dev)")
  endif()
  set(THERMO_SANITIZE ON CACHE BOOL "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" FORCE)
endif()

if(THERMO_SANITIZE)
  # -O1 keeps the suite fast enough; line tables are what the reports need (frames with file:line).
  # Any UBSan finding aborts, so a test that triggers one fails.
  set(THERMO_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${THERMO_SANITIZER_FLAGS} -O1)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # -Wno-pass-failed: at -O1 the loop vectorizer does not run, so every `omp simd` loop warns.
    add_compile_options(-gline-tables-only -Wno-pass-failed)
  else()
    add_compile_options(-g1)
  endif()
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "thermo: AddressSanitizer and UndefinedBehaviorSanitizer on every target")
  # What every test (and the thermo it starts) runs with. intercept_tls_get_addr=0: with glibc 2.36,
  # LeakSanitizer's scan of the dynamic TLS of dlopen'ed libraries (libomp, through the cpu backend)
  # reads a bogus range and crashes at exit ("Tracer caught signal 11", google/sanitizers#1322);
  # leaks are still detected everywhere else.
  set(THERMO_SANITIZER_ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()

# thermo_sanitizer_environment(<test>...): the sanitizer options above for these tests.
function(thermo_sanitizer_environment)
  if(THERMO_SANITIZE)
    set_property(TEST ${ARGN} APPEND PROPERTY ENVIRONMENT ${THERMO_SANITIZER_ENVIRONMENT})
  endif()
endfunction()

# thermo_fuzz_coverage(<target>...): libFuzzer's coverage instrumentation for code the fuzz
# targets reach through libraries (the engine, the SDK). No effect without THERMO_FUZZ.
function(thermo_fuzz_coverage)
  if(THERMO_FUZZ)
    foreach(target IN LISTS ARGN)
      target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    endforeach()
  endif()
endfunction()

# The tests a sanitizer build neither builds nor runs (label sanitize_skip; they still run in the
# Release suite), so that tools/test.sh stays within CI's budget (docs/reliability.md has the
# measurements): the two model comparisons with PyTorch (their time goes into Python;
# model_convnet and model_resnet18 run the same model code under the sanitizers); resume_exact
# (about 600 s under the sanitizers: three kills and resumes of a ConvNet run; the state's writing
# and reading, the signals and resume run under them in state_archive, resume_rules and
# run_failures); device_check_selftest (a shell script's own checks on two short cpu runs).
set(THERMO_SANITIZE_SKIP_TESTS model_convnet_torch model_resnet18_torch resume_exact device_check_selftest)
