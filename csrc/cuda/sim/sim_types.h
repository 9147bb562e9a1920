#pragma once
// CUDA's built-in vector types (vector_types.h) with the alignment nvcc gives them, dim3 and
// uint3, and the make_* constructors. Alignment matters: a kernel that casts a float* to
// float4* assumes 16-byte alignment, and under the simulator a misaligned cast is as wrong
// as on the device (UBSan's -fsanitize=alignment reports it).
#include <cstdint>

// uint3: the type of threadIdx / blockIdx. dim3: of blockDim / gridDim and launch shapes,
// unspecified components 1.
struct uint3 {
  unsigned int x, y, z;
};

struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1)
      : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

// LAMINA_SIM_VEC{1,2,3,4}(name, T, align): the CUDA vector type `name` of T with CUDA's
// alignment, and make_<name>(...).
#define LAMINA_SIM_VEC1(N, T, A)                                                       \
  struct alignas(A) N { T x; };                                                         \
  inline constexpr N make_##N(T x) { return N{x}; }
#define LAMINA_SIM_VEC2(N, T, A)                                                       \
  struct alignas(A) N { T x, y; };                                                      \
  inline constexpr N make_##N(T x, T y) { return N{x, y}; }
#define LAMINA_SIM_VEC3(N, T, A)                                                       \
  struct alignas(A) N { T x, y, z; };                                                   \
  inline constexpr N make_##N(T x, T y, T z) { return N{x, y, z}; }
#define LAMINA_SIM_VEC4(N, T, A)                                                       \
  struct alignas(A) N { T x, y, z, w; };                                                \
  inline constexpr N make_##N(T x, T y, T z, T w) { return N{x, y, z, w}; }

LAMINA_SIM_VEC1(char1, signed char, 1)
LAMINA_SIM_VEC2(char2, signed char, 2)
LAMINA_SIM_VEC4(char4, signed char, 4)
LAMINA_SIM_VEC1(uchar1, unsigned char, 1)
LAMINA_SIM_VEC2(uchar2, unsigned char, 2)
LAMINA_SIM_VEC4(uchar4, unsigned char, 4)
LAMINA_SIM_VEC1(short1, short, 2)
LAMINA_SIM_VEC2(short2, short, 4)
LAMINA_SIM_VEC4(short4, short, 8)
LAMINA_SIM_VEC1(ushort1, unsigned short, 2)
LAMINA_SIM_VEC2(ushort2, unsigned short, 4)
LAMINA_SIM_VEC4(ushort4, unsigned short, 8)
LAMINA_SIM_VEC1(int1, int, 4)
LAMINA_SIM_VEC2(int2, int, 8)
LAMINA_SIM_VEC3(int3, int, 4)
LAMINA_SIM_VEC4(int4, int, 16)
LAMINA_SIM_VEC1(uint1, unsigned int, 4)
LAMINA_SIM_VEC2(uint2, unsigned int, 8)
LAMINA_SIM_VEC4(uint4, unsigned int, 16)
LAMINA_SIM_VEC1(float1, float, 4)
LAMINA_SIM_VEC2(float2, float, 8)
LAMINA_SIM_VEC3(float3, float, 4)
LAMINA_SIM_VEC4(float4, float, 16)
LAMINA_SIM_VEC1(longlong1, long long, 8)
LAMINA_SIM_VEC2(longlong2, long long, 16)
LAMINA_SIM_VEC1(ulonglong1, unsigned long long, 8)
LAMINA_SIM_VEC2(ulonglong2, unsigned long long, 16)
LAMINA_SIM_VEC1(double1, double, 8)
LAMINA_SIM_VEC2(double2, double, 16)

inline constexpr uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) {
  return uint3{x, y, z};
}

#undef LAMINA_SIM_VEC1
#undef LAMINA_SIM_VEC2
#undef LAMINA_SIM_VEC3
#undef LAMINA_SIM_VEC4

static_assert(alignof(float4) == 16 && sizeof(float4) == 16, "float4 as in CUDA");
static_assert(alignof(float2) == 8 && alignof(double2) == 16 && alignof(int4) == 16,
              "vector alignment as in CUDA");
