#ifndef MICROCIRCUIT_PREFETCH_H
#define MICROCIRCUIT_PREFETCH_H

/// Asks the CPU to bring the cache line of `address` in for writing (no effect on the
/// program's meaning). Swift has no prefetch of its own.
static inline void prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
