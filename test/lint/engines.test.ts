/**
 * Supported Node versions (README): every package in package-lock.json that declares the Node
 * versions it supports (the server's dependencies and the tools that build and test it) supports
 * the oldest supported release of Node 20, 22 and 24; the two packages pinned in package.json
 * `overrides` (their newest releases need Node 22) load and work as their dependents call them.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import semver from 'semver'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>
}
/** The oldest supported release of each LTS line. */
const lines = ['20.19.0', '22.13.0', '24.0.0']

t.test('package.json states the supported versions, and this Node is one of them', async (t) => {
  for (const v of lines) t.ok(semver.satisfies(v, pkg.engines.node), `engines.node covers ${v}`)
  t.ok(semver.satisfies(process.version, pkg.engines.node), `this Node (${process.version}) is supported`)
})

t.test('every locked package supports every supported Node line', async (t) => {
  const declared = Object.entries(lock.packages).flatMap(([path, info]) => {
    const range = Array.isArray(info.engines) ? undefined : info.engines?.node
    return path === '' || range === undefined ? [] : [{ name: `${path.replace(/^node_modules\//, '')}@${info.version}${info.dev ? ' (dev)' : ''}`, range }]
  })
  t.ok(declared.length > 20, `${declared.length} packages declare the Node versions they support`)
  for (const v of lines) {
    t.same(declared.filter((p) => !semver.satisfies(v, p.range)).map((p) => `${p.name}: ${p.range}`), [], `every package supports Node ${v}`)
  }
})

t.test('the pinned overrides work as their dependents use them', async (t) => {
  const require = createRequire(`${root}node_modules/light-my-request/lib/cookies.js`)
  const { stringifySetCookie } = require('cookie') as { stringifySetCookie(name: string, value: string): string }
  t.equal(stringifySetCookie('a', 'b c'), 'a=b%20c', 'cookie.stringifySetCookie (light-my-request)')
  const fromStatic = createRequire(`${root}node_modules/@fastify/static/index.js`)
  const { create } = fromStatic('content-disposition') as { create(filename: string): string }
  t.equal(create('report ü.pdf'), 'attachment; filename="report ?.pdf"; filename*=UTF-8\'\'report%20%C3%BC.pdf', 'content-disposition.create (@fastify/static)')
})
