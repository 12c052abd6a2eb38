export * from './portable.js';
export { getDevice, releaseGpu, INSTALL_HINT } from './dawn.js';
