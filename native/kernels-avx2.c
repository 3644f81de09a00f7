/*
 * The AVX2 path, for x86-64 CPUs without AVX-512 VPOPCNTDQ (AMD Zen 2 and Zen 3, Intel Haswell to
 * Alder Lake). AVX2 has no vector popcount: a byte's count is looked up by its two nibbles in a
 * 16-entry table with vpshufb, 32 bytes at a time, and vpsadbw adds the bytes of each 64-bit lane.
 *
 * One record gives a vector of four 64-bit lane counts (record_counts); reduce8 turns eight such
 * vectors into the eight records' totals as 32-bit lanes in record order, compared with the cut at
 * once (emit8). The one-query loop is compiled with the record length as a constant for 8, 16 and
 * 32 words (parity's M = 256, 512, 1024 cells); records of 4 words (M = 128) go two to a vector;
 * other lengths run the loop with w a variable, 8 words at a time with the last chunk loaded under
 * a mask (vpmaskmovd reads nothing past it).
 *
 * Batches of records of 4, 8, 16 or 32 words are blocked (batch_split): a tile of records
 * (batch_tile) is read from memory once and stored split into low and high nibbles; since
 * nibble(r XOR q) = nibble(r) XOR nibble(q), each query, itself split once per tile and held in
 * registers, then costs per vector of a record one XOR and one table lookup per nibble, with the
 * tile in L1. Other lengths use batch_tiled.
 */
#include "count-filter.h"

#ifdef DPDIST_X86
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

/* popcount of each nibble value 0..15, in both 128-bit halves (vpshufb looks up within a half). */
AVX2_INLINE __m256i nibble_counts(void) {
  return _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
}

AVX2_INLINE __m256i low_nibbles(__m256i x) { return _mm256_and_si256(x, _mm256_set1_epi8(0x0f)); }
AVX2_INLINE __m256i high_nibbles(__m256i x) { return _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0f)); }

/* Per-byte popcounts of x (each at most 8). */
AVX2_INLINE __m256i byte_counts(__m256i x) {
  const __m256i table = nibble_counts();
  return _mm256_add_epi8(_mm256_shuffle_epi8(table, low_nibbles(x)), _mm256_shuffle_epi8(table, high_nibbles(x)));
}

/* The sum of each 64-bit lane's bytes. */
AVX2_INLINE __m256i lane_sums(__m256i bytes) { return _mm256_sad_epu8(bytes, _mm256_setzero_si256()); }

/* Lane mask loading words [0, n) of a chunk of 8 (0 < n < 8). */
AVX2_INLINE __m256i tail_mask(uint32_t n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }

/*
 * Four 64-bit lane counts summing to popcount(record p XOR query q) over w words: pairs of full
 * chunks share one vpsadbw (bytes reach 16), then a lone full chunk, then the masked tail.
 */
AVX2_INLINE __m256i record_counts(const uint32_t *p, const uint32_t *q, uint32_t w, __m256i tail) {
  __m256i acc = _mm256_setzero_si256();
  uint32_t j = 0;
  for (; j + 16 <= w; j += 16) {
    const __m256i x0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + j)), _mm256_loadu_si256((const __m256i *)(q + j)));
    const __m256i x1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + j + 8)), _mm256_loadu_si256((const __m256i *)(q + j + 8)));
    acc = _mm256_add_epi64(acc, lane_sums(_mm256_add_epi8(byte_counts(x0), byte_counts(x1))));
  }
  if (j + 8 <= w) {
    const __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + j)), _mm256_loadu_si256((const __m256i *)(q + j)));
    acc = _mm256_add_epi64(acc, lane_sums(byte_counts(x)));
    j += 8;
  }
  if (j < w) {
    const __m256i x = _mm256_xor_si256(_mm256_maskload_epi32((const int *)(p + j), tail), _mm256_maskload_epi32((const int *)(q + j), tail));
    acc = _mm256_add_epi64(acc, lane_sums(byte_counts(x)));
  }
  return acc;
}

/* The total of four 64-bit lanes. */
AVX2_INLINE uint32_t total(__m256i s) {
  __m128i x = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  x = _mm_add_epi64(x, _mm_unpackhi_epi64(x, x));
  return (uint32_t)_mm_cvtsi128_si64(x);
}

