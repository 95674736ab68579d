// Headless Debian Chromium driven by playwright-core, the same way for every
// browser test: a fresh profile each time, and the flags that keep Chromium
// from calling out (this machine's network is closed; a test also asserts that
// nothing leaves loopback).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.GQLD_TEST_CHROMIUM ?? '/usr/bin/chromium';

// Resolves with {context, close()}; close() also removes the profile.
export async function launchChromium(viewport) {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'gqld-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport,
      timeout: 60000,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
