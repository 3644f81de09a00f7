/*
 * The scalar paths: a portable loop over 64-bit words with the compiler's popcount, compiled twice:
 * as portable C, and, on x86-64, for the POPCNT instruction (run only when the CPU has it). Also the
 * tiling every batch uses (batch_tiled), and the scalar streaming read loop.
 */
#include "count-filter.h"

/* popcount(a XOR b) over w 32-bit words, 64 bits at a time (memcpy: records need not be 8-byte aligned). */
#define XOR_POPCOUNT_BODY                                                                                                          \
  uint32_t c = 0;                                                                                                                  \
  uint32_t j = 0;                                                                                                                  \
  for (; j + 2 <= w; j += 2) {                                                                                                     \
    uint64_t x, y;                                                                                                                 \
    memcpy(&x, a + j, 8);                                                                                                          \
    memcpy(&y, b + j, 8);                                                                                                          \
    c += (uint32_t)__builtin_popcountll(x ^ y);                                                                                    \
  }                                                                                                                                \
  if (j < w) c += (uint32_t)__builtin_popcount(a[j] ^ b[j]);                                                                       \
  return c;

#define FILTER_LOOP(COUNT_FN)                                                                                                      \
  uint32_t h = 0;                                                                                                                  \
  for (uint32_t r = 0; r < count; r++) h = keep(hits, h, base + (int32_t)r, COUNT_FN(rec + (size_t)r * w, q, w), cut);           \
  return h;

uint32_t batch_tile(uint32_t w) {
  const uint32_t records = (8192u / (4u * w)) & ~7u;
  return records < 8 ? 8 : records;
}

void batch_tiled(filter_fn filter, const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq,
                 const uint32_t *cuts, int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  for (uint32_t q = 0; q < nq; q++) hitCounts[q] = 0;
  const uint32_t tile = batch_tile(w);
  for (uint32_t t = 0; t < count; t += tile) {
    const uint32_t n = count - t < tile ? count - t : tile;
    for (uint32_t q = 0; q < nq; q++) {
      int32_t *out = hits + (size_t)q * stride + 2 * (size_t)hitCounts[q];
      hitCounts[q] += filter(rec + (size_t)t * w, n, w, queries + (size_t)q * w, cuts[q], out, (int32_t)t);
    }
  }
}

static inline uint32_t xor_popcount(const uint32_t *a, const uint32_t *b, uint32_t w) { XOR_POPCOUNT_BODY }

static uint32_t filter_portable(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                int32_t base) {
  FILTER_LOOP(xor_popcount)
}

static void batch_portable(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                           int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  batch_tiled(filter_portable, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
}

/* Four independent XOR chains over 64-bit words, so the loop is bound by the loads alone. */
static uint32_t stream_portable(const uint32_t *data, size_t count) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    uint64_t x[4];
    memcpy(x, data + i, 32);
    a ^= x[0];
    b ^= x[1];
    c ^= x[2];
    d ^= x[3];
  }
  uint64_t all = a ^ b ^ c ^ d;
  uint32_t out = (uint32_t)all ^ (uint32_t)(all >> 32);
  for (; i < count; i++) out ^= data[i];
  return out;
}

const kernels portable_kernels = {filter_portable, batch_portable, stream_portable, "portable"};

#ifdef DPDIST_X86
/* The same loop compiled for the POPCNT instruction. */
__attribute__((target("popcnt"))) static inline uint32_t xor_popcount_hw(const uint32_t *a, const uint32_t *b, uint32_t w) {
  XOR_POPCOUNT_BODY
}

__attribute__((target("popcnt"))) static uint32_t filter_popcnt(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q,
                                                                 uint32_t cut, int32_t *hits, int32_t base) {
  FILTER_LOOP(xor_popcount_hw)
}

static void batch_popcnt(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                         int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  batch_tiled(filter_popcnt, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
}

const kernels popcnt_kernels = {filter_popcnt, batch_popcnt, stream_portable, "popcnt"};
#endif
