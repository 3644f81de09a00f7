/** Who is calling: a verified token (HTTP) or the local operator (CLI on a database file). */
import type { Token } from '../db/tokens.js'
import { forbidden } from './errors.js'

export interface Principal {
  tokenId: string | null
  role: 'admin' | 'analyst'
  datasets: string[] | null
}

export const localOperator: Principal = { tokenId: null, role: 'admin', datasets: null }

export function principalOf(token: Token): Principal {
  return { tokenId: token.id, role: token.role, datasets: token.role === 'admin' ? null : token.datasets }
}

export function canAccess(principal: Principal, dataset: string): boolean {
  return principal.role === 'admin' || principal.datasets === null || principal.datasets.includes(dataset)
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw forbidden('this operation needs an admin token')
}
