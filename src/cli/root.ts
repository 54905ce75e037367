/**
 * The command tree, global flags, logging set-up and error → exit code mapping.
 * Command modules register themselves here; their heavy work is imported lazily inside actions.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_CODES, exitCodeFor, formatError, invalid } from '../errors/index.js';
import { debugFromEnv, logJsonFromEnv, logPrefixFromEnv, noColorFromEnv, otelFromEnv } from '../util/env.js';
import { startTracing, stopTracing } from '../telemetry/trace.js';
import { FLUSH_TIMEOUT_MS, resolveTraceTarget } from '../telemetry/config.js';
import { Logger, setLogger, log, type LogMode } from '../logging/logger.js';
import { buildInfo, versionLine } from '../version/buildinfo.js';
import { registerBundle } from './bundle.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerDiff } from './diff.js';
import { registerExporter } from './exporter.js';
import { examples, FlagState, parseBool } from './flags.js';
import { registerQuery } from './query.js';
import { registerRecipe } from './recipe.js';
import { registerSnapshot } from './snapshot.js';
import { registerSchema } from './schema.js';
import { registerValidate } from './validate.js';
import { registerVerify } from './verify.js';
import { registerVersion } from './version.js';
import { setS3Endpoint } from '../io/s3-settings.js';
import { safeText } from '../util/escape.js';
import { stderrIsTerminal, writeStderr, writeStdout } from '../util/stdio.js';

export interface Registrar {
  (program: Command, st: FlagState): void;
}

/**
 * Commands by name, in help order. Later issues add theirs here. A command that reads the other
 * commands' options (`config view|init`) is marked `whole tree`: it is never registered alone.
 */
export const COMMANDS: ReadonlyArray<readonly [name: string, register: Registrar, tree?: 'whole tree']> = [
  ['snapshot', registerSnapshot],
  ['recipe', registerRecipe],
  ['query', registerQuery],
  ['validate', registerValidate],
  ['diff', registerDiff],
  ['bundle', registerBundle],
  ['verify', registerVerify],
  ['schema', registerSchema],
  ['exporter', registerExporter],
  ['version', registerVersion],
  ['config', registerConfig, 'whole tree'],
];

/** Root options that take a value in the next word (`--s3-endpoint URL`). */
const ROOT_VALUE_OPTIONS = new Set(['--trace-endpoint', '--s3-endpoint']);

/**
 * The command a command line runs when it names one of COMMANDS, seen past root options only: the
 * program then registers that command alone (start-up work in proportion to what runs). Help, a
 * version flag or anything unexpected before the command word gives undefined: the whole tree.
 * A lone version flag gives '': no command.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  // `aicr --version` alone needs no command at all.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (ROOT_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('--') && a !== '--' && !/^--(help|version)(=|$)/.test(a)) continue;
    return COMMANDS.some(([name, , tree]) => name === a && tree === undefined) ? a : undefined;
  }
  return undefined;
}

function configureLogging(opts: { debug?: boolean; logJson?: boolean }): void {
  const debug = opts.debug ?? debugFromEnv();
  const json = opts.logJson ?? logJsonFromEnv();
  const mode: LogMode = json ? 'json' : debug ? 'text' : 'cli';
  setLogger(
    new Logger({
      mode,
      level: debug ? 'debug' : 'info',
      version: buildInfo.version,
      prefix: logPrefixFromEnv(),
      color: mode === 'cli' && stderrIsTerminal() && !noColorFromEnv(),
    }),
  );
  if (debug) log().debug('starting', { name: 'aicr', ...buildInfo, logLevel: 'debug' });
}

/** `--trace`: OpenTelemetry is loaded now, and only now; the command's root span starts. */
async function configureTracing(action: Command, endpoint: string | undefined): Promise<void> {
  const names: string[] = [];
  for (let c: Command | null = action; c && c.parent; c = c.parent) names.unshift(c.name());
  const target = resolveTraceTarget(endpoint, otelFromEnv());
  let warned = false;
  await startTracing({
    ...target,
    rootName: ['aicr', ...names].join(' '),
    rootAttrs: { 'aicr.command': names.join(' '), version: buildInfo.version },
    flushTimeoutMs: FLUSH_TIMEOUT_MS,
    onDiagnostic: (line) => {
      // The first exporter problem is a warning; the rest only with --debug.
      if (warned) log().debug(line);
      else log().warn(`tracing (${target.protocol} ${target.url}): ${line}`);
      warned = true;
    },
  });
}

/**
 * The command tree: every command, or only `only` (a name in COMMANDS) when the command line names
 * it, or none for '' (see commandWord).
 */
