// The API that runs wherever WebGPU does: Node (index.ts adds Dawn) and the browser (browser.ts adds
// navigator.gpu). Nothing here imports Node's file system or the `webgpu` package at load time.
export { compile, compileIR, type CompileOptions, type Compiled, type CompiledIR } from './compile.js';
export { compileMatrix, type CompiledMatrix } from './compile-matrix.js';
export * from './diag.js';
export * as ir from './ir/index.js';
export { Builder } from './ir/index.js';
export type { Program } from './ir/index.js';
export { parse, parseProgram } from './parser/index.js';
export { toSource } from './ir/to-source.js';
export { runPipeline, pipeline } from './passes/index.js';
export { emitModule, kernelsOf, type KernelModule } from './codegen-wgsl/index.js';
export * from './runtime/portable.js';
