/**
 * A real browser for the report's tests and the README's screenshot: Debian's Chromium (/usr/bin/chromium, which
 * .ci/run installs) driven by playwright-core, which downloads no browser of its own and runs on Node 22 to 26.
 * Headless, without the sandbox (CI runs as root), with a fresh profile each time, and without the background
 * services that would reach the network.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where the browser is: Debian's package. */
export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];

/** A browser with a fresh profile; `close` ends it and removes the profile. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium; `javaScript` false opens pages as a reader without JavaScript would see them. */
export async function launchBrowser(options: { javaScript?: boolean; width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "ksnap-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, javaScriptEnabled: options.javaScript ?? true,
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
