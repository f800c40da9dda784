import { api, listAll } from './api';
import { h, replace, table } from './dom';
import type { ContractList, VersionComparison, VersionList } from './types';

/**
 * The contracts view: the tenant's contract names with their compatibility mode and version count
 * (`GET /v1/contracts`); choosing one lists its versions (`GET /v1/contracts/{name}/versions`) and
 * offers the compatibility report between two of them (`GET /v1/contracts/{name}/compatibility`).
 */
export async function renderContracts(root: HTMLElement): Promise<void> {
  const contracts = await listAll<ContractList['items'][number]>('/v1/contracts');
  const detail = h('section', { class: 'contract-detail' });
  replace(
    root,
    table(
      ['Name', 'Compatibility', 'Versions', 'Updated'],
      contracts.map((c) => [
        h(
          'button',
          { type: 'button', class: 'link', 'data-contract': c.name, onclick: () => void showContract(detail, c.name) },
          c.name,
        ),
        c.compatibility,
        c.versionCount,
        c.updatedAt,
      ]),
      'No contract is registered (POST /v1/contracts).',
    ),
    detail,
  );
}

async function showContract(root: HTMLElement, name: string): Promise<void> {
  const versions = await listAll<VersionList['items'][number]>(`/v1/contracts/${encodeURIComponent(name)}/versions`);
  const options = (selected: number) =>
    versions.map((v, index) => h('option', { value: v.version, selected: index === selected }, v.version));
  // Versions come highest first: compare the second highest (from) with the highest (to).
  const from = h('select', { name: 'from', 'aria-label': 'from' }, ...options(Math.min(1, versions.length - 1)));
  const to = h('select', { name: 'to', 'aria-label': 'to' }, ...options(0));
  const direction = h(
    'select',
    { name: 'direction', 'aria-label': 'direction' },
    h('option', { value: '' }, "the name's mode"),
    ...['BACKWARD', 'FORWARD', 'FULL'].map((d) => h('option', { value: d }, d)),
  );
  const report = h('div', { class: 'report', 'data-testid': 'compatibility-report' });
  const compare = async (event: Event) => {
    event.preventDefault();
    const query = new URLSearchParams({
      from: from.value,
      to: to.value,
      ...(direction.value && { direction: direction.value }),
    });
    try {
      showReport(
        report,
        await api<VersionComparison>(`/v1/contracts/${encodeURIComponent(name)}/compatibility?${query}`),
      );
    } catch (error) {
      replace(report, h('p', { class: 'error' }, (error as Error).message));
    }
  };
  replace(
    root,
    h('h3', {}, name),
    table(
      ['Version', 'Deprecated', 'Registered', 'By'],
      versions.map((v) => [v.version, v.deprecated ? 'yes' : '', v.createdAt, v.owner.principal]),
      'No versions.',
    ),
    h(
      'form',
      { class: 'inline', onsubmit: compare },
      'Compare ',
      from,
      ' → ',
      to,
      ' as ',
      direction,
      ' ',
      h('button', { type: 'submit' }, 'Compatibility report'),
    ),
    report,
  );
}

function showReport(root: HTMLElement, comparison: VersionComparison): void {
  replace(
    root,
    h(
      'p',
      { class: comparison.compatible ? 'ok' : 'error', 'data-compatible': String(comparison.compatible) },
      `${comparison.to} is ${comparison.compatible ? '' : 'not '}${comparison.direction} compatible with ${comparison.from} (stored mode ${comparison.mode})`,
    ),
    table(
      ['Rule', 'Where', 'Why'],
      comparison.issues.map((issue) => [
        issue.rule,
        `${issue.document === 'previous' ? comparison.from : comparison.to} ${issue.pointer}`,
        issue.message,
      ]),
      'No issues.',
    ),
  );
}
