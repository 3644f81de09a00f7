/**
 * The privacy ledger: per-dataset spent ε, per-token spent ε on a dataset (against its optional
 * quota), and an append-only row per charge.
 *
 * A debit is one `BEGIN IMMEDIATE` transaction (the write lock is taken before the budget and the
 * quota are read, so two debits can never both pass a check, in this process or another) under
 * `synchronous = FULL` (the row is on disk before `debit` returns). It checks the dataset's budget
 * and the charging token's quota on the dataset, and raises both spends and appends the row
 * together. Callers draw noise only after `debit` has returned: if the debit cannot be written, it
 * throws and nothing is released (fail closed).
 */
import type { Db } from './database.js'

export type LedgerKind = 'sketch' | 'query' | 'budget'

export interface LedgerEntry {
  id: number
  datasetId: number | null
  datasetName: string
  at: string
  kind: LedgerKind
  epsilonMicro: number
  tokenId: string | null
  details: Record<string, unknown>
}

interface LedgerRow {
  id: number
  dataset_id: number | null
  dataset_name: string
  at: string
  kind: LedgerKind
  epsilon_micro: number
  token_id: string | null
  details: string
}

/** Which limit a refused charge would have exceeded. */
export type BudgetLimit = 'dataset-budget' | 'token-quota'

export class BudgetExhaustedError extends Error {
  constructor(
    readonly requestedMicro: number,
    readonly remainingMicro: number,
    readonly limit: BudgetLimit = 'dataset-budget',
  ) {
    super(limit === 'token-quota' ? "the token's ε quota would be exceeded" : 'the privacy budget would be exceeded')
  }
}

export class UnknownDatasetError extends Error {}

export interface Debit {
  datasetId: number
  epsilonMicro: number
  kind: Exclude<LedgerKind, 'budget'>
  tokenId: string | null
  details: Record<string, unknown>
}

export interface DebitResult {
  ledgerId: number
  spentMicro: number
  remainingMicro: number
  /** The charging token's quota on the dataset after this charge; null when it has none. */
  quota: { quotaMicro: number; spentMicro: number; remainingMicro: number } | null
}

/** What one principal (a token, or null: the local operator) was charged on a dataset. */
export interface PrincipalSpend {
  tokenId: string | null
  label: string | null
  spentMicro: number
}

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    at: row.at,
    kind: row.kind,
    epsilonMicro: row.epsilon_micro,
    tokenId: row.token_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }
}

export class Ledger {
  readonly #db: Db
  readonly #budget
  readonly #spend
  readonly #append
  readonly #entries
  readonly #setBudget
  readonly #scope
  readonly #scopeSpend

