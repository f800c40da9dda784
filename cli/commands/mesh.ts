import type { Command } from 'commander';
import type { Tree } from 'object-treeify';
import type { BreakerList, InstanceList, Topology } from '../client';
import { type ContextFactory, parseInteger } from '../context';
import { printJson, table, tree } from '../output';

type RegisterOptions = {
  name: string;
  version: string;
  endpoint: string;
  healthEndpoint?: string;
  weight?: number;
  id?: string;
};

/** `aif services …`, `aif breakers`, `aif topology`: the service mesh. */
export function meshCommands(program: Command, context: ContextFactory): void {
  const services = program.command('services').description('service instances of the mesh');
  services
    .command('list')
    .description("the tenant's registered instances")
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listInstances);
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['id', 'service', 'version', 'status', 'weight', 'endpoint', 'last check'],
          items.map((i) => [i.id, i.name, i.version, i.status, i.weight, i.endpoint, i.lastHealthCheck?.at]),
        ),
      );
    });
  services
    .command('register')
    .description('register a service instance, or re-register it (a heartbeat)')
    .requiredOption('--name <name>', 'the service name, e.g. orders')
    .requiredOption('--version <version>', "the instance's version, e.g. 1.0.0")
    .requiredOption('--endpoint <url>', 'the base URL calls are routed to')
    .option('--health-endpoint <url>', 'the URL health checks call (default: <endpoint>/health)')
    .option('--weight <weight>', "routing weight (default: the API's)", parseInteger)
    .option('--id <id>', 'instance id (default: assigned by the API)')
    .action(async (options: RegisterOptions, command: Command) => {
      const { client, output } = context(command);
      const { status, body } = await client.registerInstance({
        ...(options.id && { id: options.id }),
        name: options.name,
        version: options.version,
        endpoint: options.endpoint,
        healthEndpoint: options.healthEndpoint ?? `${options.endpoint.replace(/\/+$/, '')}/health`,
        ...(options.weight !== undefined && { weight: options.weight }),
      });
      if (output.json) return printJson(output, body);
      output.out(
        `${status === 201 ? 'registered' : 're-registered'} ${body.id} (${body.name}@${body.version}, weight ${body.weight}): ${body.status}, revision ${body.revision}`,
      );
    });
  program
    .command('breakers')
    .description("the shared state of the tenant's circuit breakers")
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listBreakers);
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['instance', 'service', 'state', 'failures', 'opened at'],
          items.map((b) => [
            b.instanceId,
            b.service,
            b.state,
            b.failureCount,
            b.openedAt && new Date(b.openedAt).toISOString(),
          ]),
        ),
      );
    });
  program
    .command('topology')
    .description('services → instances with health, breaker state and weight; connections from routing rules')
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const [{ body: topology }, instances, breakers] = await Promise.all([
        client.topology(),
        client.all(client.listInstances),
        client.all(client.listBreakers),
      ]);
      if (output.json) return printJson(output, { ...topology, instances, breakers });
      output.out(topologyTree(topology, instances, breakers) || 'no services registered');
    });
}

/**
 * The terminal picture of the mesh: one branch per service (versions, healthy/all), one leaf per
 * instance (health, breaker state, weight, endpoint), then the rules' connections.
 */
export function topologyTree(
  topology: Topology,
  instances: InstanceList['items'],
  breakers: BreakerList['items'],
): string {
  const breakerOf = new Map(breakers.map((b) => [b.instanceId, b.state]));
  const services: Tree = {};
  for (const service of topology.services) {
    const leaves: Tree = {};
    for (const instance of instances.filter((i) => i.name === service.name)) {
      const breaker = breakerOf.get(instance.id) ?? 'closed';
      leaves[
        `${instance.id}  ${instance.status}  breaker ${breaker}  weight ${instance.weight}  ${instance.endpoint}`
      ] = null;
    }
    services[
      `${service.name} (${service.versions.join(', ')}) ${service.healthyCount}/${service.instanceCount} healthy`
    ] = leaves;
  }
  const lines = [tree(services)];
  if (topology.connections.length > 0) {
    lines.push(
      table(
        ['from', 'to', 'weight', 'rule'],
        topology.connections.map((c) => [c.source, c.target, c.weight, c.ruleId]),
      ),
    );
  }
  return lines.filter((l) => l.length > 0).join('\n');
}
