/**
 * The privacy ledger: per-dataset spent ε and an append-only row per charge.
 *
 * A debit is one `BEGIN IMMEDIATE` transaction (the write lock is taken before the budget is read,
 * so two debits can never both pass the check) under `synchronous = FULL` (the row is on disk before
 * `debit` returns). Callers draw noise only after `debit` has returned: if the debit cannot be
 * written, it throws and nothing is released (fail closed).
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

export class BudgetExhaustedError extends Error {
  constructor(
    readonly requestedMicro: number,
    readonly remainingMicro: number,
  ) {
    super('the privacy budget would be exceeded')
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
  }

  /**
   * Checks the budget and records the charge atomically. `alsoWrite` runs inside the same
   * transaction (e.g. the sketch row that references the ledger row), so both land or neither.
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
      this.#spend.run(debit.epsilonMicro, debit.datasetId)
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
}
