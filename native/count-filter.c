/*
 * Native count filter: the sketch scan's inner loop (sketch/kernels/count-filter.ts) in C, for the CPUs where
 * it pays. Same contract and results as the WebAssembly filter (sketch/kernels/popcount-wasm.ts):
 *
 *   filter(data, first, count, w, query, cut, hits, base) -> h
 *     for r in [first, first + count): c = popcount(record r XOR query) over w 32-bit words;
 *     if c < cut (unsigned): hits[2h] = base + (r - first), hits[2h + 1] = c, h += 1
 *   filterBatch(data, first, count, w, queries, nq, cuts, hits, stride, hitCounts)
 *     the same for nq queries at once (query q's hits from hits[q·stride], their number in
 *     hitCounts[q]), reading each record once for the whole batch.
 *   Records are w words each, back to back in `data` (any typed array over any buffer, including a
 *   SharedArrayBuffer or a shared WebAssembly.Memory: read in place, never copied).
 *
 * Why native: WebAssembly has no 512-bit vectors and V8 lowers i8x16.popcnt to a table lookup, so the
 * best wasm kernel (scalar i64.popcnt, unrolled) costs about 2.5 ns per record of 64 bytes on a Zen 4
 * core, arithmetic alone. With AVX-512 VPOPCNTDQ a 64-byte record is one XOR and one vpopcntq, and
 * eight records' lane sums are added together (group16 and sum8 below): about 0.7 ns per
 * (record, query) pair. A single query then runs at the speed of memory, and a batch, which reads
 * each group of eight records once into registers for all its queries, at the speed of arithmetic.
 *
 * Paths, chosen once at load by the CPU's features: AVX-512 F + BW + VPOPCNTDQ (x86-64, GCC or
 * Clang), with a special case for 16-word records (parity's usual M = 512 cells); otherwise a
 * portable loop over 64-bit words with the compiler's popcount (the POPCNT instruction on x86-64 when
 * the CPU has it). Every path gives the same hits in the same order; the tests compare them with the
 * definition (test/sketch/native-count-filter.test.ts).
 *
 * Bounds are checked here, not trusted from the caller: an out-of-range call throws a RangeError and
 * reads nothing. No bits of any record or query ever leave this function except as counts.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DPDIST_X86 1
#include <immintrin.h>
#endif

typedef uint32_t (*filter_fn)(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                              int32_t base);

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

static inline uint32_t xor_popcount(const uint32_t *a, const uint32_t *b, uint32_t w) { XOR_POPCOUNT_BODY }

/* Appends the hit (index, c) when c < cut; returns the number of hits. */
static inline uint32_t keep(int32_t *hits, uint32_t h, int32_t index, uint32_t c, uint32_t cut) {
  if (c < cut) {
    hits[2 * h] = index;
    hits[2 * h + 1] = (int32_t)c;
    h++;
  }
  return h;
}

#define FILTER_LOOP(COUNT_FN)                                                                                                      \
  uint32_t h = 0;                                                                                                                  \
  for (uint32_t r = 0; r < count; r++) h = keep(hits, h, base + (int32_t)r, COUNT_FN(rec + (size_t)r * w, q, w), cut);           \
  return h;

static uint32_t filter_portable(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                int32_t base) {
  FILTER_LOOP(xor_popcount)
}

typedef void (*batch_fn)(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                         int32_t *hits, uint32_t stride, uint32_t *hitCounts);

/* A batch as one filter pass per query over the block (which the first pass brings into cache). */
static void batch_by_query(filter_fn filter, const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq,
                           const uint32_t *cuts, int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  for (uint32_t q = 0; q < nq; q++) hitCounts[q] = filter(rec, count, w, queries + (size_t)q * w, cuts[q], hits + (size_t)q * stride, 0);
}

