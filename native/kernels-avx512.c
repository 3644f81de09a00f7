/*
 * The AVX-512 path (AVX-512 F + BW + VPOPCNTDQ): a 64-byte record is one XOR and one vpopcntq, and
 * eight records' lane sums are added together (group16 and sum8 below): about 0.7 ns per
 * (record, query) pair on a Zen 4 core. A single query then runs at the speed of memory, and a
 * batch, which reads each group of eight records once into registers for all its queries, at the
 * speed of arithmetic. Records of exactly 16 words (parity's usual M = 512 cells) have their own
 * kernels, and so do records of 4 words (M = 128), four to a vector; other lengths go through
 * record_counts, and their batches through batch_tiled.
 */
#include "count-filter.h"

#ifdef DPDIST_X86
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vpopcntdq")))

/* Per-qword popcounts of (record XOR query) for one record, 16 words at a time, the last chunk masked. */
AVX512 static inline __m512i record_counts(const uint32_t *p, const uint32_t *q, uint32_t w) {
  __m512i acc = _mm512_setzero_si512();
  uint32_t j = 0;
  for (; j + 16 <= w; j += 16)
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p + j), _mm512_loadu_si512(q + j))));
  if (j < w) {
    const __mmask16 m = (__mmask16)((1u << (w - j)) - 1);
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_maskz_loadu_epi32(m, p + j), _mm512_maskz_loadu_epi32(m, q + j))));
  }
  return acc;
}

/* Per-qword popcounts of one record of fewer than 16 words, the query's chunk already in a register. */
AVX512 static inline __m512i short_record_counts(const uint32_t *p, __m512i qv, __mmask16 mask) {
  return _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_maskz_loadu_epi32(mask, p), qv));
}

/*
 * Eight records at a time: c_i holds record i's eight per-qword counts; three rounds of
 * "pair up lanes and add" (unpack within 128-bit lanes, then 128-bit lane shuffles twice) leave
 * record i's total in qword lane i, so a hit mask's bit i is record i, in record order.
 */
AVX512 static inline __m512i sum8(__m512i c0, __m512i c1, __m512i c2, __m512i c3, __m512i c4, __m512i c5, __m512i c6, __m512i c7) {
  const __m512i a0 = _mm512_add_epi64(_mm512_unpacklo_epi64(c0, c1), _mm512_unpackhi_epi64(c0, c1));
  const __m512i a1 = _mm512_add_epi64(_mm512_unpacklo_epi64(c2, c3), _mm512_unpackhi_epi64(c2, c3));
  const __m512i a2 = _mm512_add_epi64(_mm512_unpacklo_epi64(c4, c5), _mm512_unpackhi_epi64(c4, c5));
  const __m512i a3 = _mm512_add_epi64(_mm512_unpacklo_epi64(c6, c7), _mm512_unpackhi_epi64(c6, c7));
  const __m512i b0 = _mm512_add_epi64(_mm512_shuffle_i64x2(a0, a1, 0x88), _mm512_shuffle_i64x2(a0, a1, 0xdd));
  const __m512i b1 = _mm512_add_epi64(_mm512_shuffle_i64x2(a2, a3, 0x88), _mm512_shuffle_i64x2(a2, a3, 0xdd));
  return _mm512_add_epi64(_mm512_shuffle_i64x2(b0, b1, 0x88), _mm512_shuffle_i64x2(b0, b1, 0xdd));
}

/* Appends (first + i, sums[i]) for each set bit i of `below`, in order; returns the new hit count. */
AVX512 static inline uint32_t emit8(__m512i sums, __mmask8 below, int32_t first, int32_t *hits, uint32_t h) {
  if (below) {
    uint64_t s[8];
    _mm512_storeu_si512(s, sums);
    while (below) {
      const int i = __builtin_ctz(below);
      hits[2 * h] = first + i;
      hits[2 * h + 1] = (int32_t)s[i];
      h++;
      below &= (__mmask8)(below - 1);
    }
  }
  return h;
}

