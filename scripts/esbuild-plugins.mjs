// esbuild plugins shared by the package build (scripts/build.mjs) and the playground's (playground/build.mjs).

/**
 * The browser bundle must not reach Node built-ins. The only path there is the checkpoint file I/O behind
 * Optimizer.save/load; those imports resolve to stand-ins that throw when called, naming the alternative.
 */
export const nodeStubs = {
  name: 'node-builtins-in-browser',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub' }));
    b.onResolve({ filter: /^webgpu$/ }, (a) => ({ errors: [{ text: `${a.importer} imports 'webgpu' (Dawn, Node only) into the browser build` }] }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
      contents: `const fail = (f) => () => { throw new Error(\`${a.path} \${f}() is not available in the browser: optimizer.save/load write files; use encodeCheckpoint/decodeCheckpoint\`); };
export const open = fail('open'), rename = fail('rename'), unlink = fail('unlink'), randomBytes = fail('randomBytes'),
  join = fail('join'), basename = fail('basename'), dirname = fail('dirname'), resolve = fail('resolve');
// node:zlib's crc32 is optional: checkpoint.ts falls back to its portable CRC-32 when it is missing.
export const crc32 = undefined;`,
      loader: 'js',
    }));
  },
};