/* Two records' lane vectors as 32-bit lanes [a0 b0 a1 b1 | a2 b2 a3 b3] (every lane count is below 2^32). */
AVX2_INLINE __m256i pair(__m256i a, __m256i b) { return _mm256_or_si256(a, _mm256_slli_epi64(b, 32)); }

/*
 * Eight records' lane vectors s0..s7 to their totals as 32-bit lanes 0..7: pairs interleave two
 * records, unpacking 64-bit halves and adding sums lanes within each 128-bit half, and the two
 * halves are added across (records 0–3 from one pair of pairs, 4–7 from the other).
 */
AVX2_INLINE __m256i reduce8(__m256i s0, __m256i s1, __m256i s2, __m256i s3, __m256i s4, __m256i s5, __m256i s6, __m256i s7) {
  const __m256i a = pair(s0, s1), b = pair(s2, s3), c = pair(s4, s5), d = pair(s6, s7);
  const __m256i ab = _mm256_add_epi32(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
  const __m256i cd = _mm256_add_epi32(_mm256_unpacklo_epi64(c, d), _mm256_unpackhi_epi64(c, d));
  return _mm256_add_epi32(_mm256_permute2x128_si256(ab, cd, 0x20), _mm256_permute2x128_si256(ab, cd, 0x31));
}

/*
 * The same for lane vectors whose lanes are below 2^16 (the split passes' are at most 2048), with packs
 * instead of shifts: two rounds of vpackusdw put the four records' lanes side by side as 16-bit
 * values, and vpmaddwd adds neighbours, leaving each half of records 0–3 (and of 4–7) per half.
 */
AVX2_INLINE __m256i reduce8_small(__m256i s0, __m256i s1, __m256i s2, __m256i s3, __m256i s4, __m256i s5, __m256i s6, __m256i s7) {
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i x = _mm256_madd_epi16(_mm256_packus_epi32(_mm256_packus_epi32(s0, s1), _mm256_packus_epi32(s2, s3)), ones);
  const __m256i y = _mm256_madd_epi16(_mm256_packus_epi32(_mm256_packus_epi32(s4, s5), _mm256_packus_epi32(s6, s7)), ones);
  return _mm256_add_epi32(_mm256_permute2x128_si256(x, y, 0x20), _mm256_permute2x128_si256(x, y, 0x31));
}

/*
 * Four vectors each holding two 4-word records' lane counts, v_k = [2k low, 2k high, 2k+1 low,
 * 2k+1 high], to the eight totals in record order: packed and added as in reduce8_small, records
 * arrive as 0 2 4 6 | 1 3 5 7, and one permute puts them in order.
 */
AVX2_INLINE __m256i reduce8_pairs(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i s = _mm256_madd_epi16(_mm256_packus_epi32(_mm256_packus_epi32(v0, v1), _mm256_packus_epi32(v2, v3)), _mm256_set1_epi16(1));
  return _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Appends (first + i, sums[i]) for each lane i with sums[i] < cut, in order; returns the new hit count. */
AVX2_INLINE uint32_t emit8(__m256i sums, uint32_t cut, int32_t first, int32_t *hits, uint32_t h) {
  if (cut == 0) return h;
  // sums ≤ cut − 1, unsigned: max(sums, cut − 1) == cut − 1
  const __m256i limit = _mm256_set1_epi32((int)(cut - 1));
  unsigned below = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_max_epu32(sums, limit), limit)));
  if (below) {
    uint32_t s[8];
    _mm256_storeu_si256((__m256i *)s, sums);
    while (below) {
      const int i = __builtin_ctz(below);
      hits[2 * h] = first + i;
      hits[2 * h + 1] = (int32_t)s[i];
      h++;
      below &= below - 1;
    }
  }
  return h;
}

