// Heap-allocation counter for the step benchmarks: interposes glibc's allocator entry points (malloc, calloc,
// realloc, memalign, aligned_alloc, posix_memalign; each forwards to its __libc_ version) and counts the calls in
// g_allocs (relaxed atomic: thread safe, exact once the timed threads have joined). Free is not counted.
// Include it from exactly ONE translation unit of a benchmark executable (it defines the extern "C" symbols).
#pragma once
#include <atomic>
#include <cstddef>

namespace {
std::atomic<long> g_allocs{0};
}
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* malloc(size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(size_t k, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(k, n);
}
void* realloc(void* p, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
int posix_memalign(void** p, size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;  // ENOMEM
}
}
