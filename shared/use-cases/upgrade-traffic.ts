import { normalizeVersion } from '../domain/contracts/versions';
import { ValidationError } from '../domain/errors';
import { NoTransformerError } from '../domain/transformers/errors';
import { chooseDirectPath, type StepReport } from '../domain/transformers/pipeline';
import { sideKey } from '../domain/transformers/transformer';
import { parseMediaType } from '../http/codecs/registry';
import { applyMapping } from './apply-mapping';
import { type ContractRegistryDeps, resolveContract } from './resolve-contract';
import { decodeInput, describeUpgrade } from './run-transform';
import { resolveTransformer, type TransformerDeps } from './transformers';
import { type TrafficValidationResult, type TypedBody, validateRequest, validateResponse } from './validate-traffic';

/** How a payload was upgraded: between which versions, by which transformer (none when they are the same), into what. */
export type UpgradeReport = {
  from: string;
  to: string;
  transformer?: { name: string; version: string };
  body: unknown;
};

/** A validation of an upgraded payload: the result, and the upgrade that produced what was judged. */
export type UpgradedValidationResult = TrafficValidationResult & { upgrade: UpgradeReport };

type Deps = ContractRegistryDeps & TransformerDeps;

/**
 * Upgrades a payload of contract version `from` to version `to` with the transformer registered
 * between them (`from: { contract, version: from }`, `to: { contract, version: to }`; the latest
 * version of the one name registered for the pair). The same version on both sides is no upgrade.
 *
 * @throws {NoTransformerError} (422, pointer `/query/upgradeFrom`) naming what to register when none is
 * @throws {TransformStepFailedError} (422) when the mapping fails on the payload
 */
export async function upgradePayload(
  deps: TransformerDeps,
  input: { tenant: string; contract: string; from: string; to: string; body: unknown },
): Promise<UpgradeReport> {
  const { tenant, contract, to } = input;
  const from = normalizeVersion(input.from);
  if (from === to) return { from, to, body: input.body };
  const pair = { from: { contract, version: from }, to: { contract, version: to } };
  const chosen = chooseDirectPath(
    await deps.transformers.findByPath(tenant, sideKey(pair.from), sideKey(pair.to)),
    pair,
  );
  if (!chosen) {
    const message = `no transformer maps ${describeUpgrade(contract, from, to)}; register one (PUT /v1/transformers/{name}) with from ${JSON.stringify(pair.from)} and to ${JSON.stringify(pair.to)}`;
    throw new NoTransformerError(`Cannot upgrade: ${message}`, [
      { pointer: '/query/upgradeFrom', message, keyword: 'no-transformer' },
    ]);
  }
  const transformer = await resolveTransformer(deps, { tenant, name: chosen.name, version: chosen.version });
  const step: StepReport = { index: 0, kind: 'map', transformer: transformer.name, version: transformer.version };
  const body = await applyMapping(deps, transformer, input.body, step, '/query/upgradeFrom');
  return { from, to, transformer: { name: transformer.name, version: transformer.version }, body };
}

/**
 * `validateRequest` of a request written for contract version `upgradeFrom`: its body is upgraded
 * to the version validated against (`version`, else the latest) first, then validated as a JSON
 * body. A body with a `contentType` must be in a format of the codec registry (JSON, MessagePack,
 * CBOR, YAML); it is decoded into JSON's data model before the upgrade.
 *
 * @throws {ValidationError} (422) when the request has no body to upgrade, or its format is not one the registry reads
 * @throws {NoTransformerError} and {TransformStepFailedError} as `upgradePayload`; the errors of `validateRequest`
 */
export async function validateUpgradedRequest(
  deps: Deps,
  input: Parameters<typeof validateRequest>[1] & { upgradeFrom: string },
): Promise<UpgradedValidationResult> {
  const target = await resolveContract(deps, input);
  const { contentType, body, bodyBase64, ...rest } = input.request;
  const payload = await decodedPayload(deps, { contentType, body, bodyBase64 }, '/request');
  const upgrade = await upgradePayload(deps, {
    tenant: input.tenant,
    contract: input.name,
    from: input.upgradeFrom,
    to: target.version,
    body: payload,
  });
  const result = await validateRequest(deps, {
    ...input,
    version: target.version,
    request: { ...rest, body: upgrade.body },
  });
  return { ...result, upgrade };
}

/**
 * `validateResponse` of a response body written for contract version `upgradeFrom`, upgraded first
 * as in {@link validateUpgradedRequest}.
 */
export async function validateUpgradedResponse(
  deps: Deps,
  input: Parameters<typeof validateResponse>[1] & { upgradeFrom: string },
): Promise<UpgradedValidationResult> {
  const target = await resolveContract(deps, input);
  const { contentType, body, bodyBase64, ...rest } = input;
  const payload = await decodedPayload(deps, { contentType, body, bodyBase64 }, '');
  const upgrade = await upgradePayload(deps, {
    tenant: input.tenant,
    contract: input.name,
    from: input.upgradeFrom,
    to: target.version,
    body: payload,
  });
  const result = await validateResponse(deps, { ...rest, version: target.version, body: upgrade.body });
  return { ...result, upgrade };
}

async function decodedPayload(deps: TransformerDeps, typed: TypedBody, prefix: string): Promise<unknown> {
  if (typed.body === undefined && typed.bodyBase64 === undefined) {
    throw new ValidationError('upgradeFrom upgrades the body, and there is none', [
      { pointer: `${prefix}/body`, message: 'is required with upgradeFrom' },
    ]);
  }
  if (typed.contentType === undefined) return typed.body;
  const codec = deps.codecs.forMediaType(parseMediaType(typed.contentType).type, deps.codecs.codecs);
  if (!codec) {
    const known = deps.codecs.codecs.flatMap((c) => c.mediaTypes).join(', ');
    const message = `with upgradeFrom the body must be in a format the transformers read: ${known}`;
    throw new ValidationError(message, [{ pointer: `${prefix}/contentType`, message }]);
  }
  const step: StepReport = { index: 0, kind: 'decode', mediaType: codec.mediaTypes[0] as string };
  return decodeInput(codec, typed, step);
}
