// Fiber stacks and context switches (see sim_fiber.h).
#include "sim_fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef LAMINA_SIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef LAMINA_SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef LAMINA_SIM_USE_UCONTEXT
// void lamina_sim_switch(void** save_sp, void* load_sp): pushes the callee-saved registers
// and the floating-point control words of the running context, stores its stack pointer in
// *save_sp, loads load_sp and pops the other context's. A new fiber's stack is prepared so
// that this "returns" into lamina_sim_fiber_start with r12 = arg, r13 = fn.
asm(R"(
  .text
  .p2align 4
  .globl lamina_sim_switch
  .hidden lamina_sim_switch
  .type lamina_sim_switch, @function
lamina_sim_switch:
  endbr64
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  stmxcsr 8(%rsp)
  fnstcw (%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr 8(%rsp)
  fldcw (%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size lamina_sim_switch, .-lamina_sim_switch

  .p2align 4
  .globl lamina_sim_fiber_start
  .hidden lamina_sim_fiber_start
  .type lamina_sim_fiber_start, @function
lamina_sim_fiber_start:
  endbr64
  movq %r12, %rdi
  callq *%r13
  ud2
  .size lamina_sim_fiber_start, .-lamina_sim_fiber_start
)");
extern "C" void lamina_sim_switch(void** save_sp, void* load_sp);
extern "C" void lamina_sim_fiber_start();
#endif

namespace lamina::sim {

size_t fiber_stack_bytes() {
  static const size_t bytes = [] {
#ifdef LAMINA_SIM_ASAN
    size_t kb = 1024;
#else
    size_t kb = 256;
#endif
    if (const char* e = std::getenv("LAMINA_SIM_STACK_KB")) {
      const long v = std::atol(e);
      if (v >= 16) kb = static_cast<size_t>(v);
    }
    return kb * 1024;
  }();
  return bytes;
}

#ifdef LAMINA_SIM_USE_UCONTEXT
namespace {
void ucontext_entry(unsigned lo, unsigned hi) {
  Fiber* f = reinterpret_cast<Fiber*>((static_cast<uintptr_t>(hi) << 32) | lo);
  f->fn(f->arg);
  std::abort();  // fn never returns
}
}  // namespace
#endif

void fiber_make(Fiber* f, void (*fn)(void*), void* arg) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t usable = (fiber_stack_bytes() + page - 1) / page * page;
  f->map_bytes = usable + page;
  void* m = mmap(nullptr, f->map_bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (m == MAP_FAILED) {
    std::fprintf(stderr, "[lamina sim] cannot map a %zu-byte fiber stack\n", f->map_bytes);
    std::abort();
  }
  f->map = static_cast<char*>(m);
  mprotect(f->map, page, PROT_NONE);  // overflowing the stack faults instead of corrupting
  f->stack_lo = f->map + page;
  f->stack_size = usable;
  f->fn = fn;
  f->arg = arg;
#ifdef LAMINA_SIM_USE_UCONTEXT
  getcontext(&f->uc);
  f->uc.uc_stack.ss_sp = const_cast<void*>(f->stack_lo);
  f->uc.uc_stack.ss_size = usable;
  f->uc.uc_link = nullptr;
  const uintptr_t p = reinterpret_cast<uintptr_t>(f);
  makecontext(&f->uc, reinterpret_cast<void (*)()>(ucontext_entry), 2,
              static_cast<unsigned>(p & 0xffffffffu), static_cast<unsigned>(p >> 32));
#else
  // Initial frame popped by lamina_sim_switch: fpu cw, mxcsr, r15, r14, r13 = fn, r12 = arg,
  // rbx, rbp = 0 (ends frame-pointer walks), return address = lamina_sim_fiber_start. After
  // the ret the stack pointer is 16-byte aligned, as the call in fiber_start needs.
  uintptr_t top = (reinterpret_cast<uintptr_t>(f->stack_lo) + usable) & ~uintptr_t(15);
  uint64_t* sp = reinterpret_cast<uint64_t*>(top - 88);
  std::memset(sp, 0, 88);
  sp[0] = 0x037f;  // x87 control word: default
  sp[1] = 0x1f80;  // MXCSR: default (all exceptions masked, round to nearest)
  sp[4] = reinterpret_cast<uint64_t>(fn);   // r13
  sp[5] = reinterpret_cast<uint64_t>(arg);  // r12
  sp[8] = reinterpret_cast<uint64_t>(&lamina_sim_fiber_start);
  f->sp = sp;
#endif
#ifdef LAMINA_SIM_TSAN
  f->tsan = __tsan_create_fiber(0);
#endif
}

void fiber_adopt_current(Fiber* f) {
#ifdef LAMINA_SIM_TSAN
  f->tsan = __tsan_get_current_fiber();
#endif
  (void)f;
}

void fiber_free(Fiber* f) {
#ifdef LAMINA_SIM_TSAN
  if (f->map && f->tsan) __tsan_destroy_fiber(f->tsan);
#endif
  if (f->map) munmap(f->map, f->map_bytes);
  f->map = nullptr;
}

LAMINA_SIM_NO_TSAN void fiber_switch(Fiber* from, Fiber* to, bool tsan_sync) {
#ifdef LAMINA_SIM_ASAN
  __sanitizer_start_switch_fiber(&from->asan_fake, to->stack_lo, to->stack_size);
#endif
#ifdef LAMINA_SIM_TSAN
  __tsan_switch_to_fiber(to->tsan, tsan_sync ? 0 : __tsan_switch_to_fiber_no_sync);
#endif
  (void)tsan_sync;
#ifdef LAMINA_SIM_USE_UCONTEXT
  swapcontext(&from->uc, &to->uc);
#else
  lamina_sim_switch(&from->sp, to->sp);
#endif
#ifdef LAMINA_SIM_ASAN
  __sanitizer_finish_switch_fiber(from->asan_fake, nullptr, nullptr);
#endif
}

LAMINA_SIM_NO_TSAN void fiber_entered(Fiber* from) {
#ifdef LAMINA_SIM_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &from->stack_lo, &from->stack_size);
#endif
  (void)from;
}

}  // namespace lamina::sim
