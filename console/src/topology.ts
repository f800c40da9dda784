import { api, listAll } from './api';
import { h, replace, svg } from './dom';
import type { Breaker, Instance, Topology } from './types';

/** Geometry of the graph, px. */
const BOX_WIDTH = 300;
const ROW_HEIGHT = 22;
const HEADER_HEIGHT = 30;
const GAP = 24;
const CALLER_X = 20;
const SERVICE_X = 340;

type Placed = { name: string; y: number; height: number; instances: Instance[] };

/**
 * The topology view: one box per service (`GET /v1/topology`) listing its instances
 * (`GET /v1/services`) with their health, breaker state (`GET /v1/breakers`) and routing weight
 * (the instance's `weight` and its share among the service's instances); routing rules are arrows
 * from the calling service (or `*`, any caller) to the target, labelled with the weight the rule
 * routes to. Every instance row carries `data-instance`, `data-health` and `data-breaker`.
 */
export async function renderTopology(root: HTMLElement): Promise<void> {
  const [topology, instances, breakers] = await Promise.all([
    api<Topology>('/v1/topology'),
    listAll<Instance>('/v1/services'),
    listAll<Breaker>('/v1/breakers'),
  ]);
  const breakerOf = new Map(breakers.map((b) => [b.instanceId, b.state]));
  const placed = place(topology, instances);
  const callers = [...new Set(topology.connections.map((c) => c.source))].filter(
    (source) => !placed.some((p) => p.name === source),
  );
  const height = Math.max(
    placed.reduce((sum, p) => sum + p.height + GAP, GAP),
    callers.length * (HEADER_HEIGHT + GAP) + GAP,
  );
  const graph = svg(
    'svg',
    {
      class: 'topology',
      // Drawn at its natural size (CSS caps it at the page width), so text stays the page's size.
      width: SERVICE_X + BOX_WIDTH + 40,
      height,
      viewBox: `0 0 ${SERVICE_X + BOX_WIDTH + 40} ${height}`,
      role: 'img',
      'aria-label': 'Service topology',
    },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 10,
          refY: 5,
          markerWidth: 8,
          markerHeight: 8,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
      ),
    ),
    ...callers.map((name, index) => callerNode(name, GAP + index * (HEADER_HEIGHT + GAP))),
    ...placed.map((service) => serviceBox(service, breakerOf)),
    ...topology.connections.map((connection) => edge(connection, placed, callers)),
  );
  replace(
    root,
    h(
      'p',
      { class: 'summary' },
      `${topology.services.length} services, ${instances.length} instances, ${topology.connections.length} routing rules`,
    ),
    topology.services.length === 0
      ? h('p', { class: 'empty' }, 'No service is registered (POST /v1/services).')
      : graph,
  );
}

function place(topology: Topology, instances: Instance[]): Placed[] {
  let y = GAP;
  return topology.services.map((service) => {
    const own = instances.filter((i) => i.name === service.name).sort((a, b) => a.id.localeCompare(b.id));
    const height = HEADER_HEIGHT + Math.max(1, own.length) * ROW_HEIGHT + 8;
    const box = { name: service.name, y, height, instances: own };
    y += height + GAP;
    return box;
  });
}

function serviceBox(service: Placed, breakerOf: Map<string, string>): SVGGElement {
  const total = service.instances.reduce((sum, i) => sum + i.weight, 0);
  const healthy = service.instances.filter((i) => i.status === 'healthy').length;
  return svg(
    'g',
    { class: 'service', 'data-service': service.name, transform: `translate(${SERVICE_X} ${service.y})` },
    svg('rect', { class: 'service-box', width: BOX_WIDTH, height: service.height, rx: 6 }),
    svg(
      'text',
      { class: 'service-name', x: 10, y: 20 },
      `${service.name}  (${healthy}/${service.instances.length} healthy)`,
    ),
    ...(service.instances.length === 0
      ? [svg('text', { class: 'muted', x: 10, y: HEADER_HEIGHT + 14 }, 'no instances (named by a rule)')]
      : service.instances.map((instance, row) =>
          instanceRow(instance, row, total, breakerOf.get(instance.id) ?? 'closed'),
        )),
  );
}

function instanceRow(instance: Instance, row: number, totalWeight: number, breaker: string): SVGGElement {
  const share = totalWeight === 0 ? 0 : Math.round((instance.weight / totalWeight) * 100);
  return svg(
    'g',
    {
      class: 'instance',
      'data-instance': instance.id,
      'data-health': instance.status,
      'data-breaker': breaker,
      transform: `translate(10 ${HEADER_HEIGHT + row * ROW_HEIGHT})`,
    },
    svg(
      'circle',
      { class: `health health-${instance.status}`, cx: 6, cy: 10, r: 6 },
      svg('title', {}, `health: ${instance.status}`),
    ),
    svg('text', { x: 18, y: 14 }, `${instance.id} v${instance.version}`),
    svg('text', { class: `breaker breaker-${breaker}`, x: 170, y: 14 }, breaker),
    svg(
      'text',
      { class: 'weight', x: 232, y: 14 },
      `w${instance.weight} ${share}%`,
      svg('title', {}, `weight ${instance.weight}: ${share}% of the service's total weight`),
    ),
  );
}

function callerNode(name: string, y: number): SVGGElement {
  return svg(
    'g',
    { class: 'caller', 'data-caller': name, transform: `translate(${CALLER_X} ${y})` },
    svg('rect', { class: 'caller-box', width: 140, height: HEADER_HEIGHT, rx: 15 }),
    svg('text', { x: 70, y: 20, 'text-anchor': 'middle' }, name === '*' ? 'any caller' : name),
  );
}

function edge(connection: Topology['connections'][number], placed: Placed[], callers: string[]): SVGGElement {
  const target = placed.find((p) => p.name === connection.target);
  const sourceService = placed.find((p) => p.name === connection.source);
  const callerIndex = callers.indexOf(connection.source);
  if (!target) return svg('g', {});
  const ty = target.y + HEADER_HEIGHT / 2;
  // A caller outside the mesh sits in the left column; a service calling another loops around the left edge of the boxes.
  const [sx, sy] = sourceService
    ? [SERVICE_X, sourceService.y + HEADER_HEIGHT / 2]
    : [CALLER_X + 140, GAP + callerIndex * (HEADER_HEIGHT + GAP) + HEADER_HEIGHT / 2];
  const bend = sourceService ? SERVICE_X - 60 : (sx + SERVICE_X) / 2;
  return svg(
    'g',
    { class: 'connection', 'data-rule': connection.ruleId },
    svg('path', {
      class: 'edge',
      d: `M ${sx} ${sy} C ${bend} ${sy}, ${bend} ${ty}, ${SERVICE_X} ${ty}`,
      'marker-end': 'url(#arrow)',
    }),
    svg(
      'text',
      { class: 'edge-label', x: bend, y: (sy + ty) / 2 - 6, 'text-anchor': 'middle' },
      `${connection.ruleId}: weight ${connection.weight}`,
    ),
  );
}
