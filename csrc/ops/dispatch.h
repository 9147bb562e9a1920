#pragma once
// LAMINA_KERNEL(dev, fn, args...): call cpu::fn or, after selecting the device, cuda::fn. The
// caller includes the family's contract (kernels/<stem>.h) that declares fn for both devices.
#include "../core/device_runtime.h"
#include "../core/tensor.h"

#define LAMINA_KERNEL(DEV, FN, ...)        \
  do {                                     \
    const ::lamina::Device _d = (DEV);     \
    if (_d.is_cpu()) {                     \
      ::lamina::cpu::FN(__VA_ARGS__);      \
    } else {                               \
      ::lamina::cuda::set_device(_d.index); \
      ::lamina::cuda::FN(__VA_ARGS__);     \
    }                                      \
  } while (0)
