import type { Command } from 'commander';
import type { ApiClient, RedriveResult } from '../client';
import type { ContextFactory } from '../context';
import { UsageError } from '../errors';
import { type Output, printJson, progress, table } from '../output';

/** The API redrives at most this many ids per request (`RedriveBody`). */
const REDRIVE_BATCH = 100;

/** `aif dead-letters …`: list, redrive. */
export function deadLetterCommands(program: Command, context: ContextFactory): void {
  const deadLetters = program.command('dead-letters').description('deliveries given up on');
  deadLetters
    .command('list')
    .description('dead letters, newest first')
    .option('--subscription <id>', "only this subscription's")
    .action(async (options: { subscription?: string }, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listDeadLetters, { subscriptionId: options.subscription });
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['id', 'subscription', 'event', 'type', 'reason', 'last error', 'attempts', 'at'],
          items.map((d) => [
            d.id,
            d.subscriptionId,
            d.eventId,
            d.eventType,
            d.reason,
            d.lastError.code,
            d.attempts,
            d.createdAt,
          ]),
        ),
      );
    });
  deadLetters
    .command('redrive')
    .description("put dead letters back on the delivery queue: one subscription's, or --all")
    .option('--subscription <id>', "this subscription's dead letters")
    .option('--all', 'every dead letter of the tenant')
    .action(async (options: { subscription?: string; all?: boolean }, command: Command) => {
      if (Boolean(options.subscription) === Boolean(options.all)) {
        throw new UsageError('dead-letters redrive needs --subscription ID or --all (one of them)');
      }
      const { client, output } = context(command);
      const query = options.subscription ? { subscriptionId: options.subscription } : {};
      const ids = (await client.all(client.listDeadLetters, query)).map((d) => d.id);
      const total = await redriveIds(client, output, ids);
      if (output.json) return printJson(output, total);
      output.out(`redriven: ${total.redriven} of ${ids.length}`);
      if (total.notFound.length > 0)
        output.out(`not found (deleted or redriven meanwhile): ${total.notFound.join(', ')}`);
      if (total.inProgress.length > 0) output.out(`already being redriven: ${total.inProgress.join(', ')}`);
    });
}

/** Redrives ids in batches of 100 with a progress bar; the answers summed up. */
async function redriveIds(client: ApiClient, output: Output, ids: string[]): Promise<RedriveResult> {
  const total: RedriveResult = { redriven: 0, redrivenIds: [], notFound: [], inProgress: [] };
  const bar = progress(output, ids.length, 'redriving');
  try {
    for (let start = 0; start < ids.length; start += REDRIVE_BATCH) {
      const batch = ids.slice(start, start + REDRIVE_BATCH);
      const { body } = await client.redrive({ ids: batch });
      total.redriven += body.redriven;
      total.redrivenIds.push(...body.redrivenIds);
      total.notFound.push(...body.notFound);
      total.inProgress.push(...body.inProgress);
      for (const id of batch) bar.tick(id);
    }
  } finally {
    bar.stop();
  }
  return total;
}
