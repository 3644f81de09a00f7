/** Dataset lifecycle and all-or-nothing record loading. */
import type { Dataset, MetricName } from '../db/datasets.js'
import { parseBits } from '../sketch/bits.js'
import { conflict, invalid, notFound, unavailable } from './errors.js'
import { write, type ServiceContext } from './context.js'
import type { Janitor } from './janitor.js'
import { storeFailure } from './store-errors.js'
import { canAccess, type Principal, requireAdmin } from './principal.js'
import { privacyReport, type PrivacyReport } from './privacy-report.js'
import type { ParsedRecord } from '../ingest/index.js'
import { RecordFormatError } from '../ingest/index.js'
import type { z } from 'zod'
import type { datasetSummary } from './schemas/datasets.js'
import type { loadResult } from './schemas/records.js'

export interface CreateDatasetInput {
  name: string
  bits: number
  unitBits: number
  budgetMicro: number
  retainRaw: boolean
  metrics: MetricName[]
}

export type DatasetSummary = z.output<typeof datasetSummary>

export type LoadResult = z.output<typeof loadResult>

export function summarize(d: Dataset): DatasetSummary {
  return {
    name: d.name,
    bits: d.bits,
    unitBits: d.unitBits,
    records: d.recordCount,
    retainRaw: d.retainRaw,
    rawDeleted: d.rawDeleted,
    metrics: d.metrics,
    createdAt: d.createdAt,
  }
}

/**
 * Whether a record id may be repeated in an error message: not when it could be a record's bits
 * (an upload with its id and bits columns swapped would otherwise echo bits back and into logs).
 */
export function showableId(id: string, n: number): boolean {
  if (id.length > 64 && /^[A-Za-z0-9+/=_-]+$/.test(id)) return false
  for (const encoding of ['binary', 'hex', 'base64'] as const) {
    try {
      parseBits(id, encoding, n)
      return false
    } catch {
      // not an n-bit string in this encoding
    }
  }
  return true
}

/**
 * Caches of other services need no word of a deletion: they check the dataset's generation in the
 * store before every use (a deletion may come from another process). Deleting, and discarding an
 * upload, go through the janitor, which also empties the write-ahead log of the removed bits.
 */
export class DatasetService {
  readonly #ctx: ServiceContext
  readonly #janitor: Janitor

  constructor(ctx: ServiceContext, janitor: Janitor) {
    this.#ctx = ctx
    this.#janitor = janitor
  }

