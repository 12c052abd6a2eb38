// WGSL gradient kernels of the proxy tasks (tasks.ts), for the WebGPU scorer (scorer.ts). Each dispatch
// computes one task's gradient for one lane (one candidate at one grid step size): it reads the lane's
// parameters where the optimizer runtime keeps them (a region of its packed parameter buffer) and writes
// the gradient into buffers that the runtime's step() takes as `grads`. The step number comes from a
// small uniform that the scorer writes once per step, so the bind groups never change during a run.
//
// The CPU tasks compute in float64 and round once; these compute in f32, so gradients differ by a few
// ulps and scores by a little (test/search-gpu.test.ts states the tolerance).

/** Every kernel's bindings end with the task's own uniform and the shared step uniform (t in .x). */
const STEP = 'struct Step { t: u32, pad0: u32, pad1: u32, pad2: u32 }';

/** g = h (x - c) + noise[(t - 1) n + i]: the (noisy) ill-conditioned quadratic. */
export const QUADRATIC_WGSL = /* wgsl */ `
${STEP}
struct Q { n: u32, noisy: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> G: array<f32>;
@group(0) @binding(2) var<storage, read> H: array<f32>;
@group(0) @binding(3) var<storage, read> C: array<f32>;
@group(0) @binding(4) var<storage, read> N: array<f32>;
@group(0) @binding(5) var<uniform> u: Q;
@group(0) @binding(6) var<uniform> step: Step;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= u.n) { return; }
  var g = H[i] * (P[i] - C[i]);
  if (u.noisy != 0u) { g = g + N[(step.t - 1u) * u.n + i]; }
  G[i] = g;
}
`;

/** Pairs (a, b) of Rosenbrock valleys (c - a)^2 + 100 (b - a^2)^2, averaged over the pairs. */
export const ROSENBROCK_WGSL = /* wgsl */ `
${STEP}
struct R { pairs: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> G: array<f32>;
@group(0) @binding(2) var<storage, read> C: array<f32>;
@group(0) @binding(3) var<uniform> u: R;
@group(0) @binding(4) var<uniform> step: Step;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  _ = step.t; // keeps the binding in the layout every task kernel shares
  let k = id.x;
  if (k >= u.pairs) { return; }
  let a = P[2u * k];
  let b = P[2u * k + 1u];
  let n = f32(u.pairs);
  let r = b - a * a;
  G[2u * k] = (-2.0 * (C[k] - a) - 400.0 * a * r) / n;
  G[2u * k + 1u] = 200.0 * r / n;
}
`;

/**
 * WGSL: per minibatch row r, the softmax of the logits minus the one-hot label into dz[r * C + c].
 * `logit` declares `var s`, the logit of class c of row r (`row` is its index in X).
 */
const softmaxRows = (logit: string) => `
  for (var r = lid; r < B; r += 64u) {
    let row = ROWS[base + r];
    var z: array<f32, ${LOGREG_MAX_CLASSES}>;
    var m = -3.0e38;
    for (var c = 0u; c < C; c++) {
      ${logit}
      z[c] = s;
      m = max(m, s);
    }
    var total = 0.0;
    for (var c = 0u; c < C; c++) { z[c] = exp(z[c] - m); total += z[c]; }
    for (var c = 0u; c < C; c++) { dz[r * C + c] = z[c] / total - select(0.0, 1.0, Y[row] == c); }
  }`;

/**
 * WGSL: the gradients of a dense layer out = in W + b over the minibatch, one weight per thread: W is
 * [inputs, outputs] into `gw`, b into `gb`, from the layer's input `x(r, i)` and dL/d(out) `d(r, o)` per row.
 */
const layerGrads = (o: { inputs: string; outputs: string; x: (r: string, i: string) => string; d: (r: string, c: string) => string; gw: string; gb: string }) => `
  for (var q = lid; q < ${o.inputs} * ${o.outputs} + ${o.outputs}; q += 64u) {
    var s = 0.0;
    if (q < ${o.inputs} * ${o.outputs}) {
      let i = q / ${o.outputs};
      let c = q % ${o.outputs};
      for (var r = 0u; r < B; r++) { s += ${o.x('r', 'i')} * ${o.d('r', 'c')}; }
      ${o.gw}[q] = s / f32(B);
    } else {
      let c = q - ${o.inputs} * ${o.outputs};
      for (var r = 0u; r < B; r++) { s += ${o.d('r', 'c')}; }
      ${o.gb}[c] = s / f32(B);
    }
  }`;

const inputOf = (r: string, i: string) => `X[ROWS[base + ${r}] * F + ${i}]`;

/** The most rows x classes of one minibatch the logistic-regression kernel holds in workgroup memory. */
export const LOGREG_MAX = 1024;
export const LOGREG_MAX_CLASSES = 16;

