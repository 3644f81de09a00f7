/**
 * Ready sketches held in memory: one contiguous Uint32Array per sketch, in a shared sketch memory
 * (sketch/kernels/sketch-memory.ts: a shared WebAssembly.Memory whose SharedArrayBuffer scan workers read
 * without copies, docs/architecture.md#sketch-memory, and the scan kernels read in place). Record r's words are at
 * [r·wordsPerRecord, (r+1)·wordsPerRecord).
 *
 * The store is the truth: another process on the same database file may build sketches or delete
 * the dataset. So a dataset's sketches are used only after `sync` with the dataset's current
 * generation (which every sketch that becomes ready moves on), and `retain` drops the sketches of
 * datasets that are gone.
 */
import type { SketchRecord, SketchRepository } from '../db/sketches.js'
import type { Calibration, Metric, Plan } from '../sketch/mechanisms/mechanism.js'
import type { ScanTarget } from '../scan/types.js'
import { allocateSketchMemory, type SketchMemory } from '../sketch/kernels/sketch-memory.js'

export interface LoadedSketch extends ScanTarget {
  id: string
  datasetId: number
  metric: Metric
  mechanism: Plan['mechanism']
  epsilonMicro: number
  readyAt: string
  /** The popcounts released with the sketch (record r at [r]), or null when none were. */
  popcounts: Int32Array | null
  popcountEpsilonMicro: number | null
}

export class SketchRegistry {
  readonly #byId = new Map<string, LoadedSketch>()
  /** Dataset id → the generation at which its ready sketches were last read from the store. */
  readonly #synced = new Map<number, number>()

  /**
   * Makes the registry hold exactly the ready sketches the store has for the dataset, unless it
   * already did at this generation. Sketches built by another process are loaded here.
   */
  sync(datasetId: number, generation: number, repo: SketchRepository): void {
    if (this.#synced.get(datasetId) === generation) return
    const ready = repo.listReady(datasetId)
    const ids = new Set(ready.map((r) => r.id))
    for (const [id, s] of this.#byId) if (s.datasetId === datasetId && !ids.has(id)) this.#byId.delete(id)
    for (const record of ready) if (!this.#byId.has(record.id)) this.loadFromStore(record, repo)
    this.#synced.set(datasetId, generation)
  }

  /** Drops the sketches of every dataset that is not in `live` (dataset id → generation). */
  retain(live: ReadonlyMap<number, number>): void {
    for (const [id, s] of this.#byId) if (!live.has(s.datasetId)) this.#byId.delete(id)
    for (const datasetId of this.#synced.keys()) if (!live.has(datasetId)) this.#synced.delete(datasetId)
  }

  /** Copies a ready sketch's chunks from the database into one shared array. */
  loadFromStore(record: SketchRecord, repo: SketchRepository): LoadedSketch {
    const plan = record.plan as unknown as Plan
    const words = record.recordCount * plan.wordsPerRecord
    const { data, memory } = allocateSketchMemory(words)
    for (const chunk of repo.chunks(record.id)) {
      const view = new Uint32Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength >>> 2)
      if (chunk.data.byteOffset % 4 === 0) data.set(view, chunk.firstOrdinal * plan.wordsPerRecord)
      else data.set(new Uint32Array(Uint8Array.from(chunk.data).buffer), chunk.firstOrdinal * plan.wordsPerRecord)
    }
    return this.add(record, { data, memory }, repo.popcounts(record.id))
  }

  add(record: SketchRecord, { data, memory }: SketchMemory, popcounts: Int32Array | null): LoadedSketch {
    const plan = record.plan as unknown as Plan
    const loaded: LoadedSketch = {
      id: record.id,
      datasetId: record.datasetId,
      metric: plan.metric,
      mechanism: plan.mechanism,
      plan,
      pTilde: record.pTilde,
      epsilonMicro: record.epsilonMicro,
      calibration: (record.calibration ?? {}) as Calibration,
      recordCount: record.recordCount,
      data,
      memory,
      readyAt: record.readyAt ?? new Date().toISOString(),
      popcounts,
      popcountEpsilonMicro: popcounts === null ? null : record.popcountEpsilonMicro,
    }
    this.#byId.set(record.id, loaded)
    return loaded
  }

  get(id: string): LoadedSketch | undefined {
    return this.#byId.get(id)
  }

  /** The most recently built ready sketch of a dataset for a metric (call `sync` first). */
  latest(datasetId: number, metric: Metric): LoadedSketch | undefined {
    let best: LoadedSketch | undefined
    for (const s of this.#byId.values()) {
      if (s.datasetId === datasetId && s.metric === metric && (!best || s.readyAt >= best.readyAt)) best = s
    }
    return best
  }

  stats(): { sketches: number; bytes: number; records: number } {
    let bytes = 0
    let records = 0
    for (const s of this.#byId.values()) {
      bytes += s.data.byteLength
      records += s.recordCount
    }
    return { sketches: this.#byId.size, bytes, records }
  }
}
