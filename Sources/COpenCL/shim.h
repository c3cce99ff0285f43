// The OpenCL 1.2 API (with its extension header for CL_PLATFORM_NOT_FOUND_KHR), from
// Debian's opencl-headers; linked against the ICD loader from ocl-icd-opencl-dev.
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <CL/cl_ext.h>
