# One place for the warning flags every thermo target uses.
add_library(thermo_warnings INTERFACE)
target_compile_options(thermo_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough>)
if(THERMO_WARNINGS_AS_ERRORS)
  target_compile_options(thermo_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
