import { Command, CommanderError } from 'commander';
import { contractCommands } from './commands/contracts';
import { deadLetterCommands } from './commands/dead-letters';
import { eventCommands } from './commands/events';
import { meshCommands } from './commands/mesh';
import { subscriptionCommands } from './commands/subscriptions';
import { systemCommands } from './commands/system';
import { type ContextFactory, contextFrom } from './context';
import { ApiError, EXIT, exitCodeOf, RejectedError, UnreachableError, UsageError } from './errors';
import { addGlobalOptions, spreadGlobalOptions } from './global-options';
import { type Output, printJson, problemText, processOutput } from './output';

/** The `aif` command tree, every command group on one program (the CLI's composition root). */
export function buildProgram(context: ContextFactory, signal: AbortSignal): Command {
  const program = addGlobalOptions(
    new Command('aif').description('Operate an Agent Integration Framework API: the local runner, or a deployed stack'),
  )
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 2 usage error, 4 the API answered 4xx (or a check failed), 5 a 5xx or no answer.',
    );
  systemCommands(program, context);
  contractCommands(program, context);
  eventCommands(program, context, signal);
  subscriptionCommands(program, context);
  deadLetterCommands(program, context);
  meshCommands(program, context);
  spreadGlobalOptions(program);
  return program;
}

/**
 * Runs `aif` with `argv` (the arguments after the program name) and answers the exit code:
 * 0 success, 2 usage error, 4 a 4xx answer or a failed check, 5 a 5xx answer or no answer.
 * Failures are printed here, once: the problem details on stderr (on stdout with `--json`).
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  makeOutput: (json: boolean) => Output = processOutput,
): Promise<number> {
  const program = buildProgram(contextFrom(env, makeOutput), signal);
  const output = makeOutput(argv.includes('--json'));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too; commander has printed what it had to say.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    report(output, error);
    return exitCodeOf(error);
  }
}

function report(output: Output, error: unknown): void {
  if (error instanceof ApiError) {
    if (output.json) printJson(output, error.problem);
    else output.err(`error: ${problemText(error.problem)}`);
  } else if (error instanceof UnreachableError) {
    output.err(`error: ${error.message} (is the API running? the local runner: npm run dev)`);
  } else if (error instanceof UsageError) {
    output.err(`error: ${error.message}`);
  } else if (error instanceof RejectedError) {
    // The command has printed its verdict (invalid, incompatible, the files refused).
  } else {
    output.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
