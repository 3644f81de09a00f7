/**
 * The native count filter (native/count-filter.c, built by scripts/build-native.mjs into
 * build/Release/count_filter.node), when it is there: the same contract and hits as the WebAssembly
 * filter, several times faster per record on CPUs with AVX-512 VPOPCNTDQ (see the C file's header).
 * It reads records in place from any typed array, shared or not.
 *
 * Optional by design: when the addon was not built (no compiler, another platform) or
 * DPDIST_NATIVE=0 is set, this returns null and the scan uses the WebAssembly filter: slower, same
 * answers. Loading the addon is the one thing here that touches the file system, once per thread.
 */
import { createRequire } from 'node:module'

/** filter(data, first, count, w, query, cut, hits, base) → number of (base + index, count) pairs written. */
export type NativeFilter = (
  data: Uint32Array,
  first: number,
  count: number,
  w: number,
  query: Uint32Array,
  cut: number,
  hits: Int32Array,
  base: number,
) => number

/**
 * filterBatch(data, first, count, w, queries, nq, cuts, hits, stride, hitCounts): query q (words
 * [q·w, q·w + w) of `queries`) against records [first, first + count) with cut cuts[q]; its
 * (index within the block, count) pairs go to hits from q·stride, their number to hitCounts[q].
 */
export type NativeFilterBatch = (
  data: Uint32Array,
  first: number,
  count: number,
  w: number,
  queries: Uint32Array,
  nq: number,
  cuts: Uint32Array,
  hits: Int32Array,
  stride: number,
  hitCounts: Uint32Array,
) => void

export interface NativeCountFilterModule {
  /** The fastest path for this CPU. */
  filter: NativeFilter
  filterBatch: NativeFilterBatch
  /** The portable loop (tests compare it with the fast path). */
  portableFilter: NativeFilter
  portableFilterBatch: NativeFilterBatch
  /** Which path `filter` is: "avx512-vpopcntdq", "popcnt" or "portable". */
  path: string
}

/** Where the addon is, from the sources (sketch/kernels/) and from the build (dist/sketch/kernels/). */
const CANDIDATES = ['../../build/Release/count_filter.node', '../../../build/Release/count_filter.node']

let loaded: NativeCountFilterModule | null | undefined

export function nativeCountFilterModule(): NativeCountFilterModule | null {
  if (loaded === undefined) loaded = process.env.DPDIST_NATIVE === '0' ? null : load()
  return loaded
}

function load(): NativeCountFilterModule | null {
  const require = createRequire(import.meta.url)
  for (const candidate of CANDIDATES) {
    try {
      return require(candidate) as NativeCountFilterModule
    } catch {
      // not at this place (or not loadable here): try the next, then fall back to WebAssembly
    }
  }
  return null
}
