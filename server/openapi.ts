/**
 * Generates openapi.yaml from the zod schemas of the routes, and the TypeScript client's types
 * (clients/typescript/schema.ts, openapi-typescript) from it: `npm run openapi` writes both. A test
 * regenerates them and fails when a committed file is stale.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import ts from 'typescript'
import { stringify } from 'yaml'
import { buildApp } from './app.js'
import { loadConfig } from '../core/config.js'
import { openDatabase } from '../db/database.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { repositories, silentLog } from '../core/context.js'
import { createServices } from '../core/index.js'

export const openapiPath = fileURLToPath(new URL('../openapi.yaml', import.meta.url))
export const clientSchemaPath = fileURLToPath(new URL('../clients/typescript/schema.ts', import.meta.url))

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const config = { ...loadConfig({}), dbPath: ':memory:', workers: 0 }
  const db = openDatabase(':memory:')
  const services = createServices({ ...repositories(db), config, noise: productionNoiseSource(), log: silentLog })
  const app = await buildApp({ config, services, logger: false })
  await app.ready()
  const doc = structuredClone(app.swagger()) as Record<string, unknown>
  await app.close()
  db.close()
  return doc
}

export async function openapiYaml(): Promise<string> {
  return stringify(await openapiDocument(), { lineWidth: 0 })
}

/** The client's types. Fields with a default stay optional in request bodies (defaultNonNullable: false). */
export async function clientSchemaTs(yaml: string): Promise<string> {
  const ast = await openapiTS(yaml, {
    defaultNonNullable: false,
    // packed octet-stream bodies are bytes, not strings
    transform: (schema) =>
      'contentMediaType' in schema && schema.contentMediaType === 'application/octet-stream'
        ? ts.factory.createUnionTypeNode([ts.factory.createTypeReferenceNode('Blob'), ts.factory.createTypeReferenceNode('Uint8Array')])
        : undefined,
  })
  return `/* Generated from openapi.yaml by \`npm run openapi\` (openapi-typescript); do not edit. */\n${astToString(ast)}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const yaml = await openapiYaml()
  writeFileSync(openapiPath, yaml)
  writeFileSync(clientSchemaPath, await clientSchemaTs(yaml))
}
