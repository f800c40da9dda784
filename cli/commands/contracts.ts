import type { Command } from 'commander';
import type { ApiClient, Query, RegisterContractResult, ValidationResult } from '../client';
import { type ContextFactory, parseInteger, parseJsonOption } from '../context';
import { ApiError, RejectedError, UsageError } from '../errors';
import { documentPaths, readDocument, readJsonFile } from '../files';
import { type Output, printJson, progress, table } from '../output';

/** One file's outcome in a registration: the answer's status and body, or the problem. */
type Registration = { file: string; status: number; body?: RegisterContractResult; problem?: ApiError['problem'] };

/** `aif contracts …`: register (a file or a directory), list, show, diff, validate. */
export function contractCommands(program: Command, context: ContextFactory): void {
  const contracts = program.command('contracts').description('the contract registry');
  contracts
    .command('register <path>')
    .description('register an OpenAPI document or a contract (JSON or YAML), or every document in a directory')
    .option('--compatibility <mode>', 'compatibility mode: BACKWARD, FORWARD, FULL, NONE, …_TRANSITIVE')
    .option('--name <name>', "contract name (a single file; default: the document's name or info.title)")
    .action(async (path: string, options: { compatibility?: string; name?: string }, command: Command) => {
      const { client, output } = context(command);
      const { directory, files } = documentPaths(path);
      if (directory && options.name) throw new UsageError('--name applies to a single file, not a directory');
      const query = { compatibility: options.compatibility, name: options.name };
      if (!directory) return registerOne(client, output, files[0]!, query);
      return registerAll(client, output, files, query);
    });
  contracts
    .command('list')
    .description('contract names with their compatibility mode and version count')
    .action(async (_options: object, command: Command) => {
      const { client, output } = context(command);
      const items = await client.all(client.listContracts);
      if (output.json) return printJson(output, { items });
      output.out(
        table(
          ['name', 'compatibility', 'versions', 'updated'],
          items.map((c) => [c.name, c.compatibility, c.versionCount, c.updatedAt]),
        ),
      );
    });
  contracts
    .command('show <name>')
    .description('a contract: the latest version, or --version V; its endpoints and versions')
    .option('--version <version>', 'an exact version (deprecated ones included)')
    .action(async (name: string, options: { version?: string }, command: Command) => {
      const { client, output } = context(command);
      const { body } = await client.getContract(name, options.version);
      if (output.json) return printJson(output, body);
      const versions = await client.all((q) => client.listVersions(name, q));
      output.out(`${body.name}@${body.version} (${body.compatibility}${body.deprecated ? ', deprecated' : ''})`);
      output.out(
        table(
          ['method', 'path', 'description'],
          body.endpoints.map((e) => [e.method, e.path, truncate(e.description.split('\n')[0] ?? '', 70)]),
        ),
      );
      output.out(`versions: ${versions.map((v) => v.version + (v.deprecated ? ' (deprecated)' : '')).join(', ')}`);
    });
  diffCommand(contracts, context);
  validateCommand(contracts, context);
}

async function registerOne(client: ApiClient, output: Output, file: string, query: Query): Promise<void> {
  const { status, body } = await client.registerContract(readDocument(file), query);
  if (output.json) return printJson(output, body);
  const what = `${body.contract.name}@${body.contract.version}`;
  output.out(
    status === 201
      ? `201 registered ${what} (${body.contract.compatibility}, ${body.contract.endpoints.length} endpoints)`
      : `200 unchanged ${what}: identical content was already registered`,
  );
  for (const warning of body.warnings) output.err(`warning: ${warning.pointer}  ${warning.message}`);
}

/**
 * Registers every file one after the other (the route is rate limited per tenant), with a
 * progress bar, then a summary table. A 4xx is that file's outcome; a 5xx or no answer stops the
 * import (the next files would fare no better).
 */
