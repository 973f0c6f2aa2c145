#ifndef VIGIL_KERNELS_H
#define VIGIL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The distance-screening kernel this processor runs: 0 none (use the portable Swift code), 1 AVX2 with FMA.
/// Decided once, from CPUID and the operating system's saved register state.
int vigil_screen_level(void);

/// Screens the points of one k-d tree leaf against a query, in single precision.
///
/// The leaf is stored feature-major: `block[f * capacity + s]` is feature `f` of slot `s`; `capacity` is a multiple
/// of 8, and unused slots hold NaN. For each slot below `slots` (rounded up to a multiple of 8, at most `capacity`),
/// bit `s % 8` of `masks[s / 8]` is set when the slot's squared distance to `query` (`dimension` values) is at most
/// `bound`; a NaN distance never is. Returns non-zero when any bit is set.
///
/// Call only where `vigil_screen_level()` is 1: the kernel uses AVX2 and FMA.
int vigil_screen_leaf(const float *block, ptrdiff_t capacity, ptrdiff_t dimension, const float *query,
                      ptrdiff_t slots, float bound, uint8_t *masks);

/// Screens tiles of 16 reference points against four queries at once, in single precision, through the expansion
/// |x − q|² = |x|² − 2 q·x + |q|² (about one cycle per point and query: a quarter of the operations of the direct
/// form, with each loaded point used for four queries).
///
/// Tile `t` starts at `tiles + t * (dimension + 1) * 16`: `dimension` groups of 16 values (feature f of the tile's 16
/// points), then the 16 points' squared norms |x|². `minusTwoQueries[j * dimension + f]` is −2 × feature f of query j.
/// Bit `s` of `masks[t * 4 + j]` is set when |x|² − 2 q·x for point s of tile t and query j is at most
/// `thresholds[j] + slack[t]`; a NaN never is. Returns non-zero when any bit is set.
///
/// Call only where `vigil_screen_level()` is 1: the kernel uses AVX2 and FMA.
int vigil_screen_tiles4(const float *tiles, ptrdiff_t tileCount, ptrdiff_t dimension, const float *minusTwoQueries,
                        const float *thresholds, const float *slack, uint16_t *masks);

/// Asks for the cache line holding `address` to be fetched for reading, without waiting for it.
static inline void vigil_prefetch(const void *address) { __builtin_prefetch(address, 0, 0); }

#endif