export function buildProgram(only?: string): { program: Command; errors: string[] } {
  const st = new FlagState();
  const errors: string[] = [];
  const program = new Command('aicr');
  program
    .description(
      'AI Cluster Runtime: snapshot GPU clusters, generate version-locked recipes, validate them and bundle deployment artifacts',
    )
    .version(versionLine(), '-v, --version', 'print the version and exit')
    .option('--debug', 'debug logging with metadata on stderr (env AICR_DEBUG)')
    .option('--log-json', 'JSON log lines on stderr (env AICR_LOG_JSON)')
    .option('--trace', 'send OpenTelemetry spans over OTLP (env OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME)')
    .option(
      '--trace-endpoint <url>',
      'OTLP endpoint for --trace (default localhost:4317, gRPC; implies --trace)',
    )
    .option(
      '--s3-endpoint <url>',
      'S3-compatible endpoint for s3:// inputs and outputs, addressed path-style (env AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; default AWS)',
    )
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ writeOut: writeStdout, writeErr: (s) => errors.push(s) })
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'aicr snapshot -o snapshot.yaml',
        'aicr recipe --snapshot snapshot.yaml --intent training',
        'aicr recipe --service eks --accelerator h100 --intent training -o recipe.yaml',
        'aicr bundle -r recipe.yaml -o ./bundle',
        'aicr query --service eks --accelerator h100 --intent training --selector components.gpu-operator.version',
        'aicr validate --recipe recipe.yaml --snapshot snapshot.yaml --format table',
        'aicr completion bash > /etc/bash_completion.d/aicr',
        '',
        '# Exit codes: 0 ok, 2 invalid input, 3 not found, 4 unauthorized, 5 timeout,',
        '# 6 unavailable, 8 internal, 9 failed checks (aicr validate, aicr verify)',
      ]),
    );
  program.hook('preAction', async (_this, action) => {
    const opts = action.optsWithGlobals() as {
      debug?: boolean;
      logJson?: boolean;
      trace?: boolean;
      traceEndpoint?: string;
      s3Endpoint?: string;
    };
    configureLogging(opts);
    setS3Endpoint(opts.s3Endpoint);
    if (opts.trace || opts.traceEndpoint !== undefined) await configureTracing(action, opts.traceEndpoint);
  });
  for (const [name, reg] of COMMANDS) if (only === undefined || name === only) reg(program, st);
  if (only === undefined) {
    registerCompletion(program);
    registerHelp(program);
  }
  st.seal(program);
  return { program, errors };
}

/**
 * `aicr help [command [subcommand]]`: the same help as `--help`, on stdout, exit 0 (as `kubectl help` and
 * `helm help`); an unknown topic is bad input (exit 2) naming the commands there are.
 */
function registerHelp(program: Command): void {
  program
    .command('help')
    .argument('[command...]', 'command to show help for')
    .description('Show help for aicr or one of its commands (same as --help)')
    .action((words: string[]) => {
      let target: Command = program;
      for (const w of words) {
        // Words after a command without subcommands are its arguments (`help completion bash`).
        if (target.commands.length === 0) break;
        const next = target.commands.find((c) => c.name() === w || c.aliases().includes(w));
        if (!next) {
          const names = target.commands.map((c) => c.name()).join(', ');
          const where = target === program ? 'aicr' : `aicr ${target.name()}`;
          throw invalid(`unknown help topic "${w}" for ${where}; available: ${names}`);
        }
        target = next;
      }
      target.outputHelp();
    });
}

function debugRequested(argv: string[]): boolean {
  if (argv.includes('--debug') || argv.includes('--debug=true')) return true;
  try {
    return debugFromEnv();
  } catch {
    return false;
  }
}

/**
 * `--debug=false` / `--log-json=true` (Go-style explicit bool values) are accepted: a true value
 * becomes the bare flag, a false value is dropped, anything else is invalid input.
 */
function normalizeGlobalBools(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--(debug|log-json|trace)=(.*)$/.exec(a);
    if (m) {
      if (parseBool(m[2], `--${m[1]}`)) out.push(`--${m[1]}`);
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Runs the CLI; returns the exit code. With `--trace`, spans are flushed (bounded) before returning. */
export async function run(rawArgv: string[]): Promise<number> {
  let failure: unknown;
  const code = await runCommand(rawArgv, (err) => (failure = err));
  await stopTracing(code, failure);
  return code;
}

async function runCommand(rawArgv: string[], onError: (err: unknown) => void): Promise<number> {
  let argv: string[];
  try {
    argv = normalizeGlobalBools(rawArgv);
  } catch (err) {
    writeStderr(`[cli] ${safeText(formatError(err))}\n`);
    return EXIT_CODES.INVALID_REQUEST;
  }
  const { program, errors } = buildProgram(commandWord(argv));
  if (argv.length === 0) {
    writeStdout(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) return 0;
      const text = (errors.join('') || err.message)
        .replace(/^error: /, '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ');
      const cmdName = argv.find((a) => program.commands.some((c) => c.name() === a));
      const hint = cmdName ? `aicr ${cmdName} --help` : 'aicr --help';
      writeStderr(`[cli] ${safeText(text)}; see '${hint}'\n`);
      return EXIT_CODES.INVALID_REQUEST;
    }
    const code = exitCodeFor(err);
    onError(err);
    const l = log();
    l.error('command failed', { error: formatError(err), exitCode: code });
    if (debugRequested(argv) && err instanceof Error && err.stack) {
      // Stack frames are ours, but the first line repeats the message, which may carry input.
      writeStderr(err.stack.split('\n').map(safeText).join('\n') + '\n');
    }
    return code;
  }
}

export { invalid };
