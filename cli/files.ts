import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from './errors';

/** The extensions a directory import picks up, with the media type each is sent as. */
const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
};

/** A document as read from disk, with the `Content-Type` it is sent with. */
export type DocumentFile = { file: string; body: string; contentType: string };

/**
 * A file's text and media type: by extension (`.json`, `.yaml`, `.yml`), else JSON when the text
 * starts with `{` or `[` and YAML otherwise (the server parses it and reports what is wrong).
 *
 * @throws {UsageError} when the file cannot be read
 */
export function readDocument(file: string): DocumentFile {
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const byExtension = MEDIA_TYPES[extname(file).toLowerCase()];
  const contentType = byExtension ?? (/^\s*[{[]/.test(body) ? 'application/json' : 'application/yaml');
  return { file, body, contentType };
}

/**
 * What `contracts register` reads: the file itself, or every `.json`/`.yaml`/`.yml` file directly
 * in the directory, in name order (subdirectories are not entered: multi-file documents whose
 * parts `$ref` each other are not registrable one by one).
 *
 * @returns the paths, and whether `path` was a directory
 * @throws {UsageError} when the path does not exist, or the directory holds no such file
 */
export function documentPaths(path: string): { directory: boolean; files: string[] } {
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!directory) return { directory, files: [path] };
  const files = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && MEDIA_TYPES[extname(entry.name).toLowerCase()] !== undefined)
    .map((entry) => join(path, entry.name))
    .sort();
  if (files.length === 0) throw new UsageError(`${path} holds no .json, .yaml or .yml file`);
  return { directory, files };
}

/** A JSON file's value (`--body-file`, `events publish --file`). @throws {UsageError} when unreadable or not JSON */
export function readJsonFile(file: string): unknown {
  const { body } = readDocument(file);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}
