/**
 * Exact Hamming scan with a WebAssembly SIMD kernel: the same result as exactHammingScan
 * (sketch/hamming-exact.ts), out[r] = d_H(record r, query) = popcount(record r XOR query) over the
 * first wordsPerRecord words, for the m records stored contiguously in `records` (paper-notes §5.3:
 * the O(m·n/32) exact scan the sketches are measured against, and the `parity` scan's inner cost).
 *
 * Kernel: per record, 16-byte chunks of record and query are XORed and counted with i8x16.popcnt
 * (each byte lane ≤ 8 per chunk); byte lanes are summed with i8x16.add for at most 31 chunks
 * (31·8 = 248 ≤ 255, so no lane overflows), then widened pairwise to four 32-bit lanes and added to a
 * 32-bit accumulator; the four lanes are summed at the end of the record. The wordsPerRecord mod 4
 * trailing words are counted with scalar i32.popcnt. Loads are unaligned (records of any stride are
 * packed back to back, exactly as in `records`).
 *
 * Why blocks are copied: `records` is a view into a buffer we do not own (often a SharedArrayBuffer
 * holding a whole data set), and a wasm instance can only read its own linear memory. So the query is
 * copied once per call and records are copied in blocks of about 128 KiB (small enough to stay in
 * cache between the copy and the kernel pass) with one Uint32Array.prototype.set per block; the
 * block's counts are read back with one set into `out`. The memory grows only when a larger
 * wordsPerRecord needs a bigger block.
 */
import { checkScanArguments, exactHammingScan } from './hamming-exact.js'

const BLOCK_BYTES = 128 * 1024
const PAGE_BYTES = 65_536

/*
 * The module, hand-assembled. WAT source:
 *
 * (module
 *   (memory (export "memory") 1)
 *   ;; out[r] = popcount(record r XOR query) for the m records of w words at byte address rec,
 *   ;; query of w words at byte address q, counts (i32) written from byte address out.
 *   (func (export "scan") (param $rec i32) (param $m i32) (param $w i32) (param $q i32) (param $out i32)
 *     (local $end i32) (local $vecs i32) (local $left i32) (local $group i32)
 *     (local $p i32) (local $qp i32) (local $sum i32) (local $acc8 v128) (local $acc32 v128)
 *     (if (i32.eqz (local.get $m)) (then (return)))
 *     (local.set $end (i32.add (local.get $out) (i32.shl (local.get $m) (i32.const 2))))
 *     (local.set $vecs (i32.shr_u (local.get $w) (i32.const 2)))
 *     (local.set $p (local.get $rec))          ;; $p runs through all records back to back
 *     (loop $record
 *       (local.set $qp (local.get $q))
 *       (local.set $acc32 (v128.const i32x4 0 0 0 0))
 *       (local.set $left (local.get $vecs))
 *       (block $noChunks
 *         (br_if $noChunks (i32.eqz (local.get $left)))
 *         (loop $groups
 *           ;; $group = min($left, 31): byte lanes of $acc8 stay ≤ 31·8 = 248
 *           (local.set $group (select (i32.const 31) (local.get $left)
 *                                     (i32.gt_u (local.get $left) (i32.const 31))))
 *           (local.set $left (i32.sub (local.get $left) (local.get $group)))
 *           (local.set $acc8 (v128.const i32x4 0 0 0 0))
 *           (loop $chunks
 *             (local.set $acc8 (i8x16.add (local.get $acc8)
 *               (i8x16.popcnt (v128.xor (v128.load (local.get $p)) (v128.load (local.get $qp))))))
 *             (local.set $p (i32.add (local.get $p) (i32.const 16)))
 *             (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
 *             (br_if $chunks (local.tee $group (i32.sub (local.get $group) (i32.const 1)))))
 *           (local.set $acc32 (i32x4.add (local.get $acc32)
 *             (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc8)))))
 *           (br_if $groups (local.get $left))))
 *       (local.set $sum (i32.add (i32.add (i32.add
 *         (i32x4.extract_lane 0 (local.get $acc32)) (i32x4.extract_lane 1 (local.get $acc32)))
 *         (i32x4.extract_lane 2 (local.get $acc32))) (i32x4.extract_lane 3 (local.get $acc32))))
 *       (local.set $left (i32.and (local.get $w) (i32.const 3)))
 *       (block $noTail
 *         (br_if $noTail (i32.eqz (local.get $left)))
 *         (loop $tail
 *           (local.set $sum (i32.add (local.get $sum)
 *             (i32.popcnt (i32.xor (i32.load (local.get $p)) (i32.load (local.get $qp))))))
 *           (local.set $p (i32.add (local.get $p) (i32.const 4)))
 *           (local.set $qp (i32.add (local.get $qp) (i32.const 4)))
 *           (br_if $tail (local.tee $left (i32.sub (local.get $left) (i32.const 1))))))
 *       (i32.store (local.get $out) (local.get $sum))
 *       (br_if $record (i32.ne (local.tee $out (i32.add (local.get $out) (i32.const 4))) (local.get $end))))))
 *
 * Local indices: 0 $rec, 1 $m, 2 $w, 3 $q, 4 $out, 5 $end, 6 $vecs, 7 $left, 8 $group, 9 $p, 10 $qp,
 * 11 $sum, 12 $acc8, 13 $acc32. SIMD instructions are 0xfd followed by the LEB128 opcode; a memarg
 * is (log2 alignment, offset).
 */
