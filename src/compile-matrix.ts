// The interim matrix entry point, kept as a name: `compile()` takes matrix programs (their matrix stages are
// stages of the one schedule, docs/matrix.md), and `createOptimizer` binds the module it returns.
import { compile, type Compiled, type CompileOptions } from './compile.js';

export type CompiledMatrix = Compiled;

/** `compile()`: matrix programs need nothing else. */
export function compileMatrix(input: Parameters<typeof compile>[0], options: CompileOptions = {}): Compiled {
  return compile(input, options);
}

export { isMatrixProgram } from './passes/index.js';