  async create(principal: Principal, input: CreateDatasetInput): Promise<Dataset> {
    requireAdmin(principal)
    if (input.unitBits > input.bits) throw invalid('unitBits cannot exceed bits')
    const created = await write(this.#ctx, () => this.#ctx.datasets.create(input, new Date().toISOString()))
    if (!created) throw conflict(`a dataset named "${input.name}" already exists`)
    this.#ctx.log.info({ dataset: created.name, bits: created.bits }, 'dataset created')
    return created
  }

  list(principal: Principal): Dataset[] {
    return this.#ctx.datasets.list().filter((d) => canAccess(principal, d))
  }

  /** The dataset, or 404 (also when the token may not see it: existence is not revealed). */
  get(principal: Principal, name: string): Dataset {
    const d = this.#ctx.datasets.findByName(name)
    if (!d || !canAccess(principal, d)) throw notFound(`no dataset named "${name}"`)
    return d
  }

  report(dataset: Dataset): PrivacyReport {
    return privacyReport(dataset, 0)
  }

  /**
   * Deletes a dataset: at once it is gone for every reader and its name is free; its rows are
   * removed in the background in short transactions (core/janitor.ts). `finished` resolves when
   * they and their bits in the -wal are gone, or when the first attempt failed (a lock another
   * process holds, a full disk) and the janitor goes on retrying; both the CLI and the server's
   * DELETE wait for it before they answer.
   */
  async delete(principal: Principal, name: string): Promise<{ finished: Promise<void> }> {
    // access first (404 for a dataset this token may not see, as everywhere), then the role (403)
    const d = this.get(principal, name)
    requireAdmin(principal)
    const marked = await write(this.#ctx, () => this.#ctx.datasets.markDeleted(d.id, (owner) => this.#janitor.abandoned(d.id, owner)))
    if (marked === 'upload-in-progress') throw conflict(`dataset "${name}" has an upload in progress`)
    if (marked === 'gone') throw notFound(`no dataset named "${name}"`)
    this.#ctx.log.info({ dataset: name, datasetId: d.id }, 'dataset deleted; its rows are being removed')
    // the janitor empties the -wal file of the bits once the last chunk is gone (db/wal-scrub.ts)
    const job = { kind: 'delete-dataset', datasetId: d.id } as const
    void this.#janitor.schedule(job)
    return { finished: this.#janitor.firstAttempt(job) }
  }

  /**
   * Loads records from batches of parsed records. All or nothing: batches are written as pending
   * rows (invisible to readers), and become visible together in one final update of the dataset's
   * record count; on any error the pending rows are removed and the dataset is exactly as before.
   */
  async load(
    principal: Principal,
    name: string,
    batches: AsyncIterable<ParsedRecord[]>,
    onProgress?: (loaded: number) => void,
  ): Promise<LoadResult> {
    requireAdmin(principal)
    const dataset = this.get(principal, name)
    if (dataset.rawDeleted) {
      throw conflict(
        `dataset "${name}" is sealed: its raw bits were deleted after its first sketch (retainRaw is false); load into a new dataset`,
      )
    }
    await this.#claimUpload(dataset)
    const first = dataset.recordCount
    let next = first
    try {
      for await (const batch of batches) {
        const rows = batch.map((r, i) => ({ id: r.id ?? String(next + i), bytes: r.bytes }))
        try {
          await write(this.#ctx, () => this.#ctx.datasets.insertPending(dataset.id, next, rows))
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw this.#duplicateError(dataset.id, dataset.bits, rows, next - first)
          }
          throw err
        }
        next += rows.length
        onProgress?.(next - first)
      }
      if (!(await write(this.#ctx, () => this.#ctx.datasets.commitPending(dataset.id, first, next)))) {
        throw conflict(`dataset "${name}" changed during the upload`)
      }
      this.#janitor.uploadEnded(dataset.id)
    } catch (err) {
      // the pending rows go in the background, in chunks, retried until done (a full disk may fail
      // the first attempts); the dataset takes no other upload until then; the -wal is scrubbed after
      this.#janitor.uploadEnded(dataset.id)
      const job = { kind: 'discard-upload', datasetId: dataset.id } as const
      void this.#janitor.schedule(job)
      const store = storeFailure(err)
      // a refused upload answers once its rows and their bits are gone, or once the first attempt
      // failed (a lock held elsewhere); one the store failed (a full disk) is cleaned in the
      // background, retried until it succeeds
      if (!store) await this.#janitor.firstAttempt(job)
      if (store) this.#ctx.log.warn({ dataset: name, err: (err as Error).message, code: (err as { code?: unknown }).code }, 'upload failed in the store; its rows are being removed')
      throw store ?? err
    }
    this.#ctx.log.info({ dataset: name, loaded: next - first }, 'records loaded')
    return { dataset: name, loaded: next - first, records: next }
  }

  /** One upload per dataset at a time (across processes) keeps ordinals contiguous. */
  async #claimUpload(dataset: Dataset): Promise<void> {
    const name = dataset.name
    const state = await this.#janitor.freeForUpload(dataset.id, this.#ctx.config.lockWaitMs)
    if (state === 'in-progress') throw conflict(`dataset "${name}" already has an upload in progress`)
    if (state === 'cleaning') throw unavailable(`dataset "${name}" is still removing the rows of an earlier, failed upload; retry shortly`, 5)
    this.#janitor.uploadStarted(dataset.id)
    let claimed = false
    try {
      claimed = await write(this.#ctx, () => this.#ctx.datasets.beginUpload(dataset.id))
    } finally {
      if (!claimed) this.#janitor.uploadEnded(dataset.id)
    }
    if (!claimed) throw conflict(`dataset "${name}" already has an upload in progress`)
  }

  #duplicateError(datasetId: number, n: number, rows: { id: string }[], offset: number): RecordFormatError {
    const seen = new Set<string>()
    const exists = this.#ctx.db.prepare<[number, string], { ordinal: number }>(
      'SELECT ordinal FROM records WHERE dataset_id = ? AND id = ?',
    )
    for (let i = 0; i < rows.length; i++) {
      const id = rows[i].id
      if (seen.has(id) || exists.get(datasetId, id)) {
        const shown = showableId(id, n) ? id : null
        return new RecordFormatError(`record ${offset + i}${shown === null ? '' : ` (id "${shown}")`}: duplicate id`, offset + i, null, shown)
      }
      seen.add(id)
    }
    return new RecordFormatError('duplicate record id', offset, null, null)
  }
}
