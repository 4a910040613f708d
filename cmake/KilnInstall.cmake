# Install rules and the find_package(Kiln) package: kilnc and kiln-run with
# the shared libraries they load, the runtime (built and as C sources), and
# lib/cmake/Kiln. Included from the top-level CMakeLists.txt after the tools.
include(CMakePackageConfigHelpers)

set(KILN_INSTALL_BINDIR bin)
set(KILN_INSTALL_INCLUDEDIR include)
# Kiln's own shared libraries are private to the tools, so they stay out of
# lib/ where a linker would find them.
set(KILN_INSTALL_PRIVATE_LIBDIR lib/kiln)
set(KILN_INSTALL_CMAKEDIR lib/cmake/Kiln)
set(KILN_INSTALL_RUNTIMEDIR share/kiln/runtime)

# The non-imported shared libraries `target` loads, directly or through
# other libraries, appended to the list named `out`.
function(kiln_collect_shared_libraries target out)
  set(seen ${${out}})
  set(pending ${target})
  while(pending)
    list(POP_FRONT pending current)
    set(links)
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(values ${current} ${property})
      if(values)
        list(APPEND links ${values})
      endif()
    endforeach()
    foreach(link IN LISTS links)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
      if(NOT TARGET "${link}")
        continue()
      endif()
      get_target_property(aliased ${link} ALIASED_TARGET)
      if(aliased)
        set(link ${aliased})
      endif()
      if("${link}" IN_LIST seen)
        continue()
      endif()
      get_target_property(imported ${link} IMPORTED)
      get_target_property(type ${link} TYPE)
      if(imported OR NOT type STREQUAL "SHARED_LIBRARY")
        continue()
      endif()
      list(APPEND seen ${link})
      list(APPEND pending ${link})
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# The tools: kilnc (what kiln_add_model runs) and kiln-run (the reference
# interpreter, to check a compiled model against). The big developer tools
# and the tests are not installed.
set(KILN_INSTALLED_TOOLS)
foreach(tool kilnc kiln-run)
  if(TARGET ${tool})
    list(APPEND KILN_INSTALLED_TOOLS ${tool})
  endif()
endforeach()
set(KILN_INSTALLED_SHARED_LIBRARIES)
foreach(tool IN LISTS KILN_INSTALLED_TOOLS)
  kiln_collect_shared_libraries(${tool} KILN_INSTALLED_SHARED_LIBRARIES)
endforeach()

# Installed binaries find Kiln's libraries relative to themselves and keep
# the directories of outside libraries they were linked with (LLVM 14's).
file(RELATIVE_PATH KILN_BIN_TO_LIB /${KILN_INSTALL_BINDIR}
  /${KILN_INSTALL_PRIVATE_LIBDIR})
if(KILN_INSTALLED_TOOLS)
  set_target_properties(${KILN_INSTALLED_TOOLS} PROPERTIES
    INSTALL_RPATH "$ORIGIN/${KILN_BIN_TO_LIB}"
    INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS ${KILN_INSTALLED_TOOLS} EXPORT KilnTargets
    RUNTIME DESTINATION ${KILN_INSTALL_BINDIR})
endif()
if(KILN_INSTALLED_SHARED_LIBRARIES)
  set_target_properties(${KILN_INSTALLED_SHARED_LIBRARIES} PROPERTIES
    INSTALL_RPATH "$ORIGIN"
    INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS ${KILN_INSTALLED_SHARED_LIBRARIES}
    LIBRARY DESTINATION ${KILN_INSTALL_PRIVATE_LIBDIR})
endif()

# The host runtime libraries as Kiln::Runtime and Kiln::RuntimeSerial. Their
# include directory is the source tree's while building and the prefix's
# include/ once installed.
foreach(runtime KilnRuntime KilnRuntimeSerial)
  if(NOT TARGET ${runtime})
    continue()
  endif()
  get_target_property(dirs ${runtime} INTERFACE_INCLUDE_DIRECTORIES)
  set(wrapped)
  foreach(dir IN LISTS dirs)
    if(dir MATCHES "^\\$<")
      list(APPEND wrapped "${dir}")
    else()
      list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
    endif()
  endforeach()
  list(APPEND wrapped "$<INSTALL_INTERFACE:${KILN_INSTALL_INCLUDEDIR}>")
  string(REPLACE "KilnRuntime" "Runtime" export_name ${runtime})
  set_target_properties(${runtime} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${wrapped}"
    EXPORT_NAME ${export_name})
  install(TARGETS ${runtime} EXPORT KilnTargets
    ARCHIVE DESTINATION lib)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/
  DESTINATION ${KILN_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# The runtime's sources, for kiln_add_runtime() to build with a project's own
# (cross) toolchain. The folders are read at install time, so every source
# present then is installed.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include
  ${PROJECT_SOURCE_DIR}/runtime/src
  DESTINATION ${KILN_INSTALL_RUNTIMEDIR}
  FILES_MATCHING PATTERN "*.c" PATTERN "*.h")

# lib/cmake/Kiln: the config, its version (SameMajorVersion; architecture
# independent, since firmware projects compile for 32-bit targets with the
# 64-bit host's kilnc), the imported targets and the functions.
install(EXPORT KilnTargets NAMESPACE Kiln::
  DESTINATION ${KILN_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/KilnConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/KilnConfig.cmake
  INSTALL_DESTINATION ${KILN_INSTALL_CMAKEDIR}
  PATH_VARS KILN_INSTALL_RUNTIMEDIR)
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_BINARY_DIR}/cmake/KilnConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/KilnFunctions.cmake
  DESTINATION ${KILN_INSTALL_CMAKEDIR})

# Inside this build tree, include(cmake/KilnFunctions.cmake) gives the same
# functions with the tree's kilnc and runtime sources. (Not included here:
# runtime/CMakeLists.txt has a kiln_add_runtime() of its own.)
if(TARGET kilnc)
  set_property(GLOBAL PROPERTY KILN_KILNC kilnc)
  set_property(GLOBAL PROPERTY KILN_RUNTIME_DIR ${PROJECT_SOURCE_DIR}/runtime)
endif()
