import t from 'tap'
import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import { parse } from 'yaml'
import { openapiYaml } from '../../server/openapi.js'
import { testApp } from '../support/app.js'

t.test('openapi.yaml is generated from the schemas and up to date', async (t) => {
  const generated = await openapiYaml()
  const committed = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')
  t.equal(committed, generated, 'openapi.yaml is stale: run `npm run openapi` and commit it')
})

t.test('openapi.yaml is a valid OpenAPI document covering the contract', async (t) => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'))
  const api = await SwaggerParser.validate(structuredClone(doc))
  t.ok(api.info.title)
  const paths = Object.keys(doc.paths)
  for (const p of [
    '/health',
    '/metrics',
    '/v1/tokens',
    '/v1/datasets',
    '/v1/datasets/{name}',
    '/v1/datasets/{name}/records',
    '/v1/datasets/{name}/budget',
    '/v1/datasets/{name}/sketches',
    '/v1/datasets/{name}/sketches:estimate',
    '/v1/datasets/{name}/sketches/{id}',
    '/v1/datasets/{name}/query',
    '/v1/datasets/{name}/query:batch',
  ]) {
    t.ok(paths.includes(p), `documents ${p}`)
  }
})

t.test('Swagger UI and the live document are served at /docs without a token', async (t) => {
  const h = await testApp()
  t.teardown(h.close)
  const ui = await h.request({ method: 'GET', url: '/docs/', token: null })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
  const json = await h.request({ method: 'GET', url: '/docs/json', token: null })
  t.equal(json.statusCode, 200)
  t.equal(json.json().info.title, 'dpdist')
})
