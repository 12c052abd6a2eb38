// The source lives in the page's URL (`#src=` + base64url of its UTF-8), so a link reproduces the program.
export function sourceToHash(source: string): string {
  const bytes = new TextEncoder().encode(source);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `#src=${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

export function sourceFromHash(hash: string): string | undefined {
  const m = /^#src=([A-Za-z0-9_-]*)$/.exec(hash);
  if (!m) return undefined;
  try {
    const bin = atob(m[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch { return undefined; }
}
