import type { Command } from 'commander';
import type { Subscription } from '../client';
import { type ContextFactory, parseInteger, parseJsonOption } from '../context';
import { printJson, table } from '../output';

type CreateOptions = {
  type: string;
  url: string;
  id?: string;
  pattern?: unknown;
  deliveryFormat?: string;
  maxRetries?: number;
};

/** `aif subscriptions …`: list, create, delete. */
export function subscriptionCommands(program: Command, context: ContextFactory): void {
  const subscriptions = program.command('subscriptions').description('webhook subscriptions to event types');
  subscriptions
    .command('list')
    .description("the tenant's subscriptions (secrets hidden)")
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listSubscriptions);
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['id', 'event type', 'url', 'format', 'status', 'secret'],
          items.map((s) => [s.id, s.eventType, s.target.url, s.deliveryFormat, s.status, secretHint(s)]),
        ),
      );
    });
  subscriptions
    .command('create')
    .description('subscribe a webhook to an event type; prints the signing secret in full, once')
    .requiredOption('--type <type>', 'the event type, e.g. order.created')
    .requiredOption('--url <url>', 'the webhook URL')
    .option('--id <id>', 'subscription id (default: assigned by the API)')
    .option(
      '--pattern <json>',
      'an EventBridge pattern on the payload, e.g. {"total":[{"numeric":[">",100]}]}',
      parseJsonOption,
    )
    .option('--delivery-format <format>', 'json, msgpack or cbor (or a media type)')
    .option('--max-retries <n>', 'delivery retries before a dead letter (default: the error policies)', parseInteger)
    .action(async (options: CreateOptions, command: Command) => {
      const { client, output } = context(command);
      const { status, body } = await client.createSubscription({
        ...(options.id && { id: options.id }),
        eventType: options.type,
        ...(options.pattern !== undefined && { filter: options.pattern }),
        target: { type: 'webhook', url: options.url },
        ...(options.deliveryFormat && { deliveryFormat: mediaType(options.deliveryFormat) }),
        ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
      });
      if (output.json) return printJson(output, body);
      output.out(
        `${status === 201 ? 'created' : 'unchanged'} ${body.id}: ${body.eventType} → ${body.target.url} (${body.status})`,
      );
      if (body.target.secret) output.out(`signing secret (shown only this once): ${body.target.secret}`);
    });
  subscriptions
    .command('delete <id>')
    .description('unsubscribe')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, output } = context(command);
      await client.deleteSubscription(id);
      if (output.json) return printJson(output, { deleted: id });
      output.out(`deleted ${id}`);
    });
}

/** `json`, `msgpack`, `cbor` as their media types; anything else is sent as given (the API judges it). */
function mediaType(format: string): string {
  return format.includes('/') ? format : `application/${format}`;
}

function secretHint(subscription: Subscription): string {
  const newest = subscription.target.secrets[0];
  return newest ? `…${newest.last4}` : '';
}
