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
