import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_SECRET_KEY_BYTES } from '../shared/adapters/local/local-secret-cipher';

/** The file in the `--data` folder holding the local key that seals webhook secrets (32 bytes, base64). */
export const LOCAL_SECRET_KEY_FILE = 'aif-webhook-secret.key';

/**
 * The local runner's key for sealing webhook signing secrets: read from `dataDir`, or made and
 * written there (mode 0600) when absent — so secrets stored in a persisted dynalite still open after
 * a restart; without `dataDir`, a fresh key in memory (the tables are in memory too).
 *
 * @returns 32 bytes (AES-256)
 * @throws {Error} when the stored file is not base64 of 32 bytes (a damaged data folder), or cannot be read or written
 * @example const key = await loadLocalSecretKey('.aif-data');
 */
export async function loadLocalSecretKey(dataDir?: string): Promise<Buffer> {
  if (!dataDir) return randomBytes(LOCAL_SECRET_KEY_BYTES);
  const path = join(dataDir, LOCAL_SECRET_KEY_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== LOCAL_SECRET_KEY_BYTES)
      throw new Error(`${path} does not hold base64 of ${LOCAL_SECRET_KEY_BYTES} bytes`);
    return key;
  }
  const key = randomBytes(LOCAL_SECRET_KEY_BYTES);
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
