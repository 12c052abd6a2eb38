// Runtime misuse is a typed error that names the tensor or hyperparameter it concerns.

export class OptcRuntimeError extends Error {
  constructor(message: string) { super(message); this.name = new.target.name; }
}

/** No WebGPU adapter: says how to get one. */
export class NoAdapterError extends OptcRuntimeError {}

/** An error about one tensor, which it names. */
export class TensorError extends OptcRuntimeError {
  constructor(readonly tensor: string, message: string) { super(message); }
}

/** A tensor's shape or length does not match what the optimizer was created with. */
export class ShapeError extends TensorError {}

/** A tensor that must be given (a gradient, an input) was not. */
export class MissingTensorError extends TensorError {}

/** A per-step host scalar (`input NAME: scalar`) was not given, or is not a number, or is not declared. */
export class MissingScalarError extends OptcRuntimeError {
  constructor(readonly scalar: string, message: string) { super(message); }
}

/** A tensor name the optimizer does not know. */
export class UnknownTensorError extends TensorError {}

/** A state name the compiled optimizer does not declare. */
export class UnknownStateError extends OptcRuntimeError {
  constructor(readonly state: string, message: string) { super(message); }
}

/** The adapter cannot run this module (too many bindings, missing feature). */
export class UnsupportedError extends OptcRuntimeError {}

/** WGSL the compiler emitted did not compile on this device: a compiler bug, with the source and line. */
export class WgslCompileError extends OptcRuntimeError {
  constructor(message: string, readonly wgsl: string, readonly line?: number) { super(message); }
}

/** The optimizer was used after `dispose()`. */
export class DisposedError extends OptcRuntimeError {}

/**
 * The GPU device was lost (destroyed, driver reset, out of memory at the driver level): every buffer on it is
 * gone. The message names the optimizers and tensors that lived there; restore from the last checkpoint on
 * a new device.
 */
export class DeviceLostError extends OptcRuntimeError {
  constructor(readonly reason: string, message: string) { super(message); }
}

/**
 * A buffer could not be allocated: the device is out of memory ('out-of-memory') or refused the request
 * ('validation', e.g. over maxBufferSize). Nothing the failed call allocated is left behind.
 */
export class AllocationError extends OptcRuntimeError {
  constructor(readonly tensor: string, readonly kind: 'out-of-memory' | 'validation', message: string) { super(message); }
}

/** A caller's GPUBuffer cannot be used: missing usage flags, created on another device, or destroyed. */
export class BufferError extends TensorError {}

/** The device refused work for a reason no tensor explains; the message carries the device's own. */
export class DeviceError extends OptcRuntimeError {}
