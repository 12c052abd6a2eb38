// Whether this code runs from the built bundle (scripts/build.mjs defines __OPTC_BUNDLED__). Chevrotain's
// grammar and token validations cost ~40 ms of every CLI start; they check the grammar, not the input, so
// the sources (tests, CI, `npm run optc`) run them and the bundle, built from the same grammar, skips them.
declare const __OPTC_BUNDLED__: boolean | undefined;
export const SKIP_GRAMMAR_CHECKS: boolean = typeof __OPTC_BUNDLED__ !== 'undefined' && __OPTC_BUNDLED__;
