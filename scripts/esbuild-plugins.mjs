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
    // The stand-in exports every name the real module has (read from Node itself), so a new import in the
    // checkpoint code cannot break the browser build; only node:zlib's crc32 is left undefined on purpose
    // (the checkpoint code falls back to its portable CRC-32 when it is missing).
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (a) => {
      const names = Object.keys(await import(a.path)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      const lines = names.map((n) => n === 'crc32' && a.path === 'node:zlib' ? 'export const crc32 = undefined;' : `export const ${n} = fail('${n}');`);
      return {
        contents: `const fail = (f) => () => { throw new Error(\`${a.path} \${f}() is not available in the browser: optimizer.save/load write files; use encodeCheckpoint/decodeCheckpoint\`); };
${lines.join('\n')}
export default {};`,
        loader: 'js',
      };
    });
  },
};