/* COUNTS(p) is the per-qword count vector of the record at p. */
#define FILTER_AVX512(COUNTS)                                                                                                      \
  uint32_t h = 0;                                                                                                                  \
  uint32_t r = 0;                                                                                                                  \
  const __m512i cutv = _mm512_set1_epi64((long long)cut);                                                                          \
  for (; r + 8 <= count; r += 8) {                                                                                                 \
    const uint32_t *p = rec + (size_t)r * w;                                                                                       \
    __m512i c0 = COUNTS(p), c1 = COUNTS(p + w), c2 = COUNTS(p + 2 * (size_t)w), c3 = COUNTS(p + 3 * (size_t)w);                     \
    __m512i c4 = COUNTS(p + 4 * (size_t)w), c5 = COUNTS(p + 5 * (size_t)w), c6 = COUNTS(p + 6 * (size_t)w), c7 = COUNTS(p + 7 * (size_t)w); \
    const __m512i sums = sum8(c0, c1, c2, c3, c4, c5, c6, c7);                                                                     \
    h = emit8(sums, _mm512_cmplt_epu64_mask(sums, cutv), base + (int32_t)r, hits, h);                                              \
  }                                                                                                                                \
  for (; r < count; r++) h = keep(hits, h, base + (int32_t)r, (uint32_t)_mm512_reduce_add_epi64(COUNTS(rec + (size_t)r * w)), cut); \
  return h;

/*
 * Eight records of exactly 16 words (parity's usual M = 512 cells), x0..x7, against one query:
 * cheaper than sum8 because fewer lane shuffles. Each record's eight qword counts are at most 64,
 * so their total fits 16 bits: records 0–3 are packed into the 16-bit slots of one vector (shifts
 * and ORs, no shuffles) and records 4–7 into another, then both are summed across qwords at once
 * (two 256-bit halves, then pairs, then neighbours). Record i's count ends in 16-bit lane i for
 * i < 4 and lane 12 + i for i ≥ 4. Appends the hits below cut, in record order.
 */
AVX512 static inline uint32_t group16(__m512i x0, __m512i x1, __m512i x2, __m512i x3, __m512i x4, __m512i x5, __m512i x6, __m512i x7,
                                      __m512i qv, uint32_t cut, int32_t first, int32_t *hits, uint32_t h) {
#define C(x) _mm512_popcnt_epi64(_mm512_xor_si512((x), qv))
#define OR3(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xfe)
  const __m512i low = OR3(OR3(C(x0), _mm512_slli_epi64(C(x1), 16), _mm512_slli_epi64(C(x2), 32)), _mm512_slli_epi64(C(x3), 48), _mm512_setzero_si512());
  const __m512i high = OR3(OR3(C(x4), _mm512_slli_epi64(C(x5), 16), _mm512_slli_epi64(C(x6), 32)), _mm512_slli_epi64(C(x7), 48), _mm512_setzero_si512());
#undef OR3
#undef C
  __m512i z = _mm512_add_epi64(_mm512_shuffle_i64x2(low, high, 0x44), _mm512_shuffle_i64x2(low, high, 0xee));
  z = _mm512_add_epi64(z, _mm512_permutex_epi64(z, 0x4e));
  z = _mm512_add_epi64(z, _mm512_shuffle_epi32(z, (_MM_PERM_ENUM)0x4e));
  const __mmask32 lanes = _mm512_cmplt_epu16_mask(z, _mm512_set1_epi16((short)(cut > 0xffff ? 0xffff : cut)));
  uint32_t below = (lanes & 0xfu) | ((lanes >> 12) & 0xf0u);
  if (below) {
    uint16_t s[32];
    _mm512_storeu_si512(s, z);
    while (below) {
      const int i = __builtin_ctz(below);
      hits[2 * h] = first + i;
      hits[2 * h + 1] = (int32_t)s[i < 4 ? i : 12 + i];
      h++;
      below &= below - 1;
    }
  }
  return h;
}

#define LOAD8(p)                                                                                                                   \
  const __m512i x0 = _mm512_loadu_si512(p), x1 = _mm512_loadu_si512((p) + 16), x2 = _mm512_loadu_si512((p) + 32),                 \
                x3 = _mm512_loadu_si512((p) + 48), x4 = _mm512_loadu_si512((p) + 64), x5 = _mm512_loadu_si512((p) + 80),          \
                x6 = _mm512_loadu_si512((p) + 96), x7 = _mm512_loadu_si512((p) + 112)

