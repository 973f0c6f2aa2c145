// A hand-written SIMD kernel, used at run time only where the processor supports it.
//
// Swift compiles for the baseline x86-64 (SSE2) so that the binary runs on any machine, and it has no per-function
// target attributes. The k-d tree's leaf scan is most of LOF's time in 15 dimensions, and 256-bit vectors with fused
// multiply-add shorten it; a 512-bit version gained nothing on leaves of about 40 points (bench/RESULTS.md, "The house",
// SIMD kernels). The function compiles for AVX2 alone and is only called after `vigil_screen_level` has
// checked that the processor and the operating system support it.
//
// The kernel only screens: the caller re-measures every point it passes in double precision, with a margin larger
// than any single-precision rounding error (fused or not), so the neighbours found do not depend on the kernel.

#include "VigilKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

static int detect_level(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx || !fma) return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    if ((xcr0_low & 0x6) != 0x6) return 0;  // the OS saves SSE and AVX state
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx >> 5) & 1;  // AVX2
}

int vigil_screen_level(void) {
    static int level = -1;
    int seen = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (seen < 0) {
        seen = detect_level();
        __atomic_store_n(&level, seen, __ATOMIC_RELAXED);
    }
    return seen;
}

__attribute__((target("avx2,fma")))
int vigil_screen_leaf(const float *block, ptrdiff_t capacity, ptrdiff_t dimension, const float *query,
                      ptrdiff_t slots, float bound, uint8_t *masks) {
    const __m256 limit = _mm256_set1_ps(bound);
    int any = 0;
    ptrdiff_t slot = 0;
    // Four vectors at a time keep four independent chains of fused multiply-adds in flight.
    for (; slot + 32 <= slots; slot += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        const float *p = block + slot;
        for (ptrdiff_t f = 0; f < dimension; f++, p += capacity) {
            const __m256 q = _mm256_broadcast_ss(query + f);
            const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(p), q);
            const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(p + 8), q);
            const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(p + 16), q);
            const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(p + 24), q);
            a0 = _mm256_fmadd_ps(d0, d0, a0);
            a1 = _mm256_fmadd_ps(d1, d1, a1);
            a2 = _mm256_fmadd_ps(d2, d2, a2);
            a3 = _mm256_fmadd_ps(d3, d3, a3);
        }
        const int m0 = _mm256_movemask_ps(_mm256_cmp_ps(a0, limit, _CMP_LE_OQ));
        const int m1 = _mm256_movemask_ps(_mm256_cmp_ps(a1, limit, _CMP_LE_OQ));
        const int m2 = _mm256_movemask_ps(_mm256_cmp_ps(a2, limit, _CMP_LE_OQ));
        const int m3 = _mm256_movemask_ps(_mm256_cmp_ps(a3, limit, _CMP_LE_OQ));
        masks[slot / 8] = (uint8_t)m0;
        masks[slot / 8 + 1] = (uint8_t)m1;
        masks[slot / 8 + 2] = (uint8_t)m2;
        masks[slot / 8 + 3] = (uint8_t)m3;
        any |= m0 | m1 | m2 | m3;
    }
    for (; slot < slots; slot += 8) {
        __m256 a = _mm256_setzero_ps();
        const float *p = block + slot;
        for (ptrdiff_t f = 0; f < dimension; f++, p += capacity) {
            const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(p), _mm256_broadcast_ss(query + f));
            a = _mm256_fmadd_ps(d, d, a);
        }
        const int m = _mm256_movemask_ps(_mm256_cmp_ps(a, limit, _CMP_LE_OQ));
        masks[slot / 8] = (uint8_t)m;
        any |= m;
    }
    return any;
}

