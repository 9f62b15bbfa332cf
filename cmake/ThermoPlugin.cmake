# thermo_add_plugin(KIND <kind> NAME <name> SOURCES ... [LIBRARIES ...])
# Builds libthermo-<kind>-<name>.so as a MODULE with hidden visibility: only the
# `thermo_plugin_entry` symbol is exported. Used in-tree and, through thermoConfig.cmake, by
# out-of-tree plugins built against the installed SDK.
function(thermo_add_plugin)
  cmake_parse_arguments(PLUGIN "" "KIND;NAME" "SOURCES;LIBRARIES;INCLUDES" ${ARGN})
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
  # thermo refuses a plugin, or a plugin folder, that its group or other users can write: with a
  # umask of 002 the linker would leave both group-writable.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}> $<TARGET_FILE_DIR:${target}>)
  if(THERMO_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${THERMO_PLUGIN_INSTALL_DIR})
  endif()
  set_property(GLOBAL APPEND PROPERTY THERMO_PLUGIN_TARGETS ${target})
endfunction()
