// GPU-side copies between an optimizer's parameter storage and buffers a caller owns (one per parameter,
// f32, row-major from offset 0). A framework adapter keeps its own tensors as the parameters' home and the
// optimizer's packed storage in step with them, without a trip through the host.
import { ShapeError } from './errors.js';
import type { Optimizer } from './optimizer.js';

/**
 * Encodes the copies: 'in' loads each caller buffer into the optimizer, 'out' writes the optimizer's values
 * to them. A parameter the optimizer already keeps in that very buffer is skipped.
 */
export function copyParams(opt: Optimizer, enc: GPUCommandEncoder, buffers: Record<string, GPUBuffer>, direction: 'in' | 'out'): void {
  for (const [name, buffer] of Object.entries(buffers)) {
    const regions = opt.paramRegions(name);
    const need = regions.reduce((s, r) => Math.max(s, r.tensorByteOffset + r.bytes), 0);
    if (buffer.size < need) throw new ShapeError(name, `parameter '${name}': buffer holds ${buffer.size} bytes, the parameter needs ${need}`);
    for (const r of regions) {
      if (r.buffer === buffer) continue;
      if (direction === 'in') enc.copyBufferToBuffer(buffer, r.tensorByteOffset, r.buffer, r.byteOffset, r.bytes);
      else enc.copyBufferToBuffer(r.buffer, r.byteOffset, buffer, r.tensorByteOffset, r.bytes);
    }
  }
}
