/** Who is calling: a verified token (HTTP) or the local operator (CLI on a database file). */
import type { Token } from '../db/tokens.js'
import { forbidden } from './errors.js'

export interface Principal {
  tokenId: string | null
  role: 'admin' | 'analyst'
  /** Ids of the datasets an analyst may use; null = all. Ids are never reused, names may be. */
  datasets: readonly number[] | null
}

export const localOperator: Principal = { tokenId: null, role: 'admin', datasets: null }

export function principalOf(token: Token): Principal {
  return { tokenId: token.id, role: token.role, datasets: token.role === 'admin' || token.scopes === null ? null : token.scopes.map((s) => s.datasetId) }
}

export function canAccess(principal: Principal, dataset: { id: number }): boolean {
  return principal.role === 'admin' || principal.datasets === null || principal.datasets.includes(dataset.id)
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw forbidden('this operation needs an admin token')
}