/* The one-query loop for any w (a constant where the callers below inline it): groups of eight, then the rest one by one. */
AVX2_INLINE uint32_t filter_body(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                 int32_t base) {
  const __m256i tail = tail_mask(w & 7);
  uint32_t h = 0;
  uint32_t r = 0;
  for (; r + 8 <= count; r += 8) {
    const uint32_t *p = rec + (size_t)r * w;
    const __m256i s0 = record_counts(p, q, w, tail), s1 = record_counts(p + w, q, w, tail);
    const __m256i s2 = record_counts(p + 2 * (size_t)w, q, w, tail), s3 = record_counts(p + 3 * (size_t)w, q, w, tail);
    const __m256i s4 = record_counts(p + 4 * (size_t)w, q, w, tail), s5 = record_counts(p + 5 * (size_t)w, q, w, tail);
    const __m256i s6 = record_counts(p + 6 * (size_t)w, q, w, tail), s7 = record_counts(p + 7 * (size_t)w, q, w, tail);
    h = emit8(reduce8(s0, s1, s2, s3, s4, s5, s6, s7), cut, base + (int32_t)r, hits, h);
  }
  for (; r < count; r++) h = keep(hits, h, base + (int32_t)r, total(record_counts(rec + (size_t)r * w, q, w, tail)), cut);
  return h;
}

/* Lane counts of two 4-word records at p against the query twice over (qq). */
AVX2_INLINE __m256i two_records_counts(const uint32_t *p, __m256i qq) {
  return lane_sums(byte_counts(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p), qq)));
}

AVX2 static uint32_t filter_avx2_4(const uint32_t *rec, uint32_t count, const uint32_t *q, uint32_t cut, int32_t *hits, int32_t base) {
  const __m256i qq = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)q));
  uint32_t h = 0;
  uint32_t r = 0;
  for (; r + 8 <= count; r += 8) {
    const uint32_t *p = rec + (size_t)r * 4;
    const __m256i v0 = two_records_counts(p, qq), v1 = two_records_counts(p + 8, qq);
    const __m256i v2 = two_records_counts(p + 16, qq), v3 = two_records_counts(p + 24, qq);
    h = emit8(reduce8_pairs(v0, v1, v2, v3), cut, base + (int32_t)r, hits, h);
  }
  return h + filter_body(rec + (size_t)r * 4, count - r, 4, q, cut, hits + 2 * (size_t)h, base + (int32_t)r);
}

AVX2 static uint32_t filter_avx2_8(const uint32_t *rec, uint32_t count, const uint32_t *q, uint32_t cut, int32_t *hits, int32_t base) {
  return filter_body(rec, count, 8, q, cut, hits, base);
}

AVX2 static uint32_t filter_avx2_16(const uint32_t *rec, uint32_t count, const uint32_t *q, uint32_t cut, int32_t *hits, int32_t base) {
  return filter_body(rec, count, 16, q, cut, hits, base);
}

AVX2 static uint32_t filter_avx2_32(const uint32_t *rec, uint32_t count, const uint32_t *q, uint32_t cut, int32_t *hits, int32_t base) {
  return filter_body(rec, count, 32, q, cut, hits, base);
}

AVX2 static uint32_t filter_avx2_any(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                     int32_t base) {
  return filter_body(rec, count, w, q, cut, hits, base);
}

/* Records of 2^26 words or more (lane counts could pass 2^32) take the scalar path. */
#define AVX2_MAX_WORDS (1u << 26)

AVX2 static uint32_t filter_avx2(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                 int32_t base) {
  switch (w) {
  case 4: return filter_avx2_4(rec, count, q, cut, hits, base);
  case 8: return filter_avx2_8(rec, count, q, cut, hits, base);
  case 16: return filter_avx2_16(rec, count, q, cut, hits, base);
  case 32: return filter_avx2_32(rec, count, q, cut, hits, base);
  default: return w < AVX2_MAX_WORDS ? filter_avx2_any(rec, count, w, q, cut, hits, base) : popcnt_kernels.filter(rec, count, w, q, cut, hits, base);
  }
}

/* Nibble-split vectors of one tile: 8 KiB of records become 16 KiB (low, high, low, high, ...). */
#define SPLIT_VECTORS 512

/* Splits n words (a multiple of 8) at p into the tile buffer: vector k's low nibbles at 2k, high at 2k + 1. */
AVX2_INLINE void split_tile(const uint32_t *p, uint32_t n, __m256i *split) {
  for (uint32_t k = 0; k < n / 8; k++) {
    const __m256i x = _mm256_loadu_si256((const __m256i *)(p + 8 * (size_t)k));
    split[2 * k] = low_nibbles(x);
    split[2 * k + 1] = high_nibbles(x);
  }
}

