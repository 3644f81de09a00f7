/**
 * Logger options. Bit payloads and secrets must never reach a log line: request bodies are never
 * logged, and these paths are redacted wherever they appear.
 */
import type { LoggerOptions } from 'pino'

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'secret',
  'bits',
  'query',
  'queries',
  'records',
  '*.token',
  '*.secret',
  '*.bits',
  '*.query',
  '*.queries',
  '*.records',
  'body',
  '*.body',
]

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      // Only method, path (no query string) and ids: never headers or bodies.
      req(req: { method: string; url: string; id: string }) {
        return { method: req.method, url: req.url.split('?')[0], id: req.id }
      },
    },
  }
}