/**
 * Softmax regression on a minibatch: one workgroup per lane. Its threads first compute the softmax minus
 * the one-hot label of each row (into workgroup memory), then one weight's gradient each, summed over the
 * rows. W is row-major [features, classes]; b starts `bOff` elements after W's start.
 */
export const LOGREG_WGSL = /* wgsl */ `
${STEP}
struct L { features: u32, classes: u32, batch: u32, bOff: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> GW: array<f32>;
@group(0) @binding(2) var<storage, read_write> GB: array<f32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
@group(0) @binding(4) var<storage, read> Y: array<u32>;
@group(0) @binding(5) var<storage, read> ROWS: array<u32>;
@group(0) @binding(6) var<uniform> u: L;
@group(0) @binding(7) var<uniform> step: Step;
var<workgroup> dz: array<f32, ${LOGREG_MAX}>;
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let F = u.features;
  let C = u.classes;
  let B = u.batch;
  let base = (step.t - 1u) * B;
${softmaxRows('var s = P[u.bOff + c]; for (var i = 0u; i < F; i++) { s += X[row * F + i] * P[i * C + c]; }')}
  workgroupBarrier();
${layerGrads({ inputs: 'F', outputs: 'C', x: inputOf, d: (r, c) => `dz[${r} * C + ${c}]`, gw: 'GW', gb: 'GB' })}
}
`;

/** The most rows x hidden units (and rows x classes) of one MLP minibatch: 16 KiB of workgroup memory, WebGPU's default limit. */
export const MLP_MAX_HIDDEN = 3072;
export const MLP_MAX_LOGITS = 1024;

/**
 * A one-hidden-layer tanh MLP with a softmax output on a minibatch: one workgroup per lane, in five phases
 * separated by barriers, the activations in workgroup memory: (1) the hidden activations, one (row, unit)
 * per thread; (2) per row, the softmax minus the one-hot label; (3) the output layer's gradients, one
 * weight per thread, summed over the rows; (4) the hidden activations replaced by the back-propagated
 * dL/d(pre-activation), in place; (5) the first layer's gradients. Tensors as on the CPU (tasks.ts):
 * W1 [features, hidden], b1, W2 [hidden, classes], b2, at o1, o2, o3 elements after W1's start.
 */
export const MLP_WGSL = /* wgsl */ `
${STEP}
struct M { features: u32, hidden: u32, classes: u32, batch: u32, o1: u32, o2: u32, o3: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> GW1: array<f32>;
@group(0) @binding(2) var<storage, read_write> GB1: array<f32>;
@group(0) @binding(3) var<storage, read_write> GW2: array<f32>;
@group(0) @binding(4) var<storage, read_write> GB2: array<f32>;
@group(0) @binding(5) var<storage, read> X: array<f32>;
@group(0) @binding(6) var<storage, read> Y: array<u32>;
@group(0) @binding(7) var<storage, read> ROWS: array<u32>;
@group(0) @binding(8) var<uniform> u: M;
@group(0) @binding(9) var<uniform> step: Step;
var<workgroup> hid: array<f32, ${MLP_MAX_HIDDEN}>;
var<workgroup> dz: array<f32, ${MLP_MAX_LOGITS}>;
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let F = u.features;
  let H = u.hidden;
  let C = u.classes;
  let B = u.batch;
  let base = (step.t - 1u) * B;
  for (var k = lid; k < B * H; k += 64u) {
    let r = k / H;
    let j = k % H;
    let row = ROWS[base + r];
    var s = P[u.o1 + j];
    for (var i = 0u; i < F; i++) { s += X[row * F + i] * P[i * H + j]; }
    hid[k] = tanh(clamp(s, -15.0, 15.0)); // tanh is 1 in f32 beyond; the clamp keeps exp-based tanh finite
  }
  workgroupBarrier();
${softmaxRows('var s = P[u.o3 + c]; for (var j = 0u; j < H; j++) { s += hid[r * H + j] * P[u.o2 + j * C + c]; }')}
  workgroupBarrier();
${layerGrads({ inputs: 'H', outputs: 'C', x: (r, i) => `hid[${r} * H + ${i}]`, d: (r, c) => `dz[${r} * C + ${c}]`, gw: 'GW2', gb: 'GB2' })}
  workgroupBarrier();
  for (var k = lid; k < B * H; k += 64u) {
    let r = k / H;
    let j = k % H;
    var s = 0.0;
    for (var c = 0u; c < C; c++) { s += P[u.o2 + j * C + c] * dz[r * C + c]; }
    let h = hid[k];
    hid[k] = s * (1.0 - h * h);
  }
  workgroupBarrier();
${layerGrads({ inputs: 'F', outputs: 'H', x: inputOf, d: (r, c) => `hid[${r} * H + ${c}]`, gw: 'GW1', gb: 'GB1' })}
}
`;