/*
 * The split passes sum bytes with vpsadbw against a complement instead of zero: with a ≤ 8 and
 * d = 128 − b (b ≤ 8), |a − d| = 128 − (a + b), so one vpsadbw adds two byte counts and each
 * 64-bit lane comes out as 8·128 minus its count (one addition fewer per vector pair).
 */
AVX2_INLINE __m256i nibble_complements(void) {
#define C(k) (char)(128 - (k))
  return _mm256_setr_epi8(C(0), C(1), C(1), C(2), C(1), C(2), C(2), C(3), C(1), C(2), C(2), C(3), C(2), C(3), C(3), C(4), C(0), C(1), C(1),
                          C(2), C(1), C(2), C(2), C(3), C(1), C(2), C(2), C(3), C(2), C(3), C(3), C(4));
#undef C
}

/* Lane values 1024 − count of the split vector v XOR the split query (ql, qh). */
AVX2_INLINE __m256i split_lanes(const __m256i *v, __m256i ql, __m256i qh) {
  return _mm256_sad_epu8(_mm256_shuffle_epi8(nibble_counts(), _mm256_xor_si256(v[0], ql)), _mm256_shuffle_epi8(nibble_complements(), _mm256_xor_si256(v[1], qh)));
}

/* Lane values 1024 − count of two split vectors (v, v + 2) against two split query vectors. */
AVX2_INLINE __m256i split_lanes2(const __m256i *v, __m256i l0, __m256i h0, __m256i l1, __m256i h1) {
  const __m256i table = nibble_counts();
  const __m256i a = _mm256_add_epi8(_mm256_shuffle_epi8(table, _mm256_xor_si256(v[0], l0)), _mm256_shuffle_epi8(table, _mm256_xor_si256(v[1], h0)));
  const __m256i d = _mm256_sub_epi8(_mm256_shuffle_epi8(nibble_complements(), _mm256_xor_si256(v[2], l1)), _mm256_shuffle_epi8(table, _mm256_xor_si256(v[3], h1)));
  return _mm256_sad_epu8(a, d);
}

/* One split record's lanes of 1024 − count per vpsadbw: one vpsadbw for a lone chunk, one per pair of chunks. */
AVX2_INLINE __m256i split_record(const __m256i *v, uint32_t chunks, const __m256i *ql, const __m256i *qh) {
  if (chunks == 1) return split_lanes(v, ql[0], qh[0]);
  const __m256i s = split_lanes2(v, ql[0], qh[0], ql[1], qh[1]);
  return chunks == 2 ? s : _mm256_add_epi64(s, split_lanes2(v + 4, ql[2], qh[2], ql[3], qh[3]));
}

/*
 * One query against the split tile of n records (n a multiple of 8) of 8·chunks words, chunks = 1,
 * 2 or 4 (a constant where batch_split inlines it): the query's split chunks stay in registers.
 */
AVX2_INLINE uint32_t split_pass(const __m256i *split, uint32_t n, uint32_t chunks, const uint32_t *query, uint32_t cut, int32_t first,
                                int32_t *hits, uint32_t h) {
  __m256i ql[4], qh[4];
  for (uint32_t c = 0; c < chunks; c++) {
    const __m256i x = _mm256_loadu_si256((const __m256i *)(query + 8 * c));
    ql[c] = low_nibbles(x);
    qh[c] = high_nibbles(x);
  }
  // four lanes per record, each 1024 − count per vpsadbw (two of them for four chunks)
  const __m256i full = _mm256_set1_epi32(chunks == 4 ? 8192 : 4096);
#define S(i) split_record(v + 2 * chunks * (i), chunks, ql, qh)
  for (uint32_t r = 0; r < n; r += 8) {
    const __m256i *v = split + 2 * chunks * (size_t)r;
    h = emit8(_mm256_sub_epi32(full, reduce8_small(S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7))), cut, first + (int32_t)r, hits, h);
  }
#undef S
  return h;
}

