/*
 * What the count filter's paths share (native/count-filter.c is the binding and describes the
 * contract). One path is a filter, a batch and a streaming read loop for one instruction set:
 * kernels-scalar.c (portable C and the POPCNT instruction), kernels-avx2.c (AVX2 nibble lookup),
 * kernels-avx512.c (AVX-512 VPOPCNTDQ). The SIMD files use function attributes
 * (__attribute__((target(...)))), so every file compiles without -mavx2 or -mavx512f and a path's
 * code only runs on a CPU that has its instructions (count-filter.c checks at load).
 *
 * Callers (count-filter.c) have checked every bound: these functions trust their arguments.
 */
#ifndef DPDIST_COUNT_FILTER_H
#define DPDIST_COUNT_FILTER_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DPDIST_X86 1
#endif

/* Hits of one query among `count` records of w words at rec: (base + index, count) pairs while count < cut. */
typedef uint32_t (*filter_fn)(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                              int32_t base);

/* The same for nq queries back to back in `queries`: query q's pairs from hits[q·stride], their number in hitCounts[q]. */
typedef void (*batch_fn)(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                         int32_t *hits, uint32_t stride, uint32_t *hitCounts);

/* Reads `count` words and returns their XOR (so the reads cannot be left out): the memory ceiling, no counting. */
typedef uint32_t (*stream_fn)(const uint32_t *data, size_t count);

typedef struct {
  filter_fn filter;
  batch_fn batch;
  stream_fn stream;
  /* The name DPDIST_NATIVE_PATH selects it by (sketch/kernels/native-count-filter.ts). */
  const char *name;
} kernels;

extern const kernels portable_kernels;
#ifdef DPDIST_X86
extern const kernels popcnt_kernels;
extern const kernels avx2_kernels;
extern const kernels avx512_kernels;
#endif

/* Appends the hit (index, c) when c < cut; returns the number of hits. */
static inline uint32_t keep(int32_t *hits, uint32_t h, int32_t index, uint32_t c, uint32_t cut) {
  if (c < cut) {
    hits[2 * h] = index;
    hits[2 * h + 1] = (int32_t)c;
    h++;
  }
  return h;
}

/*
 * Records per batch tile: about 8 KiB of records (a multiple of 8, at least 8), so that a tile read
 * from memory once stays in the 32 KiB L1 data cache while every query of the batch passes over it.
 */
uint32_t batch_tile(uint32_t w);

/*
 * A batch as tiles × queries: each tile of batch_tile(w) records is filtered for every query in
 * turn before the next tile is read, so the block streams from memory once per batch and each
 * query's pass reads the tile from L1. Query q's hits stay in record order.
 */
void batch_tiled(filter_fn filter, const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq,
                 const uint32_t *cuts, int32_t *hits, uint32_t stride, uint32_t *hitCounts);

#endif
