// The copy roofline: the fastest a memory-bound optimizer step can be on this device is the time to move its
// bytes. This kernel reads `reads` f32 buffers and writes `writes` of them in place (vec4 loads and stores,
// one dispatch), so it moves exactly the bytes of a fused optimizer step — e.g. Adam reads p, g, m, v and writes
// p, m, v: 7 × 4 = 28 bytes per parameter. Each output is `in_i + scale * (sum of all inputs)` with `scale` a
// uniform set to 0 at run time: every load is live (the shader compiler cannot drop one) and the arithmetic is
// a handful of adds, negligible next to the memory traffic.

export interface CopyKernel {
  /** Bytes per element the kernel moves: 4 × (reads + writes). */
  bytesPerParam: number;
  /** One dispatch, submitted and waited on: a step as the suite times one. */
  step(): Promise<void>;
  destroy(): void;
}

export const COPY_WORKGROUP_SIZE = 256;

export function copyKernelWgsl(reads: number, writes: number, workgroupSize = COPY_WORKGROUP_SIZE): string {
  if (writes > reads) throw new Error(`copy kernel writes ${writes} buffers but reads only ${reads}`);
  const decls = Array.from(
    { length: reads },
    (_, i) => `@group(0) @binding(${i + 1}) var<storage, read_write> b${i}: array<vec4<f32>>;`,
  );
  const loads = Array.from({ length: reads }, (_, i) => `  let x${i} = b${i}[i];`);
  const sum = Array.from({ length: reads }, (_, i) => `x${i}`).join(' + ');
  const stores = Array.from({ length: writes }, (_, i) => `  b${i}[i] = x${i} + s;`);
  return [
    `struct U { n4: u32, rowStride: u32, scale: f32, pad: u32 }`,
    `@group(0) @binding(0) var<uniform> u: U;`,
    ...decls,
    `@compute @workgroup_size(${workgroupSize})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    `  let i = gid.x + gid.y * u.rowStride;`,
    `  if (i >= u.n4) { return; }`,
    ...loads,
    `  let s = u.scale * (${sum});`,
    ...stores,
    `}`,
  ].join('\n');
}

/** Splits `workgroups` into a 2-D grid that respects maxComputeWorkgroupsPerDimension. */
export function grid2d(workgroups: number, maxPerDim: number): [number, number] {
  if (workgroups <= maxPerDim) return [workgroups, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  return [Math.ceil(workgroups / y), y];
}

/** `n` must be a multiple of 4 (every benchmark size is). Buffers are zero-filled; their values do not matter. */
export function createCopyKernel(device: GPUDevice, n: number, reads: number, writes: number, workgroupSize = COPY_WORKGROUP_SIZE): CopyKernel {
  if (n % 4 !== 0) throw new Error(`copy roofline needs n % 4 == 0, got ${n}`);
  const n4 = n / 4;
  const module = device.createShaderModule({ code: copyKernelWgsl(reads, writes, workgroupSize) });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffers = Array.from({ length: reads }, () =>
    device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
  );
  const [gx, gy] = grid2d(Math.ceil(n4 / workgroupSize), device.limits.maxComputeWorkgroupsPerDimension);
  const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const u = new ArrayBuffer(16);
  new Uint32Array(u, 0, 2).set([n4, gx * workgroupSize]);
  new Float32Array(u, 8, 1)[0] = 0;
  device.queue.writeBuffer(uniform, 0, u);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: uniform } }, ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
  });
  return {
    bytesPerParam: 4 * (reads + writes),
    async step() {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
    destroy() {
      for (const b of buffers) b.destroy();
      uniform.destroy();
    },
  };
}
