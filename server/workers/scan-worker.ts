/**
 * Piscina worker for sketch scans. The sketch arrives as its SharedArrayBuffer (or the shared
 * WebAssembly.Memory it lives in) without a copy per task; the result holds only the range's top
 * hits, in transferable typed arrays.
 */
import { scanTop, type ScanTask, type TopHits } from '../services/scan.js'
import { lowerThisWorkerThread } from './priority.js'

lowerThisWorkerThread()

export interface ScanWorkerTask extends Omit<ScanTask, 'data' | 'queries'> {
  buffer: SharedArrayBuffer
  byteOffset: number
  words: number
  queries: Uint32Array[]
}

export default function scan(task: ScanWorkerTask): TopHits[] {
  const { buffer, byteOffset, words, ...rest } = task
  // With a shared memory, the view must be on memory.buffer itself (the in-place kernels check that).
  const source = task.memory ? task.memory.buffer : buffer
  return scanTop({ ...rest, data: new Uint32Array(source, byteOffset, words) })
}