// prettier-ignore
const MODULE_BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic "\0asm", version 1
  // type section: 1 type, (func (param i32 i32 i32 i32 i32))
  0x01, 0x09, 0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00,
  // function section: 1 function of type 0
  0x03, 0x02, 0x01, 0x00,
  // memory section: 1 memory, limits min 1 page, no max
  0x05, 0x03, 0x01, 0x00, 0x01,
  // export section: 2 exports
  0x07, 0x11, 0x02,
  0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // "memory" memory 0
  0x04, 0x73, 0x63, 0x61, 0x6e, 0x00, 0x00, //             "scan" func 0
  // code section (285 bytes): 1 body of 282 bytes
  0x0a, 0x9d, 0x02, 0x01, 0x9a, 0x02,
  0x02, 0x07, 0x7f, 0x02, 0x7b, //             locals: 7 × i32, 2 × v128
  0x20, 0x01, 0x45, 0x04, 0x40, 0x0f, 0x0b, // local.get $m; i32.eqz; if; return; end
  0x20, 0x04, 0x20, 0x01, 0x41, 0x02, 0x74, // local.get $out; local.get $m; i32.const 2; i32.shl
  0x6a, 0x21, 0x05, //                         i32.add; local.set $end
  0x20, 0x02, 0x41, 0x02, 0x76, 0x21, 0x06, // local.get $w; i32.const 2; i32.shr_u; local.set $vecs
  0x20, 0x00, 0x21, 0x09, //                   local.get $rec; local.set $p
  0x03, 0x40, //                               loop $record
  0x20, 0x03, 0x21, 0x0a, //                     local.get $q; local.set $qp
  0xfd, 0x0c, //                                 v128.const 0
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x21, 0x0d, //                                 local.set $acc32
  0x20, 0x06, 0x21, 0x07, //                     local.get $vecs; local.set $left
  0x02, 0x40, //                                 block $noChunks
  0x20, 0x07, 0x45, 0x0d, 0x00, //                 local.get $left; i32.eqz; br_if $noChunks
  0x03, 0x40, //                                   loop $groups
  0x41, 0x1f, 0x20, 0x07, 0x20, 0x07, //             i32.const 31; local.get $left; local.get $left
  0x41, 0x1f, 0x4b, 0x1b, 0x21, 0x08, //             i32.const 31; i32.gt_u; select; local.set $group
  0x20, 0x07, 0x20, 0x08, 0x6b, 0x21, 0x07, //       local.get $left; local.get $group; i32.sub; local.set $left
  0xfd, 0x0c, //                                     v128.const 0
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x21, 0x0c, //                                     local.set $acc8
  0x03, 0x40, //                                     loop $chunks
  0x20, 0x0c, //                                       local.get $acc8
  0x20, 0x09, 0xfd, 0x00, 0x00, 0x00, //               local.get $p; v128.load align=1 offset=0
  0x20, 0x0a, 0xfd, 0x00, 0x00, 0x00, //               local.get $qp; v128.load align=1 offset=0
  0xfd, 0x51, //                                       v128.xor
  0xfd, 0x62, //                                       i8x16.popcnt
  0xfd, 0x6e, //                                       i8x16.add
  0x21, 0x0c, //                                       local.set $acc8
  0x20, 0x09, 0x41, 0x10, 0x6a, 0x21, 0x09, //         local.get $p; i32.const 16; i32.add; local.set $p
  0x20, 0x0a, 0x41, 0x10, 0x6a, 0x21, 0x0a, //         local.get $qp; i32.const 16; i32.add; local.set $qp
  0x20, 0x08, 0x41, 0x01, 0x6b, //                     local.get $group; i32.const 1; i32.sub
  0x22, 0x08, 0x0d, 0x00, //                           local.tee $group; br_if $chunks
  0x0b, //                                           end $chunks
  0x20, 0x0d, 0x20, 0x0c, //                         local.get $acc32; local.get $acc8
  0xfd, 0x7d, //                                     i16x8.extadd_pairwise_i8x16_u
  0xfd, 0x7f, //                                     i32x4.extadd_pairwise_i16x8_u
  0xfd, 0xae, 0x01, //                               i32x4.add
  0x21, 0x0d, //                                     local.set $acc32
  0x20, 0x07, 0x0d, 0x00, //                         local.get $left; br_if $groups
  0x0b, //                                         end $groups
  0x0b, //                                       end $noChunks
  0x20, 0x0d, 0xfd, 0x1b, 0x00, //               local.get $acc32; i32x4.extract_lane 0
  0x20, 0x0d, 0xfd, 0x1b, 0x01, 0x6a, //         local.get $acc32; i32x4.extract_lane 1; i32.add
  0x20, 0x0d, 0xfd, 0x1b, 0x02, 0x6a, //         local.get $acc32; i32x4.extract_lane 2; i32.add
  0x20, 0x0d, 0xfd, 0x1b, 0x03, 0x6a, //         local.get $acc32; i32x4.extract_lane 3; i32.add
  0x21, 0x0b, //                                 local.set $sum
  0x20, 0x02, 0x41, 0x03, 0x71, 0x21, 0x07, //   local.get $w; i32.const 3; i32.and; local.set $left
  0x02, 0x40, //                                 block $noTail
  0x20, 0x07, 0x45, 0x0d, 0x00, //                 local.get $left; i32.eqz; br_if $noTail
  0x03, 0x40, //                                   loop $tail
  0x20, 0x0b, //                                     local.get $sum
  0x20, 0x09, 0x28, 0x02, 0x00, //                   local.get $p; i32.load align=4 offset=0
  0x20, 0x0a, 0x28, 0x02, 0x00, //                   local.get $qp; i32.load align=4 offset=0
  0x73, 0x69, 0x6a, 0x21, 0x0b, //                   i32.xor; i32.popcnt; i32.add; local.set $sum
  0x20, 0x09, 0x41, 0x04, 0x6a, 0x21, 0x09, //       local.get $p; i32.const 4; i32.add; local.set $p
  0x20, 0x0a, 0x41, 0x04, 0x6a, 0x21, 0x0a, //       local.get $qp; i32.const 4; i32.add; local.set $qp
  0x20, 0x07, 0x41, 0x01, 0x6b, //                   local.get $left; i32.const 1; i32.sub
  0x22, 0x07, 0x0d, 0x00, //                         local.tee $left; br_if $tail
  0x0b, //                                         end $tail
  0x0b, //                                       end $noTail
  0x20, 0x04, 0x20, 0x0b, 0x36, 0x02, 0x00, //   local.get $out; local.get $sum; i32.store align=4 offset=0
  0x20, 0x04, 0x41, 0x04, 0x6a, 0x22, 0x04, //   local.get $out; i32.const 4; i32.add; local.tee $out
  0x20, 0x05, 0x47, 0x0d, 0x00, //               local.get $end; i32.ne; br_if $record
  0x0b, //                                     end $record
  0x0b, //                                   end (function)
])