async function registerAll(client: ApiClient, output: Output, files: string[], query: Query): Promise<void> {
  const bar = progress(output, files.length, 'registering');
  const outcomes: Registration[] = [];
  try {
    for (const file of files) {
      bar.tick(file);
      try {
        const { status, body } = await client.registerContract(readDocument(file), query);
        outcomes.push({ file, status, body });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500) throw error;
        outcomes.push({ file, status: error.status, problem: error.problem });
      }
    }
  } finally {
    bar.stop();
  }
  if (output.json) printJson(output, outcomes);
  else {
    output.out(table(['file', 'status', 'contract', 'reason'], outcomes.map(summaryRow)));
    const counts = new Map<number, number>();
    for (const { status } of outcomes) counts.set(status, (counts.get(status) ?? 0) + 1);
    const tally = [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${n} × ${status}`);
    output.out(`${outcomes.length} files: ${tally.join(', ')}`);
  }
  if (outcomes.some((o) => o.status >= 400)) {
    throw new RejectedError(
      `${outcomes.filter((o) => o.status >= 400).length} of ${outcomes.length} files were refused`,
    );
  }
}

function summaryRow(outcome: Registration): unknown[] {
  if (outcome.body) {
    const { name, version } = outcome.body.contract;
    return [outcome.file, outcome.status, `${name}@${version}`, outcome.status === 200 ? 'unchanged' : ''];
  }
  const problem = outcome.problem!;
  const first = problem.errors?.[0];
  const reason = first ? `${first.pointer || '/'} ${first.detail}` : problem.detail || problem.title;
  const more = (problem.errors?.length ?? 0) > 1 ? ` (+${problem.errors!.length - 1} more)` : '';
  return [outcome.file, outcome.status, '', truncate(reason, 80) + more];
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function diffCommand(contracts: Command, context: ContextFactory): void {
  contracts
    .command('diff <name> <file>')
    .description("dry-run <file> against <name>'s registered versions: compatible or not, and why (exit 4 when not)")
    .option('--compatibility <mode>', "check under this mode instead of the contract's")
    .action(async (name: string, file: string, options: { compatibility?: string }, command: Command) => {
      const { client, output } = context(command);
      const document = readDocument(file);
      const { body } = await client.registerContract(document, {
        name,
        compatibility: options.compatibility,
        dryRun: true,
      });
      if (output.json) printJson(output, body);
      else printDiff(output, body);
      if (body.wouldBe === 'incompatible' || body.wouldBe === 'version-conflict') {
        throw new RejectedError(`${body.contract.name}@${body.contract.version} would be refused (${body.wouldBe})`);
      }
    });
}

function printDiff(output: Output, result: RegisterContractResult): void {
  const { contract, compatibility: report } = result;
  const against = report.checkedAgainst.length > 0 ? report.checkedAgainst.join(', ') : 'no registered version';
  const verdict = {
    created: `compatible: registering would create ${contract.name}@${contract.version}`,
    unchanged: `unchanged: ${contract.name}@${contract.version} is registered with this content`,
    'version-conflict': `refused: ${contract.name}@${contract.version} is registered with other content (409)`,
    incompatible: `incompatible: registering ${contract.name}@${contract.version} would be refused (409)`,
  }[result.wouldBe ?? 'created'];
  output.out(`${contract.name}@${contract.version} against ${against} (${report.mode}): ${verdict}`);
  if (report.issues.length > 0) {
    output.out(
      table(
        ['rule', 'pointer', 'message', 'against'],
        report.issues.map((i) => [i.rule, i.pointer, i.message, i.against]),
      ),
    );
  }
}

type ValidateOptions = {
  method: string;
  path: string;
  version?: string;
  body?: unknown;
  bodyFile?: string;
  contentType?: string;
  response?: boolean;
  status?: number;
};

function validateCommand(contracts: Command, context: ContextFactory): void {
  contracts
    .command('validate <name>')
    .description(
      'validate a request (or with --response, a response) against a contract endpoint (exit 4 when invalid)',
    )
    .requiredOption('--method <method>', 'HTTP method, e.g. POST')
    .requiredOption('--path <path>', 'a concrete path, e.g. /pets/42')
    .option('--version <version>', 'contract version (default: the latest)')
    .option('--body <json>', 'the body, as JSON', parseJsonOption)
    .option('--body-file <file>', 'the body, from a file (JSON unless --content-type names another format)')
    .option('--content-type <type>', "the body's media type, e.g. application/xml")
    .option('--response', 'validate a response instead of a request (needs --status)')
    .option('--status <status>', 'the response status', parseInteger)
    .action(async (name: string, options: ValidateOptions, command: Command) => {
      const { client, output } = context(command);
      const { body } = options.response
        ? await client.validateResponse(name, {
            ...target(options),
            status: requireStatus(options),
            ...payload(options),
          })
        : await client.validateRequest(name, { ...target(options), request: payload(options) });
      if (output.json) printJson(output, body);
      else printValidation(output, name, body);
      if (!body.valid) throw new RejectedError(`invalid: ${body.errors.length} problems`);
    });
}

function target(options: ValidateOptions) {
  return { method: options.method, path: options.path, ...(options.version && { version: options.version }) };
}

function requireStatus(options: ValidateOptions): number {
  if (options.status === undefined) throw new UsageError('--response needs --status <status>');
  return options.status;
}

/** The body members of a validate request: `body` (JSON, or the text of another format) and `contentType`. */
function payload(options: ValidateOptions): { body?: unknown; contentType?: string } {
  let body = options.body;
  if (options.bodyFile !== undefined) {
    const json = options.contentType === undefined || /[/+]json\b/i.test(options.contentType);
    body = json ? readJsonFile(options.bodyFile) : readDocument(options.bodyFile).body;
  }
  return { ...(body !== undefined && { body }), ...(options.contentType && { contentType: options.contentType }) };
}

function printValidation(output: Output, name: string, result: ValidationResult): void {
  output.out(`${result.valid ? 'valid' : 'invalid'}: ${result.endpoint} (${name}@${result.version})`);
  if (result.errors.length > 0) {
    output.out(
      table(
        ['at', 'keyword', 'message'],
        result.errors.map((e) => [e.instancePath || '/', e.keyword, e.message]),
      ),
    );
  }
}
