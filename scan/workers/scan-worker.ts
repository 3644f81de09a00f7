/**
 * Worker thread for scans (scan/pool.ts): sketch scans, and the exact distances of
 * the geometric mechanism. Sketches and raw records arrive as their SharedArrayBuffer (or the shared
 * WebAssembly.Memory a sketch lives in) without a copy per task; the reply holds only the range's
 * top hits or distances, whose buffers are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads'
import { exactDistances, scanTop, type ExactTask, type ScanTask, type TopHits } from '../engine.js'
import { lowerThisWorkerThread } from './priority.js'

export interface ScanWorkerTask extends Omit<ScanTask, 'data' | 'queries'> {
  buffer: SharedArrayBuffer
  byteOffset: number
  words: number
  queries: Uint32Array[]
}

/** Exact distances for the geometric mechanism; the raw records arrive as their SharedArrayBuffer. */
export interface ExactWorkerTask extends Omit<ExactTask, 'data'> {
  kind: 'exact'
  buffer: SharedArrayBuffer
  byteOffset: number
  words: number
}

export type WorkerTask = ({ kind: 'sketch' } & ScanWorkerTask) | ExactWorkerTask

export type ScanWorkerReply = { hits: TopHits[] } | { distances: Int32Array } | { error: string }

function run(task: WorkerTask): { reply: ScanWorkerReply; transfer: ArrayBuffer[] } {
  if (task.kind === 'exact') {
    const { buffer, byteOffset, words, ...rest } = task
    const distances = exactDistances({ ...rest, data: new Uint32Array(buffer, byteOffset, words) })
    return { reply: { distances }, transfer: [distances.buffer as ArrayBuffer] }
  }
  const hits = scan(task)
  const transfer = hits.flatMap((h) => [h.ordinals.buffer, h.estimate.buffer, h.ciLow.buffer, h.ciHigh.buffer, h.status.buffer, h.unbiased.buffer] as ArrayBuffer[])
  return { reply: { hits }, transfer }
}

export function scan(task: ScanWorkerTask): TopHits[] {
  const { buffer, byteOffset, words, ...rest } = task
  // With a shared memory, the view must be on memory.buffer itself (the in-place kernels check that).
  const source = task.memory ? task.memory.buffer : buffer
  return scanTop({ ...rest, data: new Uint32Array(source, byteOffset, words) })
}

if (parentPort !== null) {
  lowerThisWorkerThread()
  const port = parentPort
  port.on('message', (task: WorkerTask) => {
    let out: { reply: ScanWorkerReply; transfer: ArrayBuffer[] }
    try {
      out = run(task)
    } catch (err) {
      out = { reply: { error: err instanceof Error ? err.message : String(err) }, transfer: [] }
    }
    port.postMessage(out.reply, out.transfer)
  })
}
