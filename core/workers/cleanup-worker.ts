/**
 * Worker thread for one cleanup job (db/cleanup.ts): its own read-write connection, so neither the
 * deletes (secure_delete overwrites every freed page, and each commit waits for the disk) nor the
 * vacuum run on the event loop. Speaks the job protocol (core/workers/job.ts): progress
 * { removed }, then the CleanupReport (null when stopped). In: 'stop' (shutdown: the job ends after
 * its current step, unfinished, and runs again later).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../../db/database.js'
import { runCleanup, type CleanupJob } from '../../db/cleanup.js'
import { lowerThisWorkerThread } from '../../scan/workers/priority.js'
import { answerJob } from './job.js'

lowerThisWorkerThread()

export interface CleanupWorkerData {
  dbPath: string
  job: CleanupJob
}

const { dbPath, job } = workerData as CleanupWorkerData
const port = parentPort!
let stop = false
port.on('message', (msg) => {
  if (msg === 'stop') stop = true
})

await answerJob(port, async () => {
  // a worker may wait for the lock: that blocks only this thread
  const db = openDatabase(dbPath, { secondary: true, busyTimeoutMs: 2000 })
  // a removal step lost in a crash is simply done again: no need to wait for the disk at each commit
  db.pragma('synchronous = NORMAL')
  try {
    return await runCleanup(db, job, (removed) => port.postMessage({ type: 'progress', removed }), () => stop)
  } finally {
    db.close()
  }
})
port.close()
