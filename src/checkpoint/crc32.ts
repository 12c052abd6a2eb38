// CRC-32 (IEEE 802.3), the checksum of checkpoint headers and tensor data.

import * as zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib, PNG and gzip), continuing from `crc`. Portable; `crc32` uses zlib's when present. */
export function crc32Portable(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// zlib.crc32 arrived in Node 20.15 / 22.2 and is an order of magnitude faster; older Node falls back.
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!zlibCrc32) return crc32Portable(bytes, crc);
  // zlib.crc32 takes at most 4 GiB - 1 per call on some builds; chunk well below that.
  const CHUNK = 1 << 30;
  for (let at = 0; at < bytes.length; at += CHUNK) crc = zlibCrc32(bytes.subarray(at, at + CHUNK), crc);
  return crc >>> 0;
}

/** A CRC as written in checkpoint metadata: 8 lowercase hex digits. */
export const hex8 = (n: number) => n.toString(16).padStart(8, '0');
