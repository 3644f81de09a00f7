/**
 * Piscina worker for sketch scans. The sketch arrives as a SharedArrayBuffer (no copy per task);
 * the result holds only the range's top hits, in transferable typed arrays.
 */
import { scanTop, type ScanTask, type TopHits } from '../services/scan.js'

export interface ScanWorkerTask extends Omit<ScanTask, 'data' | 'queries'> {
  data: SharedArrayBuffer
  queries: Uint32Array[]
}

export default function scan(task: ScanWorkerTask): TopHits[] {
  return scanTop({ ...task, data: new Uint32Array(task.data) })
}
