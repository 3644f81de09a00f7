/**
 * Builds the application core shared by the HTTP server, the local CLI and the benchmarks. Wiring
 * is explicit: every service gets what it uses at construction, and nothing is swapped later.
 */
import { inlineScanner, ScanPool } from '../scan/pool.js'
import { BudgetService } from './budget.js'
import type { ServiceContext } from './context.js'
import { DatasetService } from './datasets.js'
import { Janitor } from './janitor.js'
import { QueryService, type ScanListener } from './queries.js'
import { SketchService } from './sketches.js'
import { TokenService } from './tokens.js'

export interface Services {
  ctx: ServiceContext
  datasets: DatasetService
  tokens: TokenService
  budget: BudgetService
  sketches: SketchService
  queries: QueryService
  /** Background cleanups (aborted uploads, dataset deletions); the server calls start(). */
  janitor: Janitor
  /**
   * Stops builds, cleanups and the scan workers. With `finishCleanups` (a CLI command), a cleanup
   * that is running goes on to its end first (a failed one is left for the next process).
   */
  close(options?: { finishCleanups?: boolean }): Promise<void>
}

export interface ServiceOptions {
  /** Told about every sketch scan (the server's metrics). */
  onScan?: ScanListener
  /** False for one-shot commands: a failed cleanup is left for the next process (core/janitor.ts). */
  retryCleanups?: boolean
}

export function createServices(ctx: ServiceContext, options: ServiceOptions = {}): Services {
  const scanner = ctx.config.workers > 0 ? new ScanPool(ctx.config.workers, ctx.config.scanQueue) : inlineScanner
  const janitor = new Janitor(ctx, { retry: options.retryCleanups })
  const datasets = new DatasetService(ctx, janitor)
  const tokens = new TokenService(ctx)
  const budget = new BudgetService(ctx)
  const sketches = new SketchService(ctx, budget)
  const queries = new QueryService(ctx, budget, sketches, scanner, options.onScan)
  datasets.onDelete((d) => {
    sketches.registry.unloadDataset(d.id)
    queries.forgetDataset(d.id)
  })
  const close = async (options: { finishCleanups?: boolean } = {}) => {
    await sketches.close()
    await janitor.close(options.finishCleanups ?? false)
    await scanner.close()
  }
  return { ctx, datasets, tokens, budget, sketches, queries, janitor, close }
}
