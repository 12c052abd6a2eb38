// `optc run` of a matrix program on the GPU: the matrix stages (src/runtime/matrix-runner.ts) for the
// matrices, the fallback rule for the rest, one result in the shape runCaseWebGPU gives.
import type { CompiledMatrix } from '../compile-matrix.js';
import { getDevice } from '../runtime/dawn.js';
import { MatrixRunner } from '../runtime/matrix-runner.js';
import { memoryByTensor, tensor, type Case, type Result } from './case.js';

export async function runCaseMatrixWebGPU(c: CompiledMatrix, kase: Case): Promise<Result> {
  const device = await getDevice();
  try {
    const run = await MatrixRunner.create(device, c.module,
      Object.fromEntries(Object.entries(kase.params).map(([n, p]) => [n, { shape: p.shape, data: Float32Array.from(p.data) }])),
      { hypers: kase.hyper });
    for (const [k, g] of kase.grads.entries()) {
      const inputs = Object.fromEntries(Object.entries(kase.inputs?.[k] ?? {}).map(([inp, per]) =>
        [inp, Object.fromEntries(Object.entries(per).map(([n, d]) => [n, Float32Array.from(d)]))]));
      await run.step(Object.fromEntries(Object.entries(g).map(([n, d]) => [n, Float32Array.from(d)])), inputs);
    }
    const read = await run.read();
    const { memoryPerTensor } = memoryByTensor(c.program, kase.params);
    const { paramBytes, stateBytes } = run.memory();
    const result: Result = {
      steps: kase.grads.length,
      backend: 'webgpu',
      dispatchesPerStep: run.dispatchesPerStep,
      memory: { paramBytes, stateBytes },
      memoryPerTensor,
      params: Object.fromEntries(Object.entries(read.params).map(([n, a]) => [n, tensor(kase.params[n]!.shape, a)])),
      state: Object.fromEntries(Object.entries(read.state).map(([s, per]) =>
        [s, Object.fromEntries(Object.entries(per).map(([n, x]) => [n, tensor(x.shape, x.data)]))])),
    };
    run.dispose();
    return result;
  } finally {
    device.destroy();
  }
}
