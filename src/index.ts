// Public API. See docs/api.md.
export { compile, compileIR, type CompileOptions, type Compiled, type CompiledIR } from './compile.js';
export * from './diag.js';
export * as ir from './ir/index.js';
export { Builder } from './ir/index.js';
export type { Program } from './ir/index.js';
export { parse, parseProgram } from './parser/index.js';
export { toSource } from './ir/to-source.js';
export { runPipeline, pipeline } from './passes/index.js';
export { emitModule, kernelsOf, type KernelModule } from './codegen-wgsl/index.js';
export * from './runtime/index.js';
