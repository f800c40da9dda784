import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package installs the browser (`apt-get install chromium`), and Ubuntu's name. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * The Chromium binary the browser tests drive: `CHROMIUM_PATH` when set, else the Debian package's.
 *
 * @returns the path, or undefined when no Chromium is installed (CI installs it: `.ci/run`)
 */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}
