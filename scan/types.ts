/** What the scan layer is given and answers: a loaded sketch's memory and plan, query words, top lists. */
import type { Calibration, Plan } from '../sketch/mechanisms/mechanism.js'
import type { WasmMemory } from '../sketch/kernels/popcount-wasm.js'
import type { ExactTask, TopHits } from './engine.js'

/** The parts of a loaded sketch a scan reads. */
export interface ScanTarget {
  plan: Plan
  pTilde: number
  calibration: Calibration
  recordCount: number
  /** Record r's words are at [r·plan.wordsPerRecord, (r+1)·plan.wordsPerRecord). */
  data: Uint32Array
  /** The shared memory `data` lives in (null: a plain SharedArrayBuffer, scanned by copying). */
  memory: WasmMemory | null
}

export interface ScanRequest {
  sketch: ScanTarget
  queries: Uint32Array[]
  options: { confidence: number; simultaneousM: number | null }
  top: number
  maxDistance?: number
}

/** Scans a loaded sketch for one or more query strings and returns each one's top hits. */
export type SketchScanner = (req: ScanRequest) => Promise<TopHits[]> | TopHits[]

/** Exact distances (geometric mechanism) of raw records [from, to). */
export type ExactScanner = (task: ExactTask) => Int32Array | Promise<Int32Array>

/** Where scans run: inline on the calling thread, or a worker pool. */
export interface Scanner {
  scan: SketchScanner
  exact: ExactScanner
  /** Scan tasks waiting for a worker. */
  queueDepth(): number
  /**
   * Shutdown begins: sketch scans not started yet are refused (ScanClosingError) and new ones too;
   * running scans finish, and exact distances of charged geometric queries still run.
   */
  stopAccepting(): void
  /** Stops the workers (a no-op inline). */
  close(): Promise<void>
}