static void batch_portable(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                           int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  batch_by_query(filter_portable, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
}

#ifdef DPDIST_X86
/* The same loop compiled for the POPCNT instruction (used only when the CPU has it). */
__attribute__((target("popcnt"))) static inline uint32_t xor_popcount_hw(const uint32_t *a, const uint32_t *b, uint32_t w) {
  XOR_POPCOUNT_BODY
}

__attribute__((target("popcnt"))) static uint32_t filter_popcnt(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q,
                                                                 uint32_t cut, int32_t *hits, int32_t base) {
  FILTER_LOOP(xor_popcount_hw)
}

static void batch_popcnt(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                         int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  batch_by_query(filter_popcnt, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
}

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

AVX512 static uint32_t filter_avx512_long(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut,
                                          int32_t *hits, int32_t base) {
#define LONG_COUNTS(p) record_counts((p), q, w)
  FILTER_AVX512(LONG_COUNTS)
#undef LONG_COUNTS
}

AVX512 static uint32_t filter_avx512(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *q, uint32_t cut, int32_t *hits,
                                     int32_t base) {
  if (w == 16) return filter_avx512_16(rec, count, w, q, cut, hits, base);
  return w < 16 ? filter_avx512_short(rec, count, w, q, cut, hits, base) : filter_avx512_long(rec, count, w, q, cut, hits, base);
}

/*
 * The batch for records of exactly 16 words: each group of eight records is loaded once into
 * registers and compared with every query before the next group is read, so the block streams
 * from memory once per batch and every (record, query) pair costs only arithmetic.
 */
AVX512 static void batch_avx512(const uint32_t *rec, uint32_t count, uint32_t w, const uint32_t *queries, uint32_t nq, const uint32_t *cuts,
                                int32_t *hits, uint32_t stride, uint32_t *hitCounts) {
  if (w != 16) {
    batch_by_query(filter_avx512, rec, count, w, queries, nq, cuts, hits, stride, hitCounts);
    return;
  }
  for (uint32_t q = 0; q < nq; q++) hitCounts[q] = 0;
  uint32_t r = 0;
  for (; r + 8 <= count; r += 8) {
    LOAD8(rec + (size_t)r * 16);
    for (uint32_t q = 0; q < nq; q++)
      hitCounts[q] = group16(x0, x1, x2, x3, x4, x5, x6, x7, _mm512_loadu_si512(queries + (size_t)q * 16), cuts[q], (int32_t)r,
                             hits + (size_t)q * stride, hitCounts[q]);
  }
  if (r < count) {
    for (uint32_t q = 0; q < nq; q++)
      hitCounts[q] += filter_avx512(rec + (size_t)r * 16, count - r, 16, queries + (size_t)q * 16, cuts[q], hits + (size_t)q * stride + 2 * hitCounts[q], (int32_t)r);
  }
}
#endif

/* One path: its filter, its batch and its name. */
typedef struct {
  filter_fn filter;
  batch_fn batch;
  const char *name;
} kernels;

static const kernels portable = {filter_portable, batch_portable, "portable"};
#ifdef DPDIST_X86
static const kernels with_popcnt = {filter_popcnt, batch_popcnt, "popcnt"};
static const kernels with_avx512 = {filter_avx512, batch_avx512, "avx512-vpopcntdq"};
#endif

static const kernels *fastest(void) {
#ifdef DPDIST_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vpopcntdq")) return &with_avx512;
  if (__builtin_cpu_supports("popcnt")) return &with_popcnt;
#endif
  return &portable;
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/* The element pointer and length of a typed array of 32-bit elements (Uint32Array or Int32Array). */
static int words_of(napi_env env, napi_value value, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_uint32_array || type == napi_int32_array;
}

static int uint32_of(napi_env env, napi_value value, uint32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_number) return 0;
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return 0;
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return 0;
  *out = (uint32_t)d;
  return 1;
}

/* filter(data, first, count, w, query, cut, hits, base) -> number of hits (see the header). */
static napi_value filter(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  void *path;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &path) != napi_ok || argc != 8) return throw_range(env, "filter takes 8 arguments");
  void *data, *query, *hits;
  size_t dataLength, queryLength, hitsLength;
  uint32_t first, count, w, cut, base;
  if (!words_of(env, argv[0], &data, &dataLength) || !words_of(env, argv[4], &query, &queryLength) ||
      !words_of(env, argv[6], &hits, &hitsLength))
    return throw_range(env, "records, query and hits must be 32-bit typed arrays");
  if (!uint32_of(env, argv[1], &first) || !uint32_of(env, argv[2], &count) || !uint32_of(env, argv[3], &w) ||
      !uint32_of(env, argv[5], &cut) || !uint32_of(env, argv[7], &base))
    return throw_range(env, "first, count, w, cut and base must be unsigned 32-bit integers");
  if (w == 0) return throw_range(env, "records must have at least one word");
  if (((uint64_t)first + count) * w > dataLength) return throw_range(env, "records out of range");
  if (queryLength < w) return throw_range(env, "query shorter than one record");
  if (hitsLength < 2 * (uint64_t)count) return throw_range(env, "hits array too short for the block");
  if ((uint64_t)base + count > 0x7fffffffu) return throw_range(env, "base out of range");
  const uint32_t h = ((const kernels *)path)->filter((const uint32_t *)data + (size_t)first * w, count, w, (const uint32_t *)query, cut,
                                                     (int32_t *)hits, (int32_t)base);
  napi_value result;
  napi_create_uint32(env, h, &result);
  return result;
}

