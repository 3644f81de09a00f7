/** dpdist's version, as package.json states it (test/core/version.test.ts keeps the two equal). */
export const VERSION = '0.1.0'
