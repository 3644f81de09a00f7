/**
 * Memory for a loaded sketch that the scan kernels read in place.
 *
 * Why: a WebAssembly kernel can only read its own linear memory. A sketch held in a plain
 * SharedArrayBuffer has to be copied block by block into the kernel's memory for every query, and
 * that copy costs more than the counting itself (m = 10^6 records of 64 bytes: about 8 ms of copying
 * against 4 ms of counting on one core). So a sketch lives in a shared WebAssembly.Memory: its buffer
 * is a SharedArrayBuffer (workers get it without a copy, as before) and every thread's kernels are
 * instantiated on that same memory.
 *
 * Layout of the memory:
 *   [0, 64)                      SLOTS lock words (Int32, 0 = free, 1 = taken)
 *   [64, 64 + SLOTS·SLOT_BYTES)   scratch slots: a scan's query sketches and its hit list
 *   [DATA_OFFSET, …)              the sketch, record after record (16-byte aligned)
 * A scan takes a free slot with Atomics.compareExchange for its duration and gives it back when it
 * ends, so the pool's threads and the main thread never write over each other's scratch. When no
 * slot is free or the scan's scratch does not fit one (a very large batch of long sketches), the
 * scan uses its thread's private kernel memory and copies blocks, as before: slower, same results.
 * (A slot held by a thread that dies mid-scan stays taken; after SLOTS such crashes that sketch is
 * scanned by copying until it is loaded again. Scans release their slot in a finally block.)
 *
 * The memory is sized once (initial = maximum, never grown). Wasm32 addresses 4 GiB: larger sketches
 * (and runtimes without WebAssembly SIMD) get a plain SharedArrayBuffer and the copying scan.
 */
import { PAGE_BYTES, type WasmMemory, wasmApi } from './popcount-wasm.js'

export const SLOTS = 16
export const SLOT_BYTES = 256 * 1024
export const DATA_OFFSET = 64 + SLOTS * SLOT_BYTES
const MAX_BYTES = 65_536 * PAGE_BYTES

/** A sketch's words and, when they live in one, the shared memory the kernels can read in place. */
export interface SketchMemory {
  data: Uint32Array
  memory: WasmMemory | null
}

/** Zeroed room for `words` 32-bit words of sketch. */
export function allocateSketchMemory(words: number): SketchMemory {
  if (!Number.isSafeInteger(words) || words < 0) throw new RangeError('sketch size must be a non-negative integer')
  const wasm = wasmApi()
  const bytes = DATA_OFFSET + words * 4
  if (wasm === null || bytes > MAX_BYTES) return { data: new Uint32Array(new SharedArrayBuffer(words * 4)), memory: null }
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES))
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true })
  return { data: new Uint32Array(memory.buffer, DATA_OFFSET, words), memory }
}

/**
 * Takes a free scratch slot of the memory; returns its byte address and a release function, or null
 * when every slot is taken.
 */
export function takeSlot(memory: WasmMemory): { at: number; release: () => void } | null {
  const locks = new Int32Array(memory.buffer, 0, SLOTS)
  for (let i = 0; i < SLOTS; i++) {
    if (Atomics.compareExchange(locks, i, 0, 1) === 0) {
      let released = false
      return {
        at: 64 + i * SLOT_BYTES,
        release: () => {
          if (released) return
          released = true
          Atomics.store(locks, i, 0)
        },
      }
    }
  }
  return null
}
