# Kabigen.cmake: generate kernel-ABI headers at build time.
#
#   include(Kabigen)
#   kabigen_add_header(NAME
#     ARCH arch                      # x86_64, arm64, riscv64, loongarch64 (or their aliases)
#     KDIR dir | KVER version [FLAVOUR flavour]
#     [FORMATS c rust]               # default: c
#     [OUTPUT_DIR dir]               # default: ${CMAKE_CURRENT_BINARY_DIR}/NAME
#     [SET_FILE file] [KCONFIG file] [OFFLINE])
#
# Adds a target NAME that writes OUTPUT_DIR/kabi.h (and kabi.rs). Each output is made by a
# custom command with a depfile that kabigen writes (--depfile: every header the
# translation unit read), so Ninja and Make rerun kabigen only when one of those, the set
# file or kabigen itself changes. KABIGEN_EXECUTABLE may point at a kabigen binary;
# otherwise it is looked up on PATH.
include_guard(GLOBAL)

function(kabigen_add_header name)
  cmake_parse_arguments(PARSE_ARGV 1 K "OFFLINE" "ARCH;KDIR;KVER;FLAVOUR;OUTPUT_DIR;SET_FILE;KCONFIG" "FORMATS")
  if(NOT K_ARCH)
    message(FATAL_ERROR "kabigen_add_header(${name}): ARCH is required")
  endif()
  if((K_KDIR AND K_KVER) OR (NOT K_KDIR AND NOT K_KVER))
    message(FATAL_ERROR "kabigen_add_header(${name}): give one of KDIR or KVER")
  endif()
  if(NOT K_FORMATS)
    set(K_FORMATS c)
  endif()
  if(NOT K_OUTPUT_DIR)
    set(K_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${name})
  endif()
  if(NOT KABIGEN_EXECUTABLE)
    find_program(KABIGEN_EXECUTABLE kabigen REQUIRED)
  endif()

  set(args --arch ${K_ARCH})
  set(deps ${KABIGEN_EXECUTABLE})
  if(K_KDIR)
    list(APPEND args --kdir ${K_KDIR})
  else()
    list(APPEND args --kver ${K_KVER})
    if(K_FLAVOUR)
      list(APPEND args --flavour ${K_FLAVOUR})
    endif()
    if(K_OFFLINE)
      list(APPEND args --offline)
    endif()
  endif()
  if(K_SET_FILE)
    list(APPEND args --set-file ${K_SET_FILE})
    list(APPEND deps ${K_SET_FILE})
  endif()
  if(K_KCONFIG)
    list(APPEND args --kconfig ${K_KCONFIG})
    list(APPEND deps ${K_KCONFIG})
  endif()

  set(outputs)
  foreach(format IN LISTS K_FORMATS)
    if(format STREQUAL "c")
      set(out ${K_OUTPUT_DIR}/kabi.h)
    elseif(format STREQUAL "rust")
      set(out ${K_OUTPUT_DIR}/kabi.rs)
    else()
      message(FATAL_ERROR "kabigen_add_header(${name}): FORMATS takes c and rust, not ${format}")
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${K_OUTPUT_DIR}
      COMMAND ${KABIGEN_EXECUTABLE} ${args} --format ${format} -o ${out} --depfile ${out}.d
      DEPENDS ${deps}
      DEPFILE ${out}.d
      COMMENT "kabigen: ${name} (${K_ARCH}, ${format})"
      VERBATIM)
    list(APPEND outputs ${out})
  endforeach()
  add_custom_target(${name} ALL DEPENDS ${outputs})
  set_target_properties(${name} PROPERTIES KABIGEN_OUTPUT_DIR ${K_OUTPUT_DIR})
endfunction()