  constructor(db: Db) {
    this.#db = db
    this.#budget = db.prepare<[number], { name: string; budget_micro: number; spent_micro: number }>(
      'SELECT name, budget_micro, spent_micro FROM datasets WHERE id = ?',
    )
    this.#spend = db.prepare('UPDATE datasets SET spent_micro = spent_micro + ? WHERE id = ?')
    this.#append = db.prepare(
      `INSERT INTO ledger (dataset_id, dataset_name, at, kind, epsilon_micro, token_id, details)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    this.#entries = db.prepare<[number], LedgerRow>('SELECT * FROM ledger WHERE dataset_id = ? ORDER BY id')
    this.#setBudget = db.prepare('UPDATE datasets SET budget_micro = ? WHERE id = ?')
    this.#scope = db.prepare<[string, number], { quota_micro: number | null; spent_micro: number }>(
      'SELECT quota_micro, spent_micro FROM token_scopes WHERE token_id = ? AND dataset_id = ?',
    )
    this.#scopeSpend = db.prepare('UPDATE token_scopes SET spent_micro = spent_micro + ? WHERE token_id = ? AND dataset_id = ?')
  }

  /**
   * Checks the dataset's budget, then the token's quota on it, and records the charge atomically.
   * `alsoWrite` runs inside the same transaction (e.g. the sketch row that references the ledger
   * row), so everything lands or nothing does.
   */
  debit<T = void>(debit: Debit, alsoWrite?: (ledgerId: number) => T): DebitResult & { extra: T | undefined } {
    if (!Number.isSafeInteger(debit.epsilonMicro) || debit.epsilonMicro <= 0) {
      throw new RangeError('a charge must be a positive whole number of micro-ε')
    }
    return this.#db.transaction(() => {
      const row = this.#budget.get(debit.datasetId)
      if (!row) throw new UnknownDatasetError('unknown dataset')
      const remaining = row.budget_micro - row.spent_micro
      if (debit.epsilonMicro > remaining) throw new BudgetExhaustedError(debit.epsilonMicro, remaining)
      const scope = debit.tokenId === null ? undefined : this.#scope.get(debit.tokenId, debit.datasetId)
      let quota: DebitResult['quota'] = null
      if (scope && scope.quota_micro !== null) {
        const left = scope.quota_micro - scope.spent_micro
        if (debit.epsilonMicro > left) throw new BudgetExhaustedError(debit.epsilonMicro, left, 'token-quota')
        quota = { quotaMicro: scope.quota_micro, spentMicro: scope.spent_micro + debit.epsilonMicro, remainingMicro: left - debit.epsilonMicro }
      }
      this.#spend.run(debit.epsilonMicro, debit.datasetId)
      if (scope) this.#scopeSpend.run(debit.epsilonMicro, debit.tokenId, debit.datasetId)
      const info = this.#append.run(
        debit.datasetId,
        row.name,
        new Date().toISOString(),
        debit.kind,
        debit.epsilonMicro,
        debit.tokenId,
        JSON.stringify(debit.details),
      )
      const ledgerId = Number(info.lastInsertRowid)
      const extra = alsoWrite ? alsoWrite(ledgerId) : undefined
      return {
        ledgerId,
        spentMicro: row.spent_micro + debit.epsilonMicro,
        remainingMicro: remaining - debit.epsilonMicro,
        quota,
        extra,
      }
    }).immediate()
  }

  /** Sets a new total budget (never below what is spent); leaves a ledger row of kind `budget`. */
  setBudget(datasetId: number, budgetMicro: number, tokenId: string | null): LedgerEntry {
    return this.#db.transaction(() => {
      const row = this.#budget.get(datasetId)
      if (!row) throw new UnknownDatasetError('unknown dataset')
      if (budgetMicro < row.spent_micro) {
        throw new RangeError('the budget cannot be set below what is already spent')
      }
      this.#setBudget.run(budgetMicro, datasetId)
      const info = this.#append.run(
        datasetId,
        row.name,
        new Date().toISOString(),
        'budget',
        budgetMicro - row.budget_micro,
        tokenId,
        JSON.stringify({ previousBudgetMicro: row.budget_micro, budgetMicro }),
      )
      return toEntry(this.#db.prepare<[number], LedgerRow>('SELECT * FROM ledger WHERE id = ?').get(Number(info.lastInsertRowid))!)
    }).immediate()
  }

  entries(datasetId: number): LedgerEntry[] {
    return this.#entries.all(datasetId).map(toEntry)
  }

  /** Charges (not budget changes) on a dataset summed per principal, largest first. */
  spentByPrincipal(datasetId: number): PrincipalSpend[] {
    return this.#db
      .prepare<[number], { token_id: string | null; label: string | null; spent: number }>(
        `SELECT l.token_id, t.label, SUM(l.epsilon_micro) AS spent FROM ledger l LEFT JOIN tokens t ON t.id = l.token_id
         WHERE l.dataset_id = ? AND l.kind != 'budget' GROUP BY l.token_id ORDER BY spent DESC, l.token_id`,
      )
      .all(datasetId)
      .map((r) => ({ tokenId: r.token_id, label: r.label, spentMicro: r.spent }))
  }
}
