import t from 'tap'
import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import { parse } from 'yaml'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { clientSchemaPath, clientSchemaTs, openapiPath, openapiYaml } from '../../server/openapi.js'
import { testApp } from '../support/app.js'

t.test('openapi.yaml is generated from the schemas and up to date', async (t) => {
  const generated = await openapiYaml()
  const committed = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')
  t.equal(committed, generated, 'openapi.yaml is stale: run `npm run openapi` and commit it')
  t.equal(readFileSync(clientSchemaPath, 'utf8'), await clientSchemaTs(generated), 'clients/typescript/schema.ts is stale: run `npm run openapi`')
})

t.test('redocly lint (recommended rules, redocly.yaml) finds no errors and no warnings', async (t) => {
  const root = new URL('../../', import.meta.url).pathname
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', openapiPath, '--format=summary'], { cwd: root })
  t.notMatch(`${stdout}${stderr}`, /\d+ (warning|error)|^(warning|error) /im, 'no warnings or errors')
  t.match(stderr, /Your API description is valid/)
})

t.test('every operation has an operationId, a description, and problem+json errors', async (t) => {
  const doc = parse(readFileSync(openapiPath, 'utf8'))
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { operationId?: string; description?: string; responses: Record<string, { content?: Record<string, unknown> }> }>>)) {
    for (const [method, op] of Object.entries(item)) {
      t.ok(op.operationId && op.description, `${method} ${path}`)
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) >= 400) t.same(Object.keys(r.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`)
      }
    }
  }
  t.notOk(Object.keys(doc.components.schemas).some((id) => id.endsWith('Input')), 'one component per schema')
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
  // relative: Swagger UI's "Try it out" calls whatever host and port served the page
  t.same(json.json().servers.map((s: { url: string }) => s.url), ['/'])
})
