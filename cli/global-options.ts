import { type Command, Option } from 'commander';
import type { ConnectionOptions } from './connection';

/** The options every command takes: where the API is, who calls it, and `--json`. */
const GLOBAL_OPTIONS: readonly (readonly [flags: string, description: string])[] = [
  ['--endpoint <url>', 'API base URL (else AIF_ENDPOINT, else ApiUrl in --outputs, else http://localhost:3000)'],
  ['--outputs <file>', 'the JSON `cdk deploy --outputs-file` wrote (else AIF_OUTPUTS)'],
  ['--token <token>', 'bearer token (else AIF_TOKEN)'],
  [
    '--client-id <id>',
    'Cognito app client id, for a client-credentials token (else AIF_CLIENT_ID, else AgentClientId in --outputs)',
  ],
  ['--client-secret <secret>', 'its secret (else AIF_CLIENT_SECRET)'],
  ['--token-url <url>', 'the token endpoint (else AIF_TOKEN_URL, else TokenUrl in --outputs)'],
  ['--json', "machine output: the API's JSON, one document"],
];

/** The global options each leaf command got a copy of (by attribute name). */
const copies = new WeakMap<Command, Set<string>>();

/** Declares the global options on `program` (before the command: `aif --json topology`). */
export function addGlobalOptions(program: Command): Command {
  for (const [flags, description] of GLOBAL_OPTIONS) program.addOption(new Option(flags, description));
  return program;
}

/**
 * Lets the global options follow the command too (`aif topology --json`). The program parses
 * positionally, so that a command may have an option of the same name that means something else
 * (`services register --endpoint` is the instance's URL; the API's then comes before the command
 * or from AIF_ENDPOINT): every leaf gets a copy of each global option it does not declare itself.
 */
export function spreadGlobalOptions(program: Command): void {
  program.enablePositionalOptions();
  const leaves = (command: Command): Command[] =>
    command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
  for (const leaf of program.commands.flatMap(leaves)) {
    const copied = new Set<string>();
    for (const [flags, description] of GLOBAL_OPTIONS) {
      const option = new Option(flags, description);
      if (leaf.options.some((own) => own.long === option.long)) continue;
      leaf.addOption(option);
      copied.add(option.attributeName());
    }
    copies.set(leaf, copied);
  }
}

/** The global options a command was called with: the program's, overridden by the copies given after the command. */
export function globalOptionsOf(command: Command): ConnectionOptions & { json?: boolean } {
  let root = command;
  while (root.parent) root = root.parent;
  const options: Record<string, unknown> = { ...root.opts() };
  const own = command.opts();
  for (const key of copies.get(command) ?? []) if (own[key] !== undefined) options[key] = own[key];
  return options;
}
