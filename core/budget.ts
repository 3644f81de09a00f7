/** Budget views and changes; every charge itself goes through Ledger.debit. */
import type { Dataset } from '../db/datasets.js'
import { BudgetExhaustedError, type Debit, type DebitResult } from '../db/ledger.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { DomainError, conflict } from './errors.js'
import type { ServiceContext } from './context.js'
import { type Principal, requireAdmin } from './principal.js'
import type { z } from 'zod'
import type { budgetView } from './schemas/budget.js'

export type LedgerView = BudgetView['ledger'][number]

export type BudgetView = z.output<typeof budgetView>

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

  setBudget(principal: Principal, dataset: Dataset, budgetMicro: number): BudgetView {
    requireAdmin(principal)
    try {
      this.#ctx.ledger.setBudget(dataset.id, budgetMicro, principal.tokenId)
    } catch (err) {
      if (err instanceof RangeError) throw conflict(err.message)
      throw err
    }
    return this.view(dataset)
  }

  /**
   * Debits before any noise is drawn. Budget exhaustion is a 409 problem; any other failure to
   * write the debit propagates and nothing is released (fail closed).
   */
  debit<T>(debit: Debit, alsoWrite?: (ledgerId: number) => T): DebitResult & { extra: T | undefined } {
    try {
      return this.#ctx.ledger.debit(debit, alsoWrite)
    } catch (err) {
      if (err instanceof BudgetExhaustedError) throw budgetExhausted(err)
      throw err
    }
  }
}
