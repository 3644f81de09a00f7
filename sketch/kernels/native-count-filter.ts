/**
 * The native count filter (native/*.c, built by scripts/build-native.mjs into
 * build/Release/count_filter.node), when it is there: the same contract and hits as the WebAssembly
 * filter, several times faster per record (see native/count-filter.c). It reads records in place
 * from any typed array, shared or not.
 *
 * Optional by design: when the addon was not built (no compiler, another platform) or
 * DPDIST_NATIVE=0 is set, this returns null and the scan uses the WebAssembly filter: slower, same
 * answers. Loading the addon is the one thing here that touches the file system, once per thread.
 *
 * Paths: the addon offers every path this CPU can run (avx512, avx2, popcnt, portable) and scans use
 * the fastest, unless DPDIST_NATIVE_PATH names one (benchmarks measure a slower path on a faster
 * CPU that way). A name that is not a path, a path this CPU cannot run, or a path named while the
 * addon is missing or switched off is an error: a forced path never silently becomes another.
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

/** The count filter's paths, fastest first (DPDIST_NATIVE_PATH takes one of these names). */
export const NATIVE_PATHS = ['avx512', 'avx2', 'popcnt', 'portable'] as const
export type NativePath = (typeof NATIVE_PATHS)[number]

/** What each path is, for logs and benchmark reports. */
export const NATIVE_PATH_LABELS: Record<NativePath, string> = {
  avx512: 'AVX-512 VPOPCNTDQ',
  avx2: 'AVX2 (vpshufb nibble lookup)',
  popcnt: 'scalar POPCNT',
  portable: 'portable C',
}

export interface NativeKernels {
  filter: NativeFilter
  filterBatch: NativeFilterBatch
}

/** The addon as built (native/count-filter.c's exports). */
interface Addon {
  paths: Partial<Record<NativePath, NativeKernels>>
  fastest: NativePath
  stream: (data: Uint32Array, first: number, count: number) => number
  streamPath: NativePath
  batchTile: (w: number) => number
}

export interface NativeCountFilterModule extends NativeKernels {
  /** Which path filter and filterBatch are: DPDIST_NATIVE_PATH, else the fastest this CPU runs. */
  path: NativePath
  /** Every path this CPU can run (the tests compare them; the benchmarks time them). */
  paths: Partial<Record<NativePath, NativeKernels>>
  /** XOR of words [first, first + count), read with the widest loads this CPU has and not counted: the memory ceiling. */
  stream: (data: Uint32Array, first: number, count: number) => number
  /** The path whose loads stream uses (the fastest). */
  streamPath: NativePath
  /** Records per tile of the batch kernels for records of w words. */
  batchTile: (w: number) => number
}

/** Where the addon is, from the sources (sketch/kernels/) and from the build (dist/sketch/kernels/). */
const CANDIDATES = ['../../build/Release/count_filter.node', '../../../build/Release/count_filter.node']

let loaded: NativeCountFilterModule | null | undefined

/** The module, or null without the addon; throws when DPDIST_NATIVE_PATH cannot be honoured. */
export function nativeCountFilterModule(): NativeCountFilterModule | null {
  if (loaded === undefined) loaded = choose(process.env.DPDIST_NATIVE === '0' ? null : load(), process.env.DPDIST_NATIVE_PATH)
  return loaded
}

/** Checks a DPDIST_NATIVE_PATH value's name (not whether this CPU runs it); undefined or empty means "the fastest". */
export function parseNativePath(value: string | undefined): NativePath | undefined {
  if (value === undefined || value === '') return undefined
  if (!(NATIVE_PATHS as readonly string[]).includes(value)) throw new Error(`DPDIST_NATIVE_PATH must be one of ${NATIVE_PATHS.join(', ')}`)
  return value as NativePath
}

function choose(addon: Addon | null, wanted: string | undefined): NativeCountFilterModule | null {
  const forced = parseNativePath(wanted)
  if (addon === null) {
    if (forced !== undefined) throw new Error(`DPDIST_NATIVE_PATH=${forced}, but the native count filter is not built or DPDIST_NATIVE=0`)
    return null
  }
  const path = forced ?? addon.fastest
  const kernels = addon.paths[path]
  if (kernels === undefined) {
    throw new Error(`DPDIST_NATIVE_PATH=${path}, but this CPU cannot run it (it runs: ${Object.keys(addon.paths).join(', ')})`)
  }
  return { ...kernels, path, paths: addon.paths, stream: addon.stream, streamPath: addon.streamPath, batchTile: addon.batchTile }
}

function load(): Addon | null {
  const require = createRequire(import.meta.url)
  for (const candidate of CANDIDATES) {
    try {
      const addon = require(candidate) as Partial<Addon>
      // an addon built from older sources (before the paths) is not used: rebuild with npm run build
      if (typeof addon.paths === 'object' && typeof addon.fastest === 'string') return addon as Addon
    } catch {
      // not at this place (or not loadable here): try the next, then fall back to WebAssembly
    }
  }
  return null
}