/*
 * filterBatch(data, first, count, w, queries, nq, cuts, hits, stride, hitCounts): query q (words
 * [q·w, q·w + w) of `queries`) against records [first, first + count) with cut cuts[q]; its hits go
 * to hits[q·stride …] as (index within the block, count) pairs, their number to hitCounts[q].
 */
static napi_value filter_batch(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  void *path;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &path) != napi_ok || argc != 10) return throw_range(env, "filterBatch takes 10 arguments");
  void *data, *queries, *cuts, *hits, *hitCounts;
  size_t dataLength, queriesLength, cutsLength, hitsLength, hitCountsLength;
  uint32_t first, count, w, nq, stride;
  if (!words_of(env, argv[0], &data, &dataLength) || !words_of(env, argv[4], &queries, &queriesLength) ||
      !words_of(env, argv[6], &cuts, &cutsLength) || !words_of(env, argv[7], &hits, &hitsLength) ||
      !words_of(env, argv[9], &hitCounts, &hitCountsLength))
    return throw_range(env, "records, queries, cuts, hits and hit counts must be 32-bit typed arrays");
  if (!uint32_of(env, argv[1], &first) || !uint32_of(env, argv[2], &count) || !uint32_of(env, argv[3], &w) ||
      !uint32_of(env, argv[5], &nq) || !uint32_of(env, argv[8], &stride))
    return throw_range(env, "first, count, w, nq and stride must be unsigned 32-bit integers");
  if (w == 0) return throw_range(env, "records must have at least one word");
  if (((uint64_t)first + count) * w > dataLength) return throw_range(env, "records out of range");
  if ((uint64_t)nq * w > queriesLength || cutsLength < nq || hitCountsLength < nq) return throw_range(env, "fewer queries, cuts or hit counts than nq");
  if (stride < 2 * (uint64_t)count || (uint64_t)nq * stride > hitsLength) return throw_range(env, "hits array too short for the batch");
  if (count > 0x7fffffffu) return throw_range(env, "block too large");
  ((const kernels *)path)->batch((const uint32_t *)data + (size_t)first * w, count, w, (const uint32_t *)queries, nq, (const uint32_t *)cuts,
                                 (int32_t *)hits, stride, (uint32_t *)hitCounts);
  return NULL;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb, const kernels *path) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, (void *)path, &fn);
  napi_set_named_property(env, exports, name, fn);
}

/*
 * exports: filter and filterBatch (the fastest path for this CPU), portableFilter and
 * portableFilterBatch (the portable loop, for the tests that compare paths) and path (the name of
 * the fastest path). Context-aware: worker threads load it too.
 */
NAPI_MODULE_INIT() {
  const kernels *best = fastest();
  export_function(env, exports, "filter", filter, best);
  export_function(env, exports, "filterBatch", filter_batch, best);
  export_function(env, exports, "portableFilter", filter, &portable);
  export_function(env, exports, "portableFilterBatch", filter_batch, &portable);
  napi_value name;
  napi_create_string_utf8(env, best->name, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, exports, "path", name);
  return exports;
}
