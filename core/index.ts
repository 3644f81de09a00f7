/** Builds the service layer shared by the HTTP routes and the local CLI. */
import { BudgetService } from './budget.js'
import type { ServiceContext } from './context.js'
import { DatasetService } from './datasets.js'
import { QueryService } from './queries.js'
import { ScanPool } from '../scan/pool.js'
import { SketchService } from './sketches.js'
import { TokenService } from './tokens.js'

export interface Services {
  ctx: ServiceContext
  datasets: DatasetService
  tokens: TokenService
  budget: BudgetService
  sketches: SketchService
  queries: QueryService
  /** Stops builds and the scan workers. */
  close(): Promise<void>
}

export function createServices(ctx: ServiceContext): Services {
  const datasets = new DatasetService(ctx)
  const tokens = new TokenService(ctx)
  const budget = new BudgetService(ctx)
  const sketches = new SketchService(ctx, budget)
  const queries = new QueryService(ctx, budget, sketches)
  datasets.onDelete((d) => {
    sketches.registry.unloadDataset(d.id)
    queries.forgetDataset(d.id)
  })
  const pool = ctx.config.workers > 0 ? new ScanPool(ctx.config.workers, ctx.config.scanQueue) : null
  if (pool) queries.useScanner(pool.scan, () => pool.queueSize, pool.exact)
  const close = async () => {
    await sketches.close()
    await pool?.close()
  }
  return { ctx, datasets, tokens, budget, sketches, queries, close }
}