/** The scan's signature: exactHammingScan's, with the same argument checks and results. */
export type XorPopcountScan = (
  records: Uint32Array,
  m: number,
  wordsPerRecord: number,
  query: Uint32Array,
  out?: Int32Array,
) => Int32Array

type ScanKernel = (rec: number, m: number, w: number, q: number, out: number) => void

/** The part of the WebAssembly JS API used here (the project's type libraries do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { readonly exports: Record<string, unknown> }
}

function roundUp16(bytes: number): number {
  return (bytes + 15) & ~15
}

/** Instantiates the module and wraps its kernel in the block-copying scan. */
function createScan(wasm: WasmApi): XorPopcountScan {
  const instance = new wasm.Instance(new wasm.Module(MODULE_BYTES))
  const memory = instance.exports.memory as WasmMemory
  const kernel = instance.exports.scan as ScanKernel
  let words = new Uint32Array(memory.buffer)
  let counts = new Int32Array(memory.buffer)

  /** Grows the linear memory to at least `bytes` and refreshes the views (growth detaches them). */
  function ensureBytes(bytes: number): void {
    const have = memory.buffer.byteLength
    if (bytes <= have) return
    memory.grow(Math.ceil((bytes - have) / PAGE_BYTES))
    words = new Uint32Array(memory.buffer)
    counts = new Int32Array(memory.buffer)
  }

  return function wasmXorPopcount(records, m, wordsPerRecord, query, out) {
    const result = checkScanArguments(records, m, wordsPerRecord, query, out)
    if (m === 0) return result
    if (wordsPerRecord === 0) {
      result.fill(0, 0, m)
      return result
    }

    // Layout: query at 0, then the block's counts, then the block's records (all 16-byte aligned).
    const recordBytes = wordsPerRecord * 4
    const blockRecords = Math.min(m, Math.max(1, Math.floor(BLOCK_BYTES / recordBytes)))
    const countsAt = roundUp16(recordBytes)
    const recordsAt = countsAt + roundUp16(blockRecords * 4)
    ensureBytes(recordsAt + blockRecords * recordBytes)

    words.set(query.subarray(0, wordsPerRecord), 0)
    const countsIndex = countsAt >>> 2
    const recordsIndex = recordsAt >>> 2
    for (let first = 0; first < m; first += blockRecords) {
      const n = Math.min(blockRecords, m - first)
      words.set(records.subarray(first * wordsPerRecord, (first + n) * wordsPerRecord), recordsIndex)
      kernel(recordsAt, n, wordsPerRecord, 0, countsAt)
      result.set(counts.subarray(countsIndex, countsIndex + n), first)
    }
    return result
  }
}

let cached: XorPopcountScan | null | undefined

/**
 * Same contract and results as exactHammingScan; null when WebAssembly SIMD is unavailable. The
 * instance (and its memory) is created on the first call and shared by later calls.
 */
export function wasmXorPopcountScan(): XorPopcountScan | null {
  if (cached === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    cached = wasm !== undefined && wasm.validate(MODULE_BYTES) ? createScan(wasm) : null
  }
  return cached
}

/** The fastest XOR-popcount scan this runtime offers: the SIMD kernel, else the JavaScript one. */
export function bestXorPopcountScan(): XorPopcountScan {
  return wasmXorPopcountScan() ?? exactHammingScan
}
