/**
 * Budget views and changes; every charge itself goes through Ledger.debit, which checks the
 * dataset's budget and the charging token's quota on it in one transaction.
 */
import type { Dataset } from '../db/datasets.js'
import { BudgetExhaustedError, UnknownDatasetError, type Debit, type DebitResult, type LedgerEntry } from '../db/ledger.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import { storeFiles } from '../db/database.js'
import { DomainError, conflict, notFound, unavailable } from './errors.js'
import { write, type ServiceContext } from './context.js'
import { type Principal, requireAdmin } from './principal.js'
import type { z } from 'zod'
import type { budgetView, identityLedgers } from './schemas/budget.js'

export type LedgerView = BudgetView['ledger'][number]

export type BudgetView = z.output<typeof budgetView>
/** What one principal spent on a dataset, and its quota there (admin view). */
export type PrincipalView = NonNullable<BudgetView['principals']>[number]
/** The calling analyst's own quota on the dataset. */
export type QuotaView = NonNullable<BudgetView['quota']>
/** The ledger of one identity that bore a name: the live dataset or a deleted one. */
export type IdentityLedger = z.output<typeof identityLedgers>['datasets'][number]

export function budgetExhausted(err: BudgetExhaustedError): DomainError {
  const of = err.limit === 'token-quota' ? "this token's ε quota on the dataset" : "the dataset's ε budget"
  return new DomainError(
    'budget-exhausted',
    `this release would charge ε = ${epsilonFromMicro(err.requestedMicro)} but only ε = ${epsilonFromMicro(err.remainingMicro)} remains of ${of}`,
    { limit: err.limit, requested: epsilonFromMicro(err.requestedMicro), remaining: epsilonFromMicro(err.remainingMicro) },
  )
}

const ledgerView = (e: LedgerEntry): LedgerView => ({
  id: e.id,
  at: e.at,
  kind: e.kind,
  epsilon: epsilonFromMicro(e.epsilonMicro),
  tokenId: e.tokenId,
  details: e.details,
})