/* Records of exactly 16 words: groups of eight through group16, the last count mod 8 one by one. */
AVX512 static uint32_t filter_avx512_16(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut,
                                        int32_t *hits, int32_t base) {
  (void)w;
  const __m512i qv = _mm512_loadu_si512(q);
  uint32_t h = 0;
  uint32_t r = 0;
  for (; r + 8 <= count; r += 8) {
    LOAD8(rec + (size_t)r * 16);
    h = group16(x0, x1, x2, x3, x4, x5, x6, x7, qv, cut, base + (int32_t)r, hits, h);
  }
  for (; r < count; r++) {
    const uint32_t c = (uint32_t)_mm512_reduce_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(rec + (size_t)r * 16), qv)));
    h = keep(hits, h, base + (int32_t)r, c, cut);
  }
  return h;
}

/* Records of fewer than 16 words: one masked chunk, query held in a register. */
AVX512 static uint32_t filter_avx512_short(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut,
                                           int32_t *hits, int32_t base) {
  const __mmask16 mask = (__mmask16)((1u << w) - 1);
  const __m512i qv = _mm512_maskz_loadu_epi32(mask, q);
#define SHORT_COUNTS(p) short_record_counts((p), qv, mask)
  FILTER_AVX512(SHORT_COUNTS)
#undef SHORT_COUNTS
}

/*
 * Records of 16 words or more: eight records at a time, chunk by chunk (64 bytes), so each chunk of
 * the query is loaded once for the eight records and the eight counts add up in eight registers:
 * 9 loads for 8 (record, query) chunks instead of 16 (what makes M = 1024 and M = 4096 cells, the
 * linkage sketches, about twice as fast as record by record).
 */
AVX512 static uint32_t filter_avx512_long(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut,
                                          int32_t *hits, int32_t base) {
  uint32_t h = 0;
  uint32_t r = 0;
  const __m512i cutv = _mm512_set1_epi64((long long)cut);
  const uint32_t full = w & ~15u;
  const __mmask16 tail = (__mmask16)((1u << (w - full)) - 1);
  for (; r + 8 <= count; r += 8) {
    const uint32_t *p = rec + (size_t)r * w;
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
#define STEP(c, i, LOAD) c = _mm512_add_epi64(c, _mm512_popcnt_epi64(_mm512_xor_si512(LOAD(p + (i) * (size_t)w + j), qv)))
#define ALL8(LOAD) STEP(c0, 0, LOAD); STEP(c1, 1, LOAD); STEP(c2, 2, LOAD); STEP(c3, 3, LOAD); STEP(c4, 4, LOAD); STEP(c5, 5, LOAD); STEP(c6, 6, LOAD); STEP(c7, 7, LOAD)
#define FULL_LOAD(a) _mm512_loadu_si512(a)
#define TAIL_LOAD(a) _mm512_maskz_loadu_epi32(tail, a)
    uint32_t j = 0;
    for (; j < full; j += 16) {
      const __m512i qv = _mm512_loadu_si512(q + j);
      ALL8(FULL_LOAD);
    }
    if (j < w) {
      const __m512i qv = _mm512_maskz_loadu_epi32(tail, q + j);
      ALL8(TAIL_LOAD);
    }
#undef TAIL_LOAD
#undef FULL_LOAD
#undef ALL8
#undef STEP
    const __m512i sums = sum8(c0, c1, c2, c3, c4, c5, c6, c7);
    h = emit8(sums, _mm512_cmplt_epu64_mask(sums, cutv), base + (int32_t)r, hits, h);
  }
  for (; r < count; r++) h = keep(hits, h, base + (int32_t)r, (uint32_t)_mm512_reduce_add_epi64(record_counts(rec + (size_t)r * w, q, w)), cut);
  return h;
}

/*
 * Records of exactly 4 words (parity's M = 128 cells), four to a vector: x0 holds records 0–3 and
 * x1 records 4–7 of a group, each record two qword counts. Adding the unpacked halves leaves the
 * totals as qwords [0 4 1 5 2 6 3 7], put in record order by one permute.
 */
AVX512 static inline __m512i group4_sums(__m512i x0, __m512i x1, __m512i qv) {
  const __m512i c0 = _mm512_popcnt_epi64(_mm512_xor_si512(x0, qv)), c1 = _mm512_popcnt_epi64(_mm512_xor_si512(x1, qv));
  const __m512i s = _mm512_add_epi64(_mm512_unpacklo_epi64(c0, c1), _mm512_unpackhi_epi64(c0, c1));
  return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), s);
}