/* One query against the split tile of n records of 4 words (two records per vector). */
AVX2_INLINE uint32_t split_pass4(const __m256i *split, uint32_t n, const uint32_t *query, uint32_t cut, int32_t first, int32_t *hits,
                                 uint32_t h) {
  const __m256i qq = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)query));
  const __m256i l = low_nibbles(qq), hi = high_nibbles(qq);
  // two lanes of 1024 − count per record: its total comes out as 2048 − count
  const __m256i full = _mm256_set1_epi32(2048);
#define V(i) split_lanes(v + 2 * (i), l, hi)
  for (uint32_t r = 0; r < n; r += 8) {
    const __m256i *v = split + (size_t)r;
    h = emit8(_mm256_sub_epi32(full, reduce8_pairs(V(0), V(1), V(2), V(3))), cut, first + (int32_t)r, hits, h);
  }
#undef V
  return h;
}

/*
 * The blocked batch for w = 4, 8, 16 or 32: tiles of batch_tile(w) records (a multiple of 8), each split
 * once and passed over by every query; the last count mod 8 records go through the one-query filter.
 */
AVX2 static void batch_split(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                             int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  __m256i split[SPLIT_VECTORS];
  const uint32_t tile = batch_tile(w);
  const uint32_t whole = count & ~7u;
  for (uint32_t q = 0; q < nq; q++) hitCounts[q] = 0;
  for (uint32_t t = 0; t < whole; t += tile) {
    const uint32_t n = whole - t < tile ? whole - t : tile;
    split_tile(rec + (size_t)t * w, n * w, split);
    // the next tile comes from memory while every query passes over this one
    const uint32_t next = t + n < whole ? (whole - t - n < tile ? whole - t - n : tile) : 0;
    for (uint32_t line = 0; line < next * w / 16; line++) _mm_prefetch((const char *)(rec + (size_t)(t + n) * w + 16 * (size_t)line), _MM_HINT_T0);
    for (uint32_t q = 0; q < nq; q++) {
      int32_t *out = hits + (size_t)q * stride;
      const uint32_t *query = queries + (size_t)q * w;
      const uint32_t c = cuts[q], h = hitCounts[q];
      hitCounts[q] = w == 4    ? split_pass4(split, n, query, c, (int32_t)t, out, h)
                     : w == 8  ? split_pass(split, n, 1, query, c, (int32_t)t, out, h)
                     : w == 16 ? split_pass(split, n, 2, query, c, (int32_t)t, out, h)
                               : split_pass(split, n, 4, query, c, (int32_t)t, out, h);
    }
  }
  if (whole < count) {
    for (uint32_t q = 0; q < nq; q++) {
      int32_t *out = hits + (size_t)q * stride + 2 * (size_t)hitCounts[q];
      hitCounts[q] += filter_avx2(rec + (size_t)whole * w, count - whole, w, queries + (size_t)q * w, cuts[q], out, (int32_t)whole);
    }
  }
}

/* Below this many queries the split costs more than it saves. */
#define SPLIT_MIN_QUERIES 4

AVX2 static void batch_avx2(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                            int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  if ((w == 4 || w == 8 || w == 16 || w == 32) && nq >= SPLIT_MIN_QUERIES) batch_split(rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
  else batch_tiled(filter_avx2, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
}

/* The memory ceiling with 256-bit loads: four independent XOR chains, no counting. */
AVX2 static uint32_t stream_avx2(const uint32_t *data, size_t count) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  size_t i = 0;
  for (; i + 32 <= count; i += 32) {
    a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)(data + i)));
    b = _mm256_xor_si256(b, _mm256_loadu_si256((const __m256i *)(data + i + 8)));
    c = _mm256_xor_si256(c, _mm256_loadu_si256((const __m256i *)(data + i + 16)));
    d = _mm256_xor_si256(d, _mm256_loadu_si256((const __m256i *)(data + i + 24)));
  }
  const __m256i all = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
  uint32_t lanes[8];
  _mm256_storeu_si256((__m256i *)lanes, all);
  uint32_t out = 0;
  for (int j = 0; j < 8; j++) out ^= lanes[j];
  for (; i < count; i++) out ^= data[i];
  return out;
}

const kernels avx2_kernels = {filter_avx2, batch_avx2, stream_avx2, "avx2"};
#endif
