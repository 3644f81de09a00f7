/**
 * One job in a worker thread, as a promise. Every job worker in core/workers speaks the same
 * messages: any number of { type: 'progress', ... }, then { type: 'done', value } or
 * { type: 'error', message, code }. A worker that exits without either rejects the promise.
 */
import { Worker } from 'node:worker_threads'
import { workerStart } from '../../scan/workers/worker-url.js'

export type JobMessage<T> = { type: 'progress'; [field: string]: unknown } | { type: 'done'; value: T } | { type: 'error'; message: string; code: string | null }

export interface WorkerJob<T> {
  worker: Worker
  result: Promise<T>
}

/**
 * Starts `script` (relative to core/workers, without extension) with `data`. `track` holds the live
 * workers of the caller (so it can stop them on shutdown); `exitReason` says why a worker that
 * stopped without an answer stopped.
 */
export function startJob<T>(
  script: string,
  data: unknown,
  options: { track?: Set<Worker>; onProgress?: (msg: Record<string, unknown>) => void; exitReason?: (code: number) => string } = {},
): WorkerJob<T> {
  const start = workerStart(`./${script}`, import.meta.url)
  const worker = new Worker(start.url, { env: start.env, workerData: data })
  options.track?.add(worker)
  const result = new Promise<T>((resolve, reject) => {
    let settled = false
    worker.on('message', (msg: JobMessage<T>) => {
      if (msg.type === 'progress') options.onProgress?.(msg)
      else if (msg.type === 'done') {
        settled = true
        resolve(msg.value)
      } else if (msg.type === 'error') {
        settled = true
        reject(Object.assign(new Error(msg.message), msg.code === null ? {} : { code: msg.code }))
      }
    })
    worker.on('error', (err) => {
      settled = true
      reject(err)
    })
    worker.on('exit', (code) => {
      options.track?.delete(worker)
      if (!settled) reject(new Error(options.exitReason?.(code) ?? `the worker exited with code ${code}`))
    })
  })
  return { worker, result }
}

/** The worker side: posts the outcome of `run` in the job protocol. */
export async function answerJob<T>(port: { postMessage(msg: unknown): void }, run: () => T | Promise<T>): Promise<void> {
  try {
    port.postMessage({ type: 'done', value: await run() })
  } catch (err) {
    const code = (err as { code?: unknown }).code
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), code: typeof code === 'string' ? code : null })
  }
}
