/**
 * Worker thread for a sketch build. It opens its own read-only connection, streams the raw records,
 * draws noise from its own CSPRNG source and writes the noisy sketch into the shared output buffer.
 * Speaks the job protocol (core/workers/job.ts): progress { done } …, then null.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../../db/database.js'
import { DatasetRepository } from '../../db/datasets.js'
import { productionNoiseSource } from '../../privacy/noise-source.js'
import type { Plan } from '../../sketch/mechanisms/mechanism.js'
import { buildSketchData } from '../build.js'
import { lowerThisWorkerThread } from '../../scan/workers/priority.js'
import { answerJob } from './job.js'

lowerThisWorkerThread()

export interface BuildJob {
  dbPath: string
  datasetId: number
  count: number
  plan: Plan
  /** The sketch's buffer and where in it the sketch goes. */
  output: SharedArrayBuffer
  outputOffset: number
  outputWords: number
  /** With a popcount release: its ε and unitBits, and the shared Int32 buffer (one per record) it goes to. */
  popcounts?: { epsilonMicro: number; unitBits: number; buffer: SharedArrayBuffer }
}

const job = workerData as BuildJob
const port = parentPort!
await answerJob(port, () => {
  const db = openDatabase(job.dbPath, { readonly: true })
  try {
    const repo = new DatasetRepository(db)
    const popcounts = job.popcounts && { epsilonMicro: job.popcounts.epsilonMicro, unitBits: job.popcounts.unitBits, out: new Int32Array(job.popcounts.buffer) }
    buildSketchData(
      repo.rawRecords(job.datasetId, 0, job.count),
      job.count,
      job.plan,
      productionNoiseSource(),
      new Uint32Array(job.output, job.outputOffset, job.outputWords),
      (done) => port.postMessage({ type: 'progress', done }),
      popcounts,
    )
    return null
  } finally {
    db.close()
  }
})
