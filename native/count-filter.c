/*
 * Native count filter: the sketch scan's inner loop (sketch/kernels/count-filter.ts) in C, for the CPUs where
 * it pays. Same contract and results as the WebAssembly filter (sketch/kernels/popcount-wasm.ts):
 *
 *   filter(data, first, count, w, query, cut, hits, base) -> h
 *     for r in [first, first + count): c = popcount(record r XOR query) over w 32-bit words;
 *     if c < cut (unsigned): hits[2h] = base + (r - first), hits[2h + 1] = c, h += 1
 *   filterBatch(data, first, count, w, queries, nq, cuts, hits, stride, hitCounts)
 *     the same for nq queries at once (query q's hits from hits[q·stride], their number in
 *     hitCounts[q]), reading each record from memory once for the whole batch.
 *   stream(data, first, count) -> the XOR of words [first, first + count): a read loop that does no
 *     counting, with the widest loads this CPU has (the benchmarks' memory ceiling).
 *   Records are w words each, back to back in `data` (any typed array over any buffer, including a
 *   SharedArrayBuffer or a shared WebAssembly.Memory: read in place, never copied).
 *
 * Why native: WebAssembly has no 256- or 512-bit vectors and V8 lowers i8x16.popcnt to a table
 * lookup, so the best wasm kernel (scalar i64.popcnt, unrolled) costs about 2.5 ns per record of 64
 * bytes on a Zen 4 core, arithmetic alone, which is slower than memory.
 *
 * Paths (one file each, see count-filter.h): "avx512" (AVX-512 F + BW + VPOPCNTDQ), "avx2" (AVX2
 * nibble lookup), "popcnt" (64-bit words, the POPCNT instruction), "portable" (the same in portable
 * C). The module exports every path this CPU can run, fastest first; the fastest is used unless
 * DPDIST_NATIVE_PATH names another (sketch/kernels/native-count-filter.ts). Every path gives the
 * same hits in the same order; the tests compare each with the definition and with the portable
 * path (test/sketch/kernels/native-count-filter.test.ts).
 *
 * Bounds are checked here, not trusted from the caller: an out-of-range call throws a RangeError and
 * reads nothing. No bits of any record or query ever leave this file except as counts (and
 * stream's XOR, which the benchmarks discard).
 */
#include <node_api.h>

#include "count-filter.h"

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

/* stream(data, first, count) -> XOR of words [first, first + count) (see the header). */
static napi_value stream(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *path;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &path) != napi_ok || argc != 3) return throw_range(env, "stream takes 3 arguments");
  void *data;
  size_t dataLength;
  uint32_t first, count;
  if (!words_of(env, argv[0], &data, &dataLength)) return throw_range(env, "data must be a 32-bit typed array");
  if (!uint32_of(env, argv[1], &first) || !uint32_of(env, argv[2], &count)) return throw_range(env, "first and count must be unsigned 32-bit integers");
  if ((uint64_t)first + count > dataLength) return throw_range(env, "words out of range");
  const uint32_t x = ((const kernels *)path)->stream((const uint32_t *)data + first, count);
  napi_value result;
  napi_create_uint32(env, x, &result);
  return result;
}

/* batchTile(w) -> records per batch tile for records of w words (the tests place blocks across tile edges). */
static napi_value batch_tile_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t w;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || !uint32_of(env, argv[0], &w) || w == 0)
    return throw_range(env, "batchTile takes a positive word count");
  napi_value result;
  napi_create_uint32(env, batch_tile(w), &result);
  return result;
}

/* The paths this CPU can run, fastest first; returns how many (at most 4). */
static int runnable(const kernels **out) {
  int n = 0;
#ifdef DPDIST_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vpopcntdq")) out[n++] = &avx512_kernels;
  if (__builtin_cpu_supports("avx2")) out[n++] = &avx2_kernels;
  if (__builtin_cpu_supports("popcnt")) out[n++] = &popcnt_kernels;
#endif
  out[n++] = &portable_kernels;
  return n;
}

static void export_function(napi_env env, napi_value target, const char *name, napi_callback cb, const kernels *path) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, (void *)path, &fn);
  napi_set_named_property(env, target, name, fn);
}

static void export_string(napi_env env, napi_value target, const char *name, const char *value) {
  napi_value s;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, target, name, s);
}

/*
 * exports: paths (for each path this CPU can run, by name, fastest first: { filter, filterBatch }),
 * fastest (its name), stream and streamPath (the read loop of the fastest path and its name) and
 * batchTile. Context-aware: worker threads load it too.
 */
NAPI_MODULE_INIT() {
  const kernels *paths[4];
  const int n = runnable(paths);
  napi_value byName;
  napi_create_object(env, &byName);
  for (int i = 0; i < n; i++) {
    napi_value path;
    napi_create_object(env, &path);
    export_function(env, path, "filter", filter, paths[i]);
    export_function(env, path, "filterBatch", filter_batch, paths[i]);
    napi_set_named_property(env, byName, paths[i]->name, path);
  }
  napi_set_named_property(env, exports, "paths", byName);
  export_string(env, exports, "fastest", paths[0]->name);
  export_function(env, exports, "stream", stream, paths[0]);
  export_string(env, exports, "streamPath", paths[0]->name);
  export_function(env, exports, "batchTile", batch_tile_of, NULL);
  return exports;
}