/* A 4-word query four times over. */
AVX512 static inline __m512i query4(const uint32_t *q) { return _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)q)); }

AVX512 static uint32_t filter_avx512_4(const uint32_t *rec, uint32_t count, const uint32_t *q, uint32_t cut, int32_t *hits, int32_t base) {
  const __m512i qv = query4(q);
  const __m512i cutv = _mm512_set1_epi64((long long)cut);
  uint32_t h = 0;
  uint32_t r = 0;
  for (; r + 8 <= count; r += 8) {
    const uint32_t *p = rec + (size_t)r * 4;
    const __m512i sums = group4_sums(_mm512_loadu_si512(p), _mm512_loadu_si512(p + 16), qv);
    h = emit8(sums, _mm512_cmplt_epu64_mask(sums, cutv), base + (int32_t)r, hits, h);
  }
  return h + filter_avx512_short(rec + (size_t)r * 4, count - r, 4, q, cut, hits + 2 * (size_t)h, base + (int32_t)r);
}

AVX512 static uint32_t filter_avx512(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                     int32_t base) {
  if (w == 16) return filter_avx512_16(rec, count, w, q, cut, hits, base);
  if (w == 4) return filter_avx512_4(rec, count, q, cut, hits, base);
  return w < 16 ? filter_avx512_short(rec, count, w, q, cut, hits, base) : filter_avx512_long(rec, count, w, q, cut, hits, base);
}

/*
 * Batches of records of 16 or 4 words: each group of eight records is loaded once into registers
 * and compared with every query before the next group is read, so the block streams from memory
 * once per batch and every (record, query) pair costs only arithmetic. Other lengths: batch_tiled.
 */
AVX512 static void batch_avx512(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                                int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  if (w != 16 && w != 4) {
    batch_tiled(filter_avx512, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
    return;
  }
  for (uint32_t q = 0; q < nq; q++) hitCounts[q] = 0;
  uint32_t r = 0;
  if (w == 16) {
    for (; r + 8 <= count; r += 8) {
      LOAD8(rec + (size_t)r * 16);
      for (uint32_t q = 0; q < nq; q++)
        hitCounts[q] = group16(x0, x1, x2, x3, x4, x5, x6, x7, _mm512_loadu_si512(queries + (size_t)q * 16), cuts[q], (int32_t)r,
                               hits + (size_t)q * stride, hitCounts[q]);
    }
  } else {
    for (; r + 8 <= count; r += 8) {
      const __m512i x0 = _mm512_loadu_si512(rec + (size_t)r * 4), x1 = _mm512_loadu_si512(rec + (size_t)r * 4 + 16);
      for (uint32_t q = 0; q < nq; q++) {
        const __m512i sums = group4_sums(x0, x1, query4(queries + (size_t)q * 4));
        hitCounts[q] = emit8(sums, _mm512_cmplt_epu64_mask(sums, _mm512_set1_epi64((long long)cuts[q])), (int32_t)r, hits + (size_t)q * stride, hitCounts[q]);
      }
    }
  }
  if (r < count) {
    for (uint32_t q = 0; q < nq; q++)
      hitCounts[q] += filter_avx512(rec + (size_t)r * w, count - r, w, queries + (size_t)q * w, cuts[q], hits + (size_t)q * stride + 2 * hitCounts[q], (int32_t)r);
  }
}

/* The memory ceiling with 512-bit loads: four independent XOR chains, no counting. */
AVX512 static uint32_t stream_avx512(const uint32_t *data, size_t count) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 64 <= count; i += 64) {
    a = _mm512_xor_si512(a, _mm512_loadu_si512(data + i));
    b = _mm512_xor_si512(b, _mm512_loadu_si512(data + i + 16));
    c = _mm512_xor_si512(c, _mm512_loadu_si512(data + i + 32));
    d = _mm512_xor_si512(d, _mm512_loadu_si512(data + i + 48));
  }
  const __m512i all = _mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d));
  uint32_t lanes[16];
  _mm512_storeu_si512(lanes, all);
  uint32_t out = 0;
  for (int j = 0; j < 16; j++) out ^= lanes[j];
  for (; i < count; i++) out ^= data[i];
  return out;
}

const kernels avx512_kernels = {filter_avx512, batch_avx512, stream_avx512, "avx512"};
#endif
