export { emitModule, type CodegenOptions } from './emit.js';
export { evalHost, stepScalars, uniformBytes, stateInitValues } from './host.js';
export { kernelsOf } from './manifest.js';
export { codecOf, stateBytes, LANE_GROUP, type StateCodec } from './state-io.js';
export type { KernelModule, KernelSpec, BindingSpec, BindingKind, HostProgram, UniformLayout, UniformField } from './manifest.js';
export { rank1Problem } from './rank1.js';
