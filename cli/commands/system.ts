import type { Command } from 'commander';
import { type ContextFactory, parseLimit } from '../context';
import { printJson, table } from '../output';

/** `aif health`, `aif audit`: the system routes. */
export function systemCommands(program: Command, context: ContextFactory): void {
  program
    .command('health')
    .description('whether the API can reach its tables (exit 5 when it cannot)')
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const { body } = await client.health();
      if (output.json) return printJson(output, body);
      const checks = Object.entries(body.checks).map(([name, state]) => `${name} ${state}`);
      output.out(`${client.baseUrl}: ${body.status} (${checks.join(', ')})`);
    });
  program
    .command('audit')
    .description('the audit trail, newest first: state-changing calls and every 401/403')
    .option('--limit <n>', 'at most this many records', parseLimit, 25)
    .action(async (options: { limit: number }, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listAudit, {}, options.limit);
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['time', 'operation', 'method', 'status', 'outcome', 'principal', 'resource'],
          items.map((r) => [
            r.time,
            r.operationId,
            r.method,
            r.status,
            r.outcome,
            r.principal,
            `${r.resourceType}${r.resourceId ? ` ${r.resourceId}` : ''}`,
          ]),
        ),
      );
    });
}
