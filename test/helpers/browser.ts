// Headless Chromium with WebGPU for tests (Debian's `chromium`, driven by puppeteer-core). The flags are the
// ones measured to give WebGPU on SwiftShader on a machine without a GPU (../shared/FACTS.md). A missing
// browser fails the test with how to get one — never a silent skip.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=native',
  '--use-angle=vulkan', '--ignore-gpu-blocklist',
];

export function chromiumPath(): string {
  const candidates = [process.env.OPTC_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error('no Chromium found (looked for $OPTC_CHROMIUM, /usr/bin/chromium): run `bash scripts/setup.sh` '
      + '(installs Debian\'s chromium) or set OPTC_CHROMIUM to a Chromium/Chrome binary with WebGPU');
  }
  return found;
}

export async function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
}

/** A new page that collects its console errors and uncaught exceptions in `errors`. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}
