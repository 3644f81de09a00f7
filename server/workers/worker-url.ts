/**
 * Worker scripts sit beside this file. When dpdist runs from compiled JavaScript they are .js files;
 * when it runs from TypeScript sources (tests, through the tsx loader that workers inherit from the
 * parent's execArgv) they are .ts files.
 */
export function workerUrl(name: string): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./${name}${ext}`, import.meta.url)
}
