/**
 * Scan and build workers run below the main thread's priority, so that the event loop (HTTP
 * parsing, /health, replies) is scheduled first when every core is busy scanning: a query waits a
 * little longer for a core, but the server stays responsive. On Linux a thread has its own nice
 * value, and setPriority(0, …) from inside a thread changes only that thread; elsewhere the call
 * would renice the whole process, so it is made on Linux only.
 */
import { setPriority } from 'node:os'

export const WORKER_NICE = 10

export function lowerThisWorkerThread(): void {
  if (process.platform !== 'linux') return
  try {
    setPriority(0, WORKER_NICE)
  } catch {
    // not permitted (a sandbox): run at normal priority
  }
}
