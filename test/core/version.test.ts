import t from 'tap'
import { readFileSync } from 'node:fs'
import { VERSION } from '../../core/version.js'

t.test('the one version constant is the version package.json states', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(VERSION, pkg.version)
})
