#pragma once
// LAMINA_KERNEL(dev, fn, args...): call cpu::fn or, after selecting the device, cuda::fn.
#include "../core/tensor.h"
#include "../cpu/elementwise.h"
#include "../cpu/index.h"
#include "../cpu/matmul.h"
#include "../cpu/random.h"
#include "../cpu/reduce.h"
#include "../cuda/cuda.h"

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
