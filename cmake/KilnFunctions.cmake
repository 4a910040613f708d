# kiln_add_model() and kiln_add_runtime(): compile ONNX models with kilnc at
# build time and build the C99 runtime with the project's toolchain.
#
#   kiln_add_model(<target> MODEL <file> NAME <c-name> [TARGET <triple>]
#                  [MCPU <cpu>] [MATTR <features>] [OPTIONS <kilnc flags>...])
#   kiln_add_runtime(<target> [SERIAL])
#
# They read two global properties: KILN_KILNC (the kilnc executable target,
# Kiln::kilnc) and KILN_RUNTIME_DIR (holding the runtime's include/ and src/),
# set by KilnConfig.cmake. See docs/targets.md, "CMake package".
include_guard(GLOBAL)

# The language to link a library of prebuilt objects with: C, else C++.
function(_kiln_linker_language out caller)
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("C" IN_LIST languages)
    set(${out} C PARENT_SCOPE)
  elseif("CXX" IN_LIST languages)
    set(${out} CXX PARENT_SCOPE)
  else()
    message(FATAL_ERROR "${caller}: enable the C language first "
      "(project(... LANGUAGES C))")
  endif()
endfunction()

# Fails on unknown arguments and on keywords given without a value; `hint`
# lists the valid keywords.
macro(_kiln_check_arguments caller prefix hint)
  if(${prefix}_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${caller}: unknown argument(s) "
      "'${${prefix}_UNPARSED_ARGUMENTS}'; ${hint}")
  endif()
  foreach(_kiln_keyword IN LISTS ${prefix}_KEYWORDS_MISSING_VALUES)
    if(NOT _kiln_keyword STREQUAL "OPTIONS")
      message(FATAL_ERROR "${caller}: ${_kiln_keyword} needs a value")
    endif()
  endforeach()
endmacro()

