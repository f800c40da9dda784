import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { ApiClient, EventLog, PublishResult } from '../client';
import { type ContextFactory, parseDurationMs, parseJsonOption, parseLimit } from '../context';
import { ApiError, RejectedError, UnreachableError, UsageError } from '../errors';
import { readJsonFile } from '../files';
import { type Output, printJson, problemText, table } from '../output';

type PublishOptions = {
  type?: string;
  source?: string;
  version: string;
  payload?: unknown;
  id?: string;
  file?: string;
};
type LoggedEvent = EventLog['items'][number];

/** `aif events …`: publish, list, tail. */
export function eventCommands(program: Command, context: ContextFactory, signal: AbortSignal): void {
  const events = program.command('events').description('the event bus: publish and read the event log');
  events
    .command('publish')
    .description('publish one event (--type, --source, --payload) or a batch from a JSON file (--file)')
    .option('--type <type>', 'event type, e.g. order.created')
    .option('--source <source>', 'event source, e.g. shop')
    .option('--version <version>', 'event version', '1.0.0')
    .option('--payload <json>', 'the payload, a JSON object', parseJsonOption)
    .option('--id <id>', 'event id (default: a new evt-<uuid>; the same id again is a duplicate)')
    .option('--file <file>', 'a JSON file holding one event envelope or an array of them')
    .action(async (options: PublishOptions, command: Command) => {
      const { client, output } = context(command);
      await publish(client, output, envelopes(options));
    });
  events
    .command('list')
    .description("the event log (GET /v1/event-log): the tenant's events published in the last hour, oldest first")
    .option('--type <type>', 'only events of this type')
    .option('--source <source>', 'only events from this source')
    .option('--limit <n>', 'at most this many events', parseLimit, 25)
    .action(async (options: { type?: string; source?: string; limit: number }, command: Command) => {
      const { client, output } = context(command);
      const { type, source } = options;
      const { body } = await client.listEventLog({ type, source, limit: Math.min(options.limit, 100) });
      if (output.json) return printJson(output, body);
      output.out(table(['time', 'id', 'type', 'source', 'version', 'payload'], body.items.map(eventRow)));
    });
  events
    .command('tail')
    .description('follow the event log: print events as they are published, until Ctrl+C')
    .option('--type <type>', 'only events of this type')
    .option('--interval <duration>', 'how often to poll, e.g. 500ms, 2s', parseDurationMs, 2000)
    .action(async (options: { type?: string; interval: number }, command: Command) => {
      const { client, output } = context(command);
      await tail(client, output, options, signal);
    });
}

/** The events to send: the file's, or one envelope built from the flags (id and timestamp filled in). */
function envelopes(options: PublishOptions): unknown {
  if (options.file !== undefined) {
    if (options.type || options.source || options.payload !== undefined) {
      throw new UsageError('--file replaces --type, --source and --payload: give one or the other');
    }
    return readJsonFile(options.file);
  }
  const missing = [
    !options.type && '--type',
    !options.source && '--source',
    options.payload === undefined && '--payload',
  ];
  if (missing.some(Boolean)) {
    throw new UsageError(`events publish needs ${missing.filter(Boolean).join(', ')} (or --file FILE)`);
  }
  return {
    id: options.id ?? `evt-${randomUUID()}`,
    type: options.type,
    version: options.version,
    source: options.source,
    timestamp: Date.now(),
    payload: options.payload,
  };
}

/** Publishes and prints every event's outcome; a partial success (207) ends with exit code 4. */
async function publish(client: ApiClient, output: Output, events: unknown): Promise<void> {
  // A batch refused as a whole (4xx/5xx) throws ApiError; its problem lists every event's outcome.
  const result: PublishResult = (await client.publishEvents(events)).body;
  if (output.json) printJson(output, result);
  else {
    output.out(
      table(
        ['#', 'id', 'status', 'detail'],
        result.results.map((r) => [
          r.index,
          r.id,
          r.status,
          r.detail ?? r.errors?.map((e) => `${e.pointer} ${e.message}`).join('; '),
        ]),
      ),
    );
  }
  if (result.failedEntryCount > 0) {
    throw new RejectedError(`${result.failedEntryCount} of ${result.results.length} events are not on the bus`);
  }
}

function eventRow(event: LoggedEvent): unknown[] {
  const payload = JSON.stringify(event.payload);
  return [
    new Date(event.timestamp).toISOString(),
    event.id,
    event.type,
    event.source,
    event.version,
    payload.length > 60 ? `${payload.slice(0, 59)}…` : payload,
  ];
}

/**
 * Polls the event log (GET /v1/event-log, every page) every `interval` ms for events with a
 * timestamp at or after the last one seen (from the moment tail started, and at most 23 hours back:
 * one listing reads at most 24 hours), printing each id once, until `signal` aborts (Ctrl+C).
 * A failed poll is reported on stderr and retried at the next tick; it does not end the tail.
 */
async function tail(
  client: ApiClient,
  output: Output,
  options: { type?: string; interval: number },
  signal: AbortSignal,
): Promise<void> {
  let from = Date.now();
  const seenAtFrom = new Set<string>();
  if (!output.json)
    output.err(`following ${client.baseUrl} events${options.type ? ` of type ${options.type}` : ''} (Ctrl+C to stop)`);
  while (!signal.aborted) {
    try {
      let cursor: string | undefined;
      const since = new Date(Math.max(from, Date.now() - TAIL_REACH_MS)).toISOString();
      do {
        const { body } = await client.listEventLog({ type: options.type, from: since, limit: 100, cursor });
        for (const event of body.items) {
          if (seenAtFrom.has(event.id)) continue;
          if (event.timestamp > from) {
            from = event.timestamp;
            seenAtFrom.clear();
          }
          seenAtFrom.add(event.id);
          output.out(output.json ? JSON.stringify(event) : tailLine(event));
        }
        cursor = body.nextCursor;
      } while (cursor !== undefined && !signal.aborted);
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof UnreachableError)) throw error;
      output.err(`poll failed: ${error instanceof ApiError ? problemText(error.problem) : error.message}`);
    }
    await sleep(options.interval, signal);
  }
}

// How far back a poll reads: GET /v1/event-log answers windows of at most 24 hours.
const TAIL_REACH_MS = 23 * 60 * 60 * 1000;

function tailLine(event: LoggedEvent): string {
  return `${new Date(event.timestamp).toISOString()}  ${event.type}  ${event.id}  ${event.source}  ${JSON.stringify(event.payload)}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
