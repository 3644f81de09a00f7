/**
 * The dpdist TypeScript client: openapi-fetch over the types openapi-typescript generates from
 * openapi.yaml (schema.ts, `npm run openapi`). Every error body is a `Problem`.
 */
import createClient, { type Client } from 'openapi-fetch'
import type { components, paths } from './schema.js'

export type { components, paths }
export type Problem = components['schemas']['Problem']
export type ProblemType = Problem['type']

/** A client for the server at baseUrl, sending the bearer token with every request. */
export function dpdistClient(baseUrl: string, token: string): Client<paths> {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } })
}

/** For NDJSON, text, CSV and packed bodies: send the body as it is, not as JSON. */
export const asIs = { bodySerializer: (body: unknown) => body as string }
