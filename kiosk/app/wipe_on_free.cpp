// Zero on free, for every C++ allocation of the kiosk app.
//
// The participant's name, birth date, phone number and answers pass through many short-lived
// std::strings: a field's label, a button's text, a line of the review screen, the widget record,
// JSON for the test driver. The session's own copies are wiped when it ends (Flow::wipe, the
// keyboard's TextEntry), but a temporary freed by the C++ runtime leaves its bytes in the heap
// until malloc hands that memory out again, which may be never. glibc can fill freed memory
// (M_PERTURB), but not the small chunks its per-thread cache keeps, which is where short strings
// go. So the app replaces the global operator delete: each block is zeroed (its whole usable
// size) before it is returned to malloc. Cost: one memset of what is freed (measured in
// docs/PERFORMANCE.md). C allocations (libhangul, Dear ImGui's buffers) are not covered; the
// keyboard wipes libhangul's buffers itself, and ImGui holds no participant text (it draws our
// strings into vertex buffers).
#include <malloc.h>
#include <string.h>

#include <cstdlib>
#include <new>

// Under AddressSanitizer its allocator owns new and delete (and poisons what is freed): a
// delete of ours would free its blocks with free(), which it reports as a mismatch.
#if !defined(__SANITIZE_ADDRESS__)

namespace {

void release(void* p) noexcept {
  if (p == nullptr) return;
  explicit_bzero(p, malloc_usable_size(p));
  std::free(p);
}

}  // namespace

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

#endif  // !__SANITIZE_ADDRESS__
