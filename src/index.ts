/// <reference types="@webgpu/types" preserve="true" />
// Public API for Node. See docs/api.md; the browser's entry is browser.ts (docs/browser.md).
export * from './portable.js';
export { getDevice, releaseGpu, INSTALL_HINT, type DeviceOptions } from './runtime/dawn.js';
