/**
 * The owner dashboard at /ui: the static assets `npm run build` writes to dist/ui (sources in ui/),
 * served by @fastify/static under a strict Content-Security-Policy. The assets hold no data, so
 * their routes need no token; the page itself sends the token as a Bearer header to /v1.
 *
 * Encapsulated (not fastify-plugin): the CSP header and the `public` flag apply to these routes
 * only, and helmet's other headers still apply to them as to every route.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { notFound } from '../../../core/errors.js'

/** From the TypeScript sources the built assets are in dist/ui; from dist/ they sit beside server/. */
export const uiRoot = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../dist/ui/' : '../../../ui/', import.meta.url))

/** Everything from this origin, nothing inline, nothing else: no frames, no plugins, no base rewriting. */
export const uiContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const ui: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('content-security-policy', uiContentSecurityPolicy)
  })
  if (!existsSync(`${uiRoot}index.html`)) {
    const unbuilt = async () => {
      throw notFound('the dashboard is not built: run `npm run build`')
    }
    app.get('/ui', { schema: { hide: true } }, unbuilt)
    app.get('/ui/*', { schema: { hide: true } }, unbuilt)
    return
  }
  await app.register(fastifyStatic, { root: uiRoot, prefix: '/ui', redirect: true, decorateReply: false, index: 'index.html' })
}
export default ui
