import semver from 'semver';

/** The fields of a version that resolution needs. */
export type VersionEntry = { version: string; deprecated: boolean };

/**
 * Sorts versions by semver precedence, highest first (semver.org §11: `1.10.0` > `1.9.0`, a
 * prerelease before its release, build metadata ignored) — never by string order.
 *
 * @example sortByPrecedenceDescending(['1.9.0', '1.10.0']) // ['1.10.0', '1.9.0']
 */
export function sortByPrecedenceDescending<T extends string | { version: string }>(versions: readonly T[]): T[] {
  const key = (v: T) => (typeof v === 'string' ? v : v.version);
  return [...versions].sort((a, b) => semver.rcompare(key(a), key(b)));
}

/**
 * Picks the latest version: the highest by semver precedence that is not deprecated, skipping
 * prereleases unless `includePrerelease` is set (as npm's `latest` resolution does).
 *
 * @returns the entry, or undefined when no version qualifies
 * @example resolveLatest([{version:'1.9.0',deprecated:false},{version:'1.10.0',deprecated:false}]) // 1.10.0
 */
export function resolveLatest<T extends VersionEntry>(
  versions: readonly T[],
  includePrerelease = false,
): T | undefined {
  return sortByPrecedenceDescending(versions).find(
    (v) => !v.deprecated && (includePrerelease || semver.prerelease(v.version) === null),
  );
}

/**
 * The stored form of a version as a client may spell it in a URL: surrounding spaces, a leading
 * `v` or `=` and build metadata are dropped (as registration does); a string that is not semver
 * comes back unchanged, so the lookup simply finds nothing.
 *
 * @example normalizeVersion('v1.2.3+build.5') // '1.2.3'
 */
export function normalizeVersion(version: string): string {
  return semver.clean(version) ?? version;
}

/**
 * A version as people write it, made a semantic version: a valid semver is kept (a leading `v` and
 * build metadata dropped); a plain numeric one is completed (`1.0` → `1.0.0`, `v2` → `2.0.0`, leading
 * zeros dropped: `01.2` → `1.2.0`), keeping a prerelease (`1.0-beta` → `1.0.0-beta`); a date becomes
 * `YEAR.MONTH.DAY` (`2010-04-01` → `2010.4.1`). How contract import reads `info.version`, and how
 * `POST /v1/events` reads an event's `version`.
 *
 * @param raw - a string, or a finite non-negative number (`1.5` → `1.5.0`)
 * @returns the semantic version, or undefined when it cannot be coerced (`latest`, `1.2.3.4`, `2010-02-30`)
 * @example coerceVersion('1.0') // '1.0.0'
 */
export function coerceVersion(raw: unknown): string | undefined {
  let text: string;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) text = String(raw);
  else if (typeof raw === 'string') text = raw.trim().replace(/^v(?=\d)/i, '');
  else return undefined;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const parsed = new Date(Date.UTC(year, month - 1, day));
    if (parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day) {
      return `${year}.${month}.${day}`;
    }
    return undefined;
  }
  const strict = semver.parse(text);
  if (strict) return strict.version;
  const loose = /^(\d+(?:\.\d+){0,2})(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (loose) {
    const numeric = (loose[1] as string).replace(/(^|\.)0+(?=\d)/g, '$1');
    const coerced = semver.coerce(`${numeric}${loose[2] ?? ''}`, { includePrerelease: true });
    return coerced ? (semver.parse(coerced.version)?.version ?? undefined) : undefined;
  }
  return undefined;
}
