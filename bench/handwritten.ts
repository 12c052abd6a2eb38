// A hand-written WGSL AdamW: the yardstick for the emitted kernel. Same arithmetic as examples/adamw.opt
// compiled by optc (same per-step scalars, computed in float64 on the host and rounded to f32; same
// operation order), so after the same steps from the same start both hold the same bits — the suite
// checks that, so a speed difference is the code's, not the math's. Indexed by global_invocation_id.x
// with the grid spilling into y past 65,535 workgroups, like every kernel optc emits.

export interface HandAdamW {
  /** Submits one step and waits until the device has finished it. */
  step(): Promise<void>;
  readParam(): Promise<Float32Array>;
  destroy(): void;
}

const WG = 256;
const GRID_X = 65535;

export const HAND_ADAMW_WGSL = `
struct U { n4: u32, pad: u32, lr: f32, b1: f32, b2: f32, eps: f32, decay: f32, omb1: f32, omb2: f32, bc1: f32, bc2: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> p: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> g: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * ${GRID_X * WG}u;
  if (i >= u.n4) { return; }
  let gi = g[i];
  let m2 = u.b1 * m[i] + u.omb1 * gi;
  let v2 = u.b2 * v[i] + (u.omb2 * gi) * gi;
  let upd = (u.lr * (m2 / u.bc1)) / (sqrt(v2 / u.bc2) + u.eps);
  p[i] = p[i] * u.decay - upd;
  m[i] = m2;
  v[i] = v2;
}
`;

export interface AdamWHypers { lr: number; beta1: number; beta2: number; eps: number; weight_decay: number }
export const ADAMW_DEFAULTS: AdamWHypers = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 };

/** `grad` must be a buffer of n f32 values (n a multiple of 4); one step runs here, as createOptcCase's does. */
export async function createHandAdamW(device: GPUDevice, init: Float32Array, grad: GPUBuffer, h: AdamWHypers = ADAMW_DEFAULTS): Promise<HandAdamW> {
  const n = init.length;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const [p, m, v] = ['p', 'm', 'v'].map((label) => device.createBuffer({ size: n * 4, usage, label }));
  device.queue.writeBuffer(p!, 0, init.buffer as ArrayBuffer, init.byteOffset, init.byteLength);
  const uniform = device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const module = device.createShaderModule({ code: HAND_ADAMW_WGSL });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [uniform, p!, m!, v!, grad].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const groups = Math.ceil(n / 4 / WG);
  const grid: [number, number] = [Math.min(groups, GRID_X), Math.ceil(groups / GRID_X)];
  let t = 0;
  const step = async () => {
    t++;
    const u = new ArrayBuffer(48);
    new Uint32Array(u, 0, 2).set([n / 4, 0]);
    // Each scalar in float64, rounded once to f32: what optc's host program computes.
    new Float32Array(u, 8).set([h.lr, h.beta1, h.beta2, h.eps, 1 - h.lr * h.weight_decay, 1 - h.beta1, 1 - h.beta2, 1 - h.beta1 ** t, 1 - h.beta2 ** t]);
    device.queue.writeBuffer(uniform, 0, u);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...grid);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await step();
  return {
    step,
    async readParam() {
      const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(p!, 0, read, 0, n * 4);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(read.getMappedRange().slice(0));
      read.destroy();
      return out;
    },
    destroy() { for (const b of [p, m, v, uniform]) b!.destroy(); },
  };
}
