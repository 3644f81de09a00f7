/** Budget views and changes; every charge itself goes through Ledger.debit. */
import type { Dataset } from '../db/datasets.js'
import { BudgetExhaustedError, type Debit, type DebitResult } from '../db/ledger.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { storeFiles } from '../db/database.js'
import { DomainError, conflict, unavailable } from './errors.js'
import { write, type ServiceContext } from './context.js'
import { type Principal, requireAdmin } from './principal.js'

export interface LedgerView {
  id: number
  at: string
  kind: string
  epsilon: number
  tokenId: string | null
  details: Record<string, unknown>
}

export interface BudgetView {
  dataset: string
  epsilonBudget: number
  spent: number
  remaining: number
  epsilonBudgetMicro: number
  spentMicro: number
  remainingMicro: number
  ledger: LedgerView[]
}

export function budgetExhausted(err: BudgetExhaustedError): DomainError {
  return new DomainError(
    'budget-exhausted',
    `this release would charge ε = ${epsilonFromMicro(err.requestedMicro)} but only ε = ${epsilonFromMicro(err.remainingMicro)} remains`,
    { requested: epsilonFromMicro(err.requestedMicro), remaining: epsilonFromMicro(err.remainingMicro) },
  )
}

export class BudgetService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  view(dataset: Dataset): BudgetView {
    const fresh = this.#ctx.datasets.findById(dataset.id) ?? dataset
    return {
      dataset: fresh.name,
      epsilonBudget: epsilonFromMicro(fresh.budgetMicro),
      spent: epsilonFromMicro(fresh.spentMicro),
      remaining: epsilonFromMicro(fresh.budgetMicro - fresh.spentMicro),
      epsilonBudgetMicro: fresh.budgetMicro,
      spentMicro: fresh.spentMicro,
      remainingMicro: fresh.budgetMicro - fresh.spentMicro,
      ledger: this.#ctx.ledger.entries(fresh.id).map((e) => ({
        id: e.id,
        at: e.at,
        kind: e.kind,
        epsilon: epsilonFromMicro(e.epsilonMicro),
        tokenId: e.tokenId,
        details: e.details,
      })),
    }
  }

  async setBudget(principal: Principal, dataset: Dataset, budgetMicro: number): Promise<BudgetView> {
    requireAdmin(principal)
    try {
      await write(this.#ctx, () => this.#ctx.ledger.setBudget(dataset.id, budgetMicro, principal.tokenId))
    } catch (err) {
      if (err instanceof RangeError) throw conflict(err.message)
      throw err
    }
    return this.view(dataset)
  }

  /**
   * Debits before any noise is drawn. Budget exhaustion is a 409 problem; any other failure to
   * write the debit propagates and nothing is released (fail closed). A lock held elsewhere is
   * waited for asynchronously (then 503). The database files are checked before and after the
   * debit: a debit written into a file that was deleted or replaced under the process is not in
   * the database the next start opens, so its answer must not be released (503, logged).
   */
  async debit<T>(debit: Debit, alsoWrite?: (ledgerId: number) => T): Promise<DebitResult & { extra: T | undefined }> {
    this.#assertFilesIntact(debit)
    let result: DebitResult & { extra: T | undefined }
    try {
      result = await write(this.#ctx, () => this.#ctx.ledger.debit(debit, alsoWrite))
    } catch (err) {
      if (err instanceof BudgetExhaustedError) throw budgetExhausted(err)
      throw err
    }
    this.#assertFilesIntact(debit)
    return result
  }

  #assertFilesIntact(debit: Debit): void {
    const lost = storeFiles(this.#ctx.db)?.check() ?? null
    if (lost === null) return
    this.#ctx.log.error({ datasetId: debit.datasetId, kind: debit.kind, problem: lost }, 'charge refused: the database files are not the ones this process opened')
    throw unavailable(`charges are refused: ${lost}; the server must be restarted on an intact database`, 60)
  }
}
