// Warp collectives: shuffles, votes, __syncwarp and the TF32 mma, as rendezvous of the lanes
// of one warp (the .sync intrinsics of Volta and later).
//
// A lane posts its operand and waits. The collective completes when every lane named in its
// mask has arrived with the same mask and intrinsic; then each lane gets its result and all
// resume in the next round. Device faults (messages name kernel, block and thread):
//  - a mask naming lanes that do not exist (the partial last warp of a block) or have exited,
//    or not naming the calling lane;
//  - lanes of one warp waiting in collectives whose masks overlap but differ, or in
//    different intrinsics;
//  - a shuffle reading a lane outside its mask (undefined on the device), a width that is not
//    a power of two up to 32;
//  - mma on a partial warp (the instruction is .aligned: all 32 lanes execute it);
//  - a lane exiting while others wait for it.
// Shuffles and votes order no memory (the hardware gives no such guarantee); __syncwarp
// orders the memory accesses of its lanes (a TSan release / acquire pair).
#include <cstring>

#include "sim_sched.h"
#include "sim_tf32.h"

namespace lamina::sim {
namespace detail {

const char* op_name(int kind) {
  switch (kind) {
    case static_cast<int>(WarpOp::ShflIdx): return "__shfl_sync";
    case static_cast<int>(WarpOp::ShflUp): return "__shfl_up_sync";
    case static_cast<int>(WarpOp::ShflDown): return "__shfl_down_sync";
    case static_cast<int>(WarpOp::ShflXor): return "__shfl_xor_sync";
    case static_cast<int>(WarpOp::Ballot): return "__ballot_sync";
    case static_cast<int>(WarpOp::Any): return "__any_sync";
    case static_cast<int>(WarpOp::All): return "__all_sync";
    case static_cast<int>(WarpOp::SyncWarp): return "__syncwarp";
    case kMma: return "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32";
  }
  return "a warp collective";
}

namespace {

// Source lane of a shuffle for `lane`, or `lane` itself where CUDA returns the caller's value.
int shuffle_source(const SimThread* t) {
  const int lane = t->lane, w = t->width, seg = lane & ~(w - 1), pos = lane & (w - 1);
  switch (static_cast<WarpOp>(t->kind)) {
    case WarpOp::ShflIdx: return seg + (t->arg & (w - 1));
    case WarpOp::ShflUp: return pos >= t->arg ? lane - t->arg : lane;
    case WarpOp::ShflDown: return pos + t->arg < w ? lane + t->arg : lane;
    case WarpOp::ShflXor: {
      const int src = lane ^ t->arg;
      return src >= seg + w ? lane : src;  // later segments are not visible
    }
    default: return lane;
  }
}

// All lanes of `mask` in `warp` have arrived: compute their results and let them go.
LAMINA_SIM_NO_TSAN void complete(Worker& w, int warp, unsigned mask) {
  SimThread* first = lane_thread(w, warp, __builtin_ctz(mask));
  const int kind = first->kind;
  if (kind == kMma) {
    uint32_t a[32][4], b[32][2];
    float c[32][4], d[32][4];
    for (int l = 0; l < 32; ++l) {
      const SimThread* t = lane_thread(w, warp, l);
      std::memcpy(a[l], t->a, sizeof a[l]);
      std::memcpy(b[l], t->b, sizeof b[l]);
      std::memcpy(c[l], t->c, sizeof c[l]);
    }
    mma_m16n8k8_tf32_warp(a, b, c, d);
    for (int l = 0; l < 32; ++l) std::memcpy(lane_thread(w, warp, l)->d, d[l], sizeof d[l]);
  } else {
    unsigned votes = 0;
    for (int l = 0; l < 32; ++l)
      if ((mask >> l & 1) && lane_thread(w, warp, l)->in) votes |= 1u << l;
    for (int l = 0; l < 32; ++l) {
      if (!(mask >> l & 1)) continue;
      SimThread* t = lane_thread(w, warp, l);
      switch (static_cast<WarpOp>(kind)) {
        case WarpOp::Ballot: t->out = votes; break;
        case WarpOp::Any: t->out = votes != 0; break;
        case WarpOp::All: t->out = votes == mask; break;
        case WarpOp::SyncWarp: t->out = 0; break;
        default: {
          const int src = shuffle_source(t);
          if (!(mask >> src & 1))
            fault_at(w, t,
                     "%s (mask 0x%08x) reads lane %d, which is not in the mask: the value is "
                     "undefined on the device",
                     op_name(kind), mask, src);
          t->out = lane_thread(w, warp, src)->in;
        }
      }
    }
  }
  if (kind == static_cast<int>(WarpOp::SyncWarp)) ++w.sw_gen[warp][__builtin_ctz(mask)];
  w.warps[warp].arrived &= ~mask;
  for (int l = 0; l < 32; ++l)
    if (mask >> l & 1) make_runnable(w, 32 * warp + l);
}

}  // namespace

LAMINA_SIM_NO_TSAN void warp_arrive(Worker& w, SimThread* t) {
  WarpState& ws = w.warps[t->warp];
  const unsigned present = lanes_present(w, t->warp), bit = 1u << t->lane, m = t->mask;
  const char* op = op_name(t->kind);
  if (t->kind == kMma && present != 0xffffffffu)
    fault_at(w, t,
             "%s executed by a partial warp: only lanes 0x%08x exist (the block has %d "
             "threads); the instruction needs all 32",
             op, present, w.n);
  if (!(m & bit))
    fault_at(w, t, "%s with mask 0x%08x, which does not include the calling lane", op, m);
  if (m & ~present)
    fault_at(w, t,
             "%s with mask 0x%08x names lanes that do not exist: this warp has only lanes "
             "0x%08x (partial warp: the block has %d threads)",
             op, m, present, w.n);
  if (m & ws.exited)
    fault_at(w, t, "%s with mask 0x%08x names lanes that have exited (0x%08x)", op, m,
             m & ws.exited);
  if (t->kind <= static_cast<int>(WarpOp::ShflXor) &&
      (t->width < 1 || t->width > 32 || (t->width & (t->width - 1)) != 0))
    fault_at(w, t, "%s with width %d: must be a power of two in [1, 32]", op, t->width);
  for (unsigned waiting = ws.arrived; waiting; waiting &= waiting - 1) {
    const SimThread* o = lane_thread(w, t->warp, __builtin_ctz(waiting));
    if ((o->mask & m) && (o->mask != m || o->kind != t->kind))
      fault_at(w, t,
               "lanes of one warp disagree: lane %d waits in %s (mask 0x%08x) while this "
               "lane calls %s (mask 0x%08x)",
               o->lane, op_name(o->kind), o->mask, op, m);
  }
  ws.arrived |= bit;
  if ((ws.arrived & m) == m) complete(w, t->warp, m);
}

LAMINA_SIM_NO_TSAN void warp_lane_exited(Worker& w, SimThread* t) {
  WarpState& ws = w.warps[t->warp];
  const unsigned bit = 1u << t->lane;
  for (unsigned waiting = ws.arrived; waiting; waiting &= waiting - 1) {
    const SimThread* o = lane_thread(w, t->warp, __builtin_ctz(waiting));
    if (o->mask & bit)
      fault_at(w, t, "exits while lane %d waits for it in %s (mask 0x%08x)", o->lane,
               op_name(o->kind), o->mask);
  }
  ws.exited |= bit;
}

}  // namespace detail

// --- the device-side entry points (sim_core.h, sim_tf32.h) ---

using namespace detail;

LAMINA_SIM_NO_TSAN uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg,
                                            int width) {
  SimThread* t = current(op_name(static_cast<int>(op)));
  if (op == WarpOp::SyncWarp && mask) {
    Worker& w = *t->worker;
    const int low = __builtin_ctz(mask);
    void* s = &w.sw_sync[t->warp][low][w.sw_gen[t->warp][low] & 1];
    tsan_release(s);
    t->acquire = s;
  }
  t->kind = static_cast<int>(op);
  t->mask = mask;
  t->arg = arg;
  t->width = width;
  t->in = value;
  t->state = State::Warp;
  yield(t);
  return t->out;
}

LAMINA_SIM_NO_TSAN void warp_mma_m16n8k8_tf32(float d[4], const uint32_t a[4],
                                              const uint32_t b[2], const float c[4]) {
  SimThread* t = current(op_name(kMma));
  std::memcpy(t->a, a, sizeof t->a);
  std::memcpy(t->b, b, sizeof t->b);
  std::memcpy(t->c, c, sizeof t->c);
  t->kind = kMma;
  t->mask = 0xffffffffu;
  t->state = State::Warp;
  yield(t);
  std::memcpy(d, t->d, sizeof t->d);
}

LAMINA_SIM_NO_TSAN int lane_id() { return current("lane_id()")->lane; }
LAMINA_SIM_NO_TSAN int warp_id() { return current("warp_id()")->warp; }

}  // namespace lamina::sim
