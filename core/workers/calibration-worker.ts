/**
 * Worker thread for a sketch's calibration (sketch/mechanisms/*.ts `calibrate`): a simulation on
 * synthetic data that takes from milliseconds to a minute (lcp-tree at n = 65 536 with a small ε),
 * so it never runs on the event loop. It depends only on the public plan and p̃, never on records.
 * Speaks the job protocol (core/workers/job.ts): the Calibration.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { getMechanism } from '../../sketch/mechanisms/index.js'
import type { Plan } from '../../sketch/mechanisms/mechanism.js'
import { lowerThisWorkerThread } from '../../scan/workers/priority.js'
import { answerJob } from './job.js'

lowerThisWorkerThread()

export interface CalibrationJob {
  plan: Plan
  pTilde: number
}

const { plan, pTilde } = workerData as CalibrationJob
await answerJob(parentPort!, () => getMechanism(plan.mechanism).calibrate(plan, pTilde))
