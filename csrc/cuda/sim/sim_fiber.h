#pragma once
// Fibers: the execution contexts of simulated threads (internal to the simulator).
// A fiber is a stack plus saved registers; switching is a call into a few lines of assembly
// (x86-64: callee-saved registers, MXCSR and the x87 control word) with no system call,
// unlike glibc's swapcontext, which changes the signal mask with a syscall per switch.
// Other architectures (or -DLAMINA_SIM_UCONTEXT) use makecontext/swapcontext.
//
// Sanitizers are told about every switch: AddressSanitizer through
// __sanitizer_{start,finish}_switch_fiber (so it knows which stack is live), ThreadSanitizer
// through __tsan_switch_to_fiber (each fiber is its own TSan thread, so accesses of two
// simulated threads are checked for races against each other).
#include <cstddef>

#if !defined(__x86_64__) || defined(LAMINA_SIM_UCONTEXT)
#define LAMINA_SIM_USE_UCONTEXT 1
#include <ucontext.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define LAMINA_SIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAMINA_SIM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LAMINA_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LAMINA_SIM_ASAN 1
#endif
#endif

// Simulator bookkeeping shared between fibers (which lane waits where, exchange slots) is
// ordered by the scheduler, not by anything ThreadSanitizer can see: functions touching it
// are not instrumented, so that TSan only ever reports the kernel's own accesses.
#ifdef LAMINA_SIM_TSAN
#define LAMINA_SIM_NO_TSAN __attribute__((no_sanitize("thread"), noinline))
#else
#define LAMINA_SIM_NO_TSAN
#endif

namespace lamina::sim {

struct Fiber {
  void* sp = nullptr;             // saved stack pointer while switched out (assembly switch)
  char* map = nullptr;            // the stack mapping (lowest page is a guard page)
  size_t map_bytes = 0;
  void (*fn)(void*) = nullptr;    // entry, never returns
  void* arg = nullptr;
  void* tsan = nullptr;           // ThreadSanitizer fiber context
  void* asan_fake = nullptr;      // AddressSanitizer fake stack while switched out
  const void* stack_lo = nullptr; // usable stack [stack_lo, stack_lo + stack_size)
  size_t stack_size = 0;
#ifdef LAMINA_SIM_USE_UCONTEXT
  ucontext_t uc;
#endif
};

// Stack bytes per fiber: LAMINA_SIM_STACK_KB, default 256 KiB (1 MiB under AddressSanitizer,
// whose redzones grow frames). Only touched pages cost memory.
size_t fiber_stack_bytes();

// Makes `f` a new fiber that will run fn(arg) on its own stack when first switched to.
void fiber_make(Fiber* f, void (*fn)(void*), void* arg);
// Makes `f` stand for the calling OS thread's own context (the scheduler).
void fiber_adopt_current(Fiber* f);
void fiber_free(Fiber* f);

// Saves the current context into `from` and continues `to`. tsan_sync: let ThreadSanitizer
// order everything `from` did before everything `to` does next (the scheduler resuming a
// fiber); without it the switch creates no happens-before edge (a fiber yielding).
void fiber_switch(Fiber* from, Fiber* to, bool tsan_sync);

// First thing a fiber's entry function must call (tells AddressSanitizer it arrived from
// `from`, whose stack bounds it records there).
void fiber_entered(Fiber* from);

}  // namespace lamina::sim
