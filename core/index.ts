/**
 * Builds the application core shared by the HTTP server, the local CLI and the benchmarks. Wiring
 * is explicit: every service gets what it uses at construction, and nothing is swapped later.
 */
import { WalScrubber } from '../db/wal-scrub.js'
import { inlineScanner, ScanPool } from '../scan/pool.js'
import { BudgetService } from './budget.js'
import type { ServiceContext } from './context.js'
import { DatasetService } from './datasets.js'
import { LinkageService } from './linkage.js'
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
  linkage: LinkageService
  /** Background cleanups (aborted uploads, dataset deletions); the server calls start(). */
  janitor: Janitor
  /**
   * Shutdown begins: queued sketch scans and new ones are refused (503), running scans go on,
   * linkage runs stop after their current chunk, and builds in progress stop, marked interrupted
   * (their ε stays spent).
   */
  stopAccepting(): Promise<void>
  /**
   * Frees memory held for datasets that are gone or changed (cached raw bits, sketches). Caches
   * never answer from such entries anyway (they check the store first); this only releases them,
   * e.g. after another process deleted a dataset. The server calls it periodically.
   */
  evictStale(): void
  /**
   * Stops builds, cleanups and the scan workers, and empties the write-ahead log one last time if
   * needed. With `finishCleanups` (a CLI command), a cleanup that is running goes on to its end
   * first (a failed one is left for the next process).
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
  const wal = new WalScrubber(ctx.db, ctx.log)
  const janitor = new Janitor(ctx, { retry: options.retryCleanups, afterCleanup: () => wal.scrub() })
  const datasets = new DatasetService(ctx, janitor)
  const tokens = new TokenService(ctx)
  const budget = new BudgetService(ctx)
  const sketches = new SketchService(ctx, budget, wal)
  const queries = new QueryService(ctx, budget, sketches, scanner, options.onScan)
  const linkage = new LinkageService(ctx, ctx.linkage, sketches, queries)
  const stopAccepting = async () => {
    const runs = linkage.close()
    scanner.stopAccepting()
    await Promise.all([runs, sketches.close()])
  }
  const evictStale = () => {
    const live = ctx.datasets.generations()
    queries.retain(live)
    sketches.registry.retain(live)
  }
  const close = async (options: { finishCleanups?: boolean } = {}) => {
    await linkage.close()
    await sketches.close()
    await janitor.close(options.finishCleanups ?? false)
    await scanner.close()
    wal.close()
  }
  return { ctx, datasets, tokens, budget, sketches, queries, linkage, janitor, stopAccepting, evictStale, close }
}
