/**
 * Prints openapi.yaml, generated from the zod schemas of the routes (`npm run openapi`). A test
 * regenerates it and fails when the committed file is stale.
 */
import { stringify } from 'yaml'
import { buildApp } from './app.js'
import { loadConfig } from '../core/config.js'
import { openDatabase } from '../db/database.js'
import { productionNoiseSource } from '../privacy/noise-source.js'
import { repositories, silentLog } from '../core/context.js'
import { createServices } from '../core/index.js'

export async function openapiYaml(): Promise<string> {
  const config = { ...loadConfig({}), dbPath: ':memory:', workers: 0 }
  const db = openDatabase(':memory:')
  const services = createServices({ ...repositories(db), config, noise: productionNoiseSource(), log: silentLog })
  const app = await buildApp({ config, services, logger: false })
  await app.ready()
  const doc = app.swagger()
  await app.close()
  db.close()
  return stringify(doc, { lineWidth: 0 })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(await openapiYaml())
}