__attribute__((target("avx2,fma")))
int vigil_screen_tiles4(const float *tiles, ptrdiff_t tileCount, ptrdiff_t dimension, const float *minusTwoQueries,
                        const float *thresholds, const float *slack, uint16_t *masks) {
    const float *q0 = minusTwoQueries, *q1 = q0 + dimension, *q2 = q1 + dimension, *q3 = q2 + dimension;
    const ptrdiff_t stride = (dimension + 1) * 16;
    int any = 0;
    for (ptrdiff_t t = 0; t < tileCount; t++) {
        const float *p = tiles + t * stride;
        const float *norms = p + dimension * 16;
        // Eight independent chains (four queries × two vectors of eight points) cover the fused multiply-add's
        // latency on two pipes.
        const __m256 n0 = _mm256_loadu_ps(norms), n1 = _mm256_loadu_ps(norms + 8);
        __m256 a00 = n0, a01 = n1, a10 = n0, a11 = n1, a20 = n0, a21 = n1, a30 = n0, a31 = n1;
        for (ptrdiff_t f = 0; f < dimension; f++, p += 16) {
            const __m256 x0 = _mm256_loadu_ps(p), x1 = _mm256_loadu_ps(p + 8);
            __m256 b = _mm256_broadcast_ss(q0 + f);
            a00 = _mm256_fmadd_ps(x0, b, a00);
            a01 = _mm256_fmadd_ps(x1, b, a01);
            b = _mm256_broadcast_ss(q1 + f);
            a10 = _mm256_fmadd_ps(x0, b, a10);
            a11 = _mm256_fmadd_ps(x1, b, a11);
            b = _mm256_broadcast_ss(q2 + f);
            a20 = _mm256_fmadd_ps(x0, b, a20);
            a21 = _mm256_fmadd_ps(x1, b, a21);
            b = _mm256_broadcast_ss(q3 + f);
            a30 = _mm256_fmadd_ps(x0, b, a30);
            a31 = _mm256_fmadd_ps(x1, b, a31);
        }
        const float s = slack[t];
        __m256 l = _mm256_set1_ps(thresholds[0] + s);
        const int m0 = _mm256_movemask_ps(_mm256_cmp_ps(a00, l, _CMP_LE_OQ)) |
                       _mm256_movemask_ps(_mm256_cmp_ps(a01, l, _CMP_LE_OQ)) << 8;
        l = _mm256_set1_ps(thresholds[1] + s);
        const int m1 = _mm256_movemask_ps(_mm256_cmp_ps(a10, l, _CMP_LE_OQ)) |
                       _mm256_movemask_ps(_mm256_cmp_ps(a11, l, _CMP_LE_OQ)) << 8;
        l = _mm256_set1_ps(thresholds[2] + s);
        const int m2 = _mm256_movemask_ps(_mm256_cmp_ps(a20, l, _CMP_LE_OQ)) |
                       _mm256_movemask_ps(_mm256_cmp_ps(a21, l, _CMP_LE_OQ)) << 8;
        l = _mm256_set1_ps(thresholds[3] + s);
        const int m3 = _mm256_movemask_ps(_mm256_cmp_ps(a30, l, _CMP_LE_OQ)) |
                       _mm256_movemask_ps(_mm256_cmp_ps(a31, l, _CMP_LE_OQ)) << 8;
        masks[4 * t] = (uint16_t)m0;
        masks[4 * t + 1] = (uint16_t)m1;
        masks[4 * t + 2] = (uint16_t)m2;
        masks[4 * t + 3] = (uint16_t)m3;
        any |= m0 | m1 | m2 | m3;
    }
    return any;
}

#else

int vigil_screen_level(void) { return 0; }

int vigil_screen_tiles4(const float *tiles, ptrdiff_t tileCount, ptrdiff_t dimension, const float *minusTwoQueries,
                        const float *thresholds, const float *slack, uint16_t *masks) {
    (void)tiles; (void)tileCount; (void)dimension; (void)minusTwoQueries; (void)thresholds; (void)slack; (void)masks;
    return 0;
}

int vigil_screen_leaf(const float *block, ptrdiff_t capacity, ptrdiff_t dimension, const float *query,
                      ptrdiff_t slots, float bound, uint8_t *masks) {
    (void)block; (void)capacity; (void)dimension; (void)query; (void)slots; (void)bound; (void)masks;
    return 0;
}

#endif
