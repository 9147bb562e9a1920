// The arithmetic of mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 (see sim_tf32.h).
//
// Fragment layouts, from the PTX ISA ("Matrix fragments for mma.m16n8k8", .tf32), with
// groupID g = laneid >> 2 and threadID_in_group t = laneid % 4; they agree with CUTLASS's
// MMA_Traits<SM80_16x8x8_F32TF32TF32F32_TN> (ALayout ((4,8),(2,2)):((16,1),(8,64)) over the
// column-major 16x8 A, BLayout ((4,8),2):((8,1),32) over the 8x8 B stored n + 8k, CLayout
// SM80_16x8_Row ((4,8),(2,2)):((32,1),(16,8)) over the column-major 16x8 C):
//   A (16 x 8, row-major "row", element (m, k)):
//     a0 = A[g][t]    a1 = A[g + 8][t]    a2 = A[g][t + 4]    a3 = A[g + 8][t + 4]
//   B (8 x 8, column-major "col", element (k, n)):
//     b0 = B[t][g]    b1 = B[t + 4][g]
//   C and D (16 x 8, element (m, n)):
//     c0 = C[g][2t]   c1 = C[g][2t + 1]   c2 = C[g + 8][2t]   c3 = C[g + 8][2t + 1]
//
// Arithmetic model: D = A B + C with
//  - operands read as TF32: the tensor core ignores the low 13 bits of each 32-bit register
//    (it truncates; a kernel that forgets cvt.rna gets truncated operands here too);
//  - products exact (two 11-bit significands), the 8 products and c summed exactly (in double:
//    exact unless the terms span more than 53 bits of magnitude) and rounded once to fp32.
//    The hardware's accumulation is not IEEE (it aligns and truncates in a wide adder), so
//    a device result may differ from this model in the last bit or two of the largest term;
//    this is the ideal the hardware approximates, not a bit-exact replica.
#include <cmath>
#include <cstring>
#include <limits>

#include "sim_tf32.h"

namespace lamina::sim {
namespace {

double tf32_operand(uint32_t u) {
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0)
    return std::numeric_limits<double>::quiet_NaN();
  u &= 0xffffe000u;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

void mma_m16n8k8_tf32_warp(const uint32_t (*a)[4], const uint32_t (*b)[2], const float (*c)[4],
                           float (*d)[4]) {
  double A[16][8], B[8][8], C[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane & 3;
    A[g][t] = tf32_operand(a[lane][0]);
    A[g + 8][t] = tf32_operand(a[lane][1]);
    A[g][t + 4] = tf32_operand(a[lane][2]);
    A[g + 8][t + 4] = tf32_operand(a[lane][3]);
    B[t][g] = tf32_operand(b[lane][0]);
    B[t + 4][g] = tf32_operand(b[lane][1]);
    C[g][2 * t] = c[lane][0];
    C[g][2 * t + 1] = c[lane][1];
    C[g + 8][2 * t] = c[lane][2];
    C[g + 8][2 * t + 1] = c[lane][3];
  }
  float D[16][8];
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      double s = C[m][n];
      for (int k = 0; k < 8; ++k) s += A[m][k] * B[k][n];
      D[m][n] = static_cast<float>(s);
    }
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane & 3;
    d[lane][0] = D[g][2 * t];
    d[lane][1] = D[g][2 * t + 1];
    d[lane][2] = D[g + 8][2 * t];
    d[lane][3] = D[g + 8][2 * t + 1];
  }
}

}  // namespace lamina::sim
