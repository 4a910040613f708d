# arm-none-eabi.cmake - CMake toolchain file for Debian's gcc-arm-none-eabi
# and newlib: bare-metal Cortex-M, CPU from FW_CPU (cortex-m4 or cortex-m7).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# No startup files or syscalls to link a test executable with.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FW_CPU)

if(NOT FW_CPU)
  set(FW_CPU cortex-m4)
endif()
# Hard-float ABI, as kilnc's thumbv7em-none-eabihf objects use. The M4's
# FPU is single precision; the M7 of MPS2 AN500 has the double-precision one.
if(FW_CPU STREQUAL "cortex-m4")
  set(fw_fpu fpv4-sp-d16)
elseif(FW_CPU STREQUAL "cortex-m7")
  set(fw_fpu fpv5-d16)
else()
  message(FATAL_ERROR "FW_CPU must be cortex-m4 or cortex-m7, not '${FW_CPU}'")
endif()
set(CMAKE_C_FLAGS_INIT "-mcpu=${FW_CPU} -mthumb -mfloat-abi=hard -mfpu=${fw_fpu} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles --specs=nano.specs -Wl,--gc-sections -Wl,--no-warn-execstack")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# find_package(Kiln) looks in the host prefix given by Kiln_DIR.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