function(kiln_add_model target)
  set(caller "kiln_add_model(${target})")
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MODEL;NAME;TARGET;MCPU;MATTR"
    "OPTIONS")
  _kiln_check_arguments("${caller}" ARG
    "the keywords are MODEL, NAME, TARGET, MCPU, MATTR and OPTIONS")
  if(NOT DEFINED ARG_MODEL OR ARG_MODEL STREQUAL "")
    message(FATAL_ERROR "${caller}: MODEL <file> is required (the .onnx, "
      ".onnxtxt or .kir model to compile)")
  endif()
  if(NOT DEFINED ARG_NAME OR ARG_NAME STREQUAL "")
    message(FATAL_ERROR "${caller}: NAME <name> is required (the model's C "
      "name, prefix of every generated symbol)")
  endif()
  if(NOT ARG_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "${caller}: NAME '${ARG_NAME}' is not a C "
      "identifier (letters, digits and '_', not starting with a digit)")
  endif()
  if(TARGET ${target})
    message(FATAL_ERROR "${caller}: a target named '${target}' already "
      "exists")
  endif()

  # Flags this function sets itself may not come through OPTIONS too.
  set(weights_separate OFF)
  set(previous "")
  foreach(option IN LISTS ARG_OPTIONS)
    if(option MATCHES "^(-o|--name|--emit|--target|--mcpu|--mattr)(=|$)")
      message(FATAL_ERROR "${caller}: OPTIONS may not contain "
        "'${option}'; use NAME, TARGET, MCPU and MATTR (the output is "
        "always <target>/<name>.o)")
    endif()
    if(option STREQUAL "--weights=separate"
       OR (previous STREQUAL "--weights" AND option STREQUAL "separate"))
      set(weights_separate ON)
    endif()
    set(previous "${option}")
  endforeach()

  get_filename_component(model "${ARG_MODEL}" ABSOLUTE
    BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_source_file_property(generated "${model}" GENERATED)
  if(NOT EXISTS "${model}" AND NOT generated)
    message(FATAL_ERROR "${caller}: MODEL file '${model}' does not exist")
  endif()
  get_property(kilnc GLOBAL PROPERTY KILN_KILNC)
  if(NOT kilnc OR NOT TARGET ${kilnc})
    message(FATAL_ERROR "${caller}: kilnc is not imported; call "
      "find_package(Kiln) in this directory or a parent")
  endif()
  get_property(runtime_dir GLOBAL PROPERTY KILN_RUNTIME_DIR)
  _kiln_linker_language(language "${caller}")

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  set(object "${dir}/${ARG_NAME}.o")
  set(header "${dir}/${ARG_NAME}.h")
  set(outputs "${object}" "${header}")
  set(weights "")
  if(weights_separate)
    set(weights "${dir}/${ARG_NAME}.weights.bin")
    list(APPEND outputs "${weights}")
  endif()
  set(flags)
  if(ARG_TARGET AND NOT ARG_TARGET STREQUAL "host")
    list(APPEND flags "--target=${ARG_TARGET}")
  endif()
  if(ARG_MCPU)
    list(APPEND flags "--mcpu=${ARG_MCPU}")
  endif()
  if(ARG_MATTR)
    list(APPEND flags "--mattr=${ARG_MATTR}")
  endif()

  file(MAKE_DIRECTORY "${dir}")
  file(RELATIVE_PATH shown "${CMAKE_BINARY_DIR}" "${object}")
  # Depending on kilnc's file recompiles every model when Kiln is
  # reinstalled or rebuilt.
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${kilnc} "${model}" "--name=${ARG_NAME}" -o "${object}"
      ${flags} ${ARG_OPTIONS}
    DEPENDS "${model}" ${kilnc}
    COMMENT "kilnc: compiling ${ARG_MODEL} to ${shown}"
    VERBATIM)

  set_source_files_properties(${object} PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC ${object} ${header})
  set_target_properties(${target} PROPERTIES
    LINKER_LANGUAGE ${language}
    KILN_MODEL_NAME "${ARG_NAME}"
    KILN_MODEL_HEADER "${header}"
    KILN_WEIGHTS_FILE "${weights}")
  target_include_directories(${target} INTERFACE "${dir}"
    "${runtime_dir}/include")
  # Hosted objects may call libm (docs/abi.md); bare-metal ones never do.
  if(UNIX AND NOT CMAKE_SYSTEM_NAME STREQUAL "Generic")
    target_link_libraries(${target} INTERFACE m)
  endif()
endfunction()

function(kiln_add_runtime target)
  set(caller "kiln_add_runtime(${target})")
  cmake_parse_arguments(PARSE_ARGV 1 ARG "SERIAL" "" "")
  _kiln_check_arguments("${caller}" ARG "the only keyword is SERIAL")
  if(TARGET ${target})
    message(FATAL_ERROR "${caller}: a target named '${target}' already "
      "exists")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "C" IN_LIST languages)
    message(FATAL_ERROR "${caller}: enable the C language first "
      "(project(... LANGUAGES C))")
  endif()
  get_property(runtime_dir GLOBAL PROPERTY KILN_RUNTIME_DIR)
  if(NOT IS_DIRECTORY "${runtime_dir}/src")
    message(FATAL_ERROR "${caller}: no runtime sources in "
      "'${runtime_dir}/src'; call find_package(Kiln) first")
  endif()

  # Every source but the parallel_*.c variants, then the chosen variant:
  # serial (no threads, no global state) or the pthread pool.
  file(GLOB sources "${runtime_dir}/src/*.c")
  list(FILTER sources EXCLUDE REGEX "/parallel_[^/]*\\.c$")
  if(ARG_SERIAL)
    list(APPEND sources "${runtime_dir}/src/parallel_serial.c")
  else()
    list(APPEND sources "${runtime_dir}/src/parallel_pthread.c")
  endif()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${runtime_dir}/include")
  set_target_properties(${target} PROPERTIES
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF)
  if(NOT CMAKE_SYSTEM_NAME STREQUAL "Generic")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -pedantic)
  endif()
  if(NOT ARG_SERIAL)
    find_package(Threads REQUIRED)
    target_link_libraries(${target} PUBLIC Threads::Threads)
  endif()
endfunction()