export class BudgetService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  view(principal: Principal, dataset: Dataset): BudgetView {
    const fresh = this.#ctx.datasets.findById(dataset.id)
    if (!fresh) throw notFound(`no dataset named "${dataset.name}"`)
    const out: BudgetView = {
      dataset: fresh.name,
      epsilonBudget: epsilonFromMicro(fresh.budgetMicro),
      spent: epsilonFromMicro(fresh.spentMicro),
      remaining: epsilonFromMicro(fresh.budgetMicro - fresh.spentMicro),
      epsilonBudgetMicro: fresh.budgetMicro,
      spentMicro: fresh.spentMicro,
      remainingMicro: fresh.budgetMicro - fresh.spentMicro,
      ledger: this.#ctx.ledger.entries(fresh.id).map(ledgerView),
    }
    if (principal.role === 'admin') out.principals = this.#principals(fresh.id)
    else out.quota = this.#ownQuota(principal, fresh.id)
    return out
  }

  /** Every principal that was charged on the dataset or holds a quota on it. */
  #principals(datasetId: number): PrincipalView[] {
    const quotas = new Map(this.#ctx.tokens.quotasOn(datasetId).map((q) => [q.tokenId, q]))
    const spent = this.#ctx.ledger.spentByPrincipal(datasetId)
    const rows = spent.map((s) => principalView(s.tokenId, s.label, s.spentMicro, (s.tokenId === null ? undefined : quotas.get(s.tokenId))?.quotaMicro ?? null))
    for (const q of quotas.values()) {
      if (q.quotaMicro !== null && !spent.some((s) => s.tokenId === q.tokenId)) rows.push(principalView(q.tokenId, q.label, 0, q.quotaMicro))
    }
    return rows
  }

  #ownQuota(principal: Principal, datasetId: number): QuotaView | null {
    if (principal.tokenId === null) return null
    const scope = this.#ctx.tokens.findById(principal.tokenId)?.scopes?.find((s) => s.datasetId === datasetId)
    if (!scope || scope.quotaMicro === null) return null
    const remaining = scope.quotaMicro - scope.spentMicro
    return {
      epsilonQuota: epsilonFromMicro(scope.quotaMicro),
      spent: epsilonFromMicro(scope.spentMicro),
      remaining: epsilonFromMicro(remaining),
      epsilonQuotaMicro: scope.quotaMicro,
      spentMicro: scope.spentMicro,
      remainingMicro: remaining,
    }
  }

  /**
   * The ledgers of every dataset that bore this name (admin): the audit trail of deleted datasets
   * stays readable, each under its own identity. `deletedOnly`: leave the live dataset out.
   */
  ledgers(principal: Principal, name: string, deletedOnly: boolean): IdentityLedger[] {
    requireAdmin(principal)
    const out: IdentityLedger[] = this.#ctx.datasets.deletedByName(name).map((d) => {
      const entries = this.#ctx.ledger.entries(d.id)
      // datasets deleted before their spend was kept: the sum of their charges
      const spentMicro = d.spentMicro ?? entries.reduce((sum, e) => sum + (e.kind === 'budget' ? 0 : e.epsilonMicro), 0)
      return {
        dataset: d.name,
        deleted: true,
        createdAt: d.createdAt,
        deletedAt: d.deletedAt,
        epsilonBudget: d.budgetMicro === null ? null : epsilonFromMicro(d.budgetMicro),
        spent: epsilonFromMicro(spentMicro),
        ledger: entries.map(ledgerView),
      }
    })
    const live = deletedOnly ? undefined : this.#ctx.datasets.findByName(name)
    if (live) {
      out.push({
        dataset: live.name,
        deleted: false,
        createdAt: live.createdAt,
        deletedAt: null,
        epsilonBudget: epsilonFromMicro(live.budgetMicro),
        spent: epsilonFromMicro(live.spentMicro),
        ledger: this.#ctx.ledger.entries(live.id).map(ledgerView),
      })
    }
    if (out.length === 0) throw notFound(`no ${deletedOnly ? 'deleted ' : ''}dataset named "${name}"`)
    return out
  }

  async setBudget(principal: Principal, dataset: Dataset, budgetMicro: number): Promise<BudgetView> {
    requireAdmin(principal)
    try {
      await write(this.#ctx, () => this.#ctx.ledger.setBudget(dataset.id, budgetMicro, principal.tokenId))
    } catch (err) {
      if (err instanceof RangeError) throw conflict(err.message)
      if (err instanceof UnknownDatasetError) throw notFound(`no dataset named "${dataset.name}"`)
      throw err
    }
    return this.view(principal, dataset)
  }

  /**
   * Debits before any noise is drawn. Budget or quota exhaustion is a `budget-exhausted` error
   * naming the limit; a dataset deleted meanwhile (by another process) is not found; any other
   * failure to write the debit propagates and nothing is released (fail closed). A lock held
   * elsewhere is waited for asynchronously (then 503). The database files are checked before and
   * after the debit: a debit written into a file that was deleted or replaced under the process is
   * not in the database the next start opens, so its answer must not be released (503, logged).
   */
  async debit<T>(debit: Debit, alsoWrite?: (ledgerId: number) => T): Promise<DebitResult & { extra: T | undefined }> {
    this.#assertFilesIntact(debit)
    let result: DebitResult & { extra: T | undefined }
    try {
      result = await write(this.#ctx, () => this.#ctx.ledger.debit(debit, alsoWrite))
    } catch (err) {
      if (err instanceof BudgetExhaustedError) throw budgetExhausted(err)
      if (err instanceof UnknownDatasetError) throw notFound('the dataset no longer exists')
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

function principalView(tokenId: string | null, label: string | null, spentMicro: number, quotaMicro: number | null): PrincipalView {
  return {
    tokenId,
    label,
    spent: epsilonFromMicro(spentMicro),
    spentMicro,
    epsilonQuota: quotaMicro === null ? null : epsilonFromMicro(quotaMicro),
    remaining: quotaMicro === null ? null : epsilonFromMicro(quotaMicro - spentMicro),
  }
}
