/**
 * Worker thread for sketch scans (server/services/scan-pool.ts). The sketch arrives as its
 * SharedArrayBuffer (or the shared WebAssembly.Memory it lives in) without a copy per task; the reply
 * holds only the range's top hits, whose buffers are transferred, not copied.
 */
import { parentPort } from 'node:worker_threads'
import { scanTop, type ScanTask, type TopHits } from '../services/scan.js'
import { lowerThisWorkerThread } from './priority.js'

export interface ScanWorkerTask extends Omit<ScanTask, 'data' | 'queries'> {
  buffer: SharedArrayBuffer
  byteOffset: number
  words: number
  queries: Uint32Array[]
}

export type ScanWorkerReply = { hits: TopHits[] } | { error: string }

export function scan(task: ScanWorkerTask): TopHits[] {
  const { buffer, byteOffset, words, ...rest } = task
  // With a shared memory, the view must be on memory.buffer itself (the in-place kernels check that).
  const source = task.memory ? task.memory.buffer : buffer
  return scanTop({ ...rest, data: new Uint32Array(source, byteOffset, words) })
}

if (parentPort !== null) {
  lowerThisWorkerThread()
  const port = parentPort
  port.on('message', (task: ScanWorkerTask) => {
    let reply: ScanWorkerReply
    let transfer: ArrayBuffer[] = []
    try {
      const hits = scan(task)
      reply = { hits }
      transfer = hits.flatMap((h) => [h.ordinals.buffer, h.estimate.buffer, h.ciLow.buffer, h.ciHigh.buffer, h.status.buffer, h.unbiased.buffer] as ArrayBuffer[])
    } catch (err) {
      reply = { error: err instanceof Error ? err.message : String(err) }
    }
    port.postMessage(reply, transfer)
  })
}
