/**
 * Shared flag definitions and parsing helpers for command modules.
 * Single-value flags may be given once: a second occurrence (aliases count) is an error (exit 2). The
 * rule holds for every option that takes a value: `FlagState.seal` wraps each one not declared
 * `repeatable` (or a boolean), so a command cannot forget it.
 */
import { Command, Option } from 'commander';
import { invalid } from '../errors/index.js';
import { allowedValues, type CriteriaField } from '../model/criteria.js';
import { checkInputLocation, checkLocalPath } from '../io/uri.js';
import type { OverlayCriteria } from '../model/recipe.js';
import { boolWord } from '../util/bool.js';

/** Values offered by shell completion, keyed by long flag name. */
export const COMPLETION_VALUES: Record<string, string[]> = {
  service: allowedValues('service'),
  accelerator: allowedValues('accelerator'),
  gpu: allowedValues('accelerator'),
  intent: allowedValues('intent'),
  os: allowedValues('os'),
  platform: allowedValues('platform'),
  format: ['yaml', 'json', 'table'],
  phase: ['readiness', 'deployment'],
  schema: ['v1'],
};

/** Flags whose value is a path (completion offers files). */
export const FILE_FLAGS = new Set([
  'output',
  'snapshot',
  'criteria',
  'data',
  'kubeconfig',
  'recipe',
  'repository-config',
  'registry-config',
  'repository-cache',
  'policy',
  'opa',
  'output-dir',
  'config',
]);

/** Parser of a repeatable flag: the values accumulate in a list. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** A repeatable string-list flag (`--set a --set b`). */
export function repeatable(flags: string, description: string): Option {
  return new Option(flags, `${description} (repeatable)`).argParser(collect);
}

/** Parsers already checking "given once" (so `seal` does not wrap them twice). */
const ONCE = new WeakSet<object>();

/** Per-invocation state: which single-value flags were seen. */
export class FlagState {
  private readonly seen = new Set<string>();

  /** Parser for a single-value flag (`canonical` names the flag in errors; aliases share it). */
  once(canonical: string) {
    const parse = (value: string): string => {
      if (this.seen.has(canonical)) throw invalid(`flag --${canonical} can only be specified once`);
      this.seen.add(canonical);
      return value;
    };
    ONCE.add(parse);
    return parse;
  }

  /**
   * Makes every value-taking option of `cmd` and its subcommands single-value, except repeatable
   * (`collect`), variadic and boolean (`[bool]` with a preset) options and those already checked.
   */
  seal(cmd: Command): void {
    for (const opt of cmd.options) {
      const parseArg = opt.parseArg as ((v: string, prev: unknown) => unknown) | undefined;
      if (!(opt.required || opt.optional) || opt.variadic || opt.presetArg !== undefined) continue;
      if (parseArg === collect || (parseArg && ONCE.has(parseArg))) continue;
      const check = this.once(opt.long ? opt.long.replace(/^--/, '') : opt.name());
      const sealed = (v: string, prev: unknown): unknown => {
        check(v);
        return parseArg ? parseArg(v, prev) : v;
      };
      ONCE.add(sealed);
      opt.argParser(sealed);
    }
    for (const sub of cmd.commands) this.seal(sub);
  }
}

/**
 * One row of a command's declarative option table. Kinds: `value` (a single value: given twice is
 * exit 2), `list` (repeatable, accumulates), `int` (a single integer >= `min`), `bool` (`--x[=bool]`),
 * `switch` (no value, e.g. `--no-cluster`).
 */
export type FlagSpec =
  | { flags: string; help: string; kind: 'value'; mandatory?: boolean }
  | { flags: string; help: string; kind: 'list' }
  | { flags: string; help: string; kind: 'int'; min?: number }
  | { flags: string; help: string; kind: 'bool'; default: boolean }
  | { flags: string; help: string; kind: 'switch'; hidden?: boolean };

type LongName<F extends string> = F extends `${string}--${infer R}`
  ? R extends `${infer N} ${string}`
    ? N
    : R
  : never;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type KindValue<K> = K extends 'list'
  ? string[]
  : K extends 'int'
    ? number
    : K extends 'bool'
      ? boolean
      : string;

/** The parsed options of a table, typed from it (`--system-node-selector <kv>` → `systemNodeSelector?: string[]`). */
export type FlagValues<T extends readonly FlagSpec[]> = {
  [S in T[number] as Camel<LongName<S['flags']>>]?: KindValue<S['kind']>;
};

/** Adds the options of `table` to `cmd`, in table order. */
export function addFlags(cmd: Command, table: readonly FlagSpec[]): Command {
  for (const f of table) {
    const name = f.flags.replace(/^.*--/, '').split(/[ [<]/)[0];
    switch (f.kind) {
      case 'value': {
        const o = new Option(f.flags, f.help);
        cmd.addOption(f.mandatory ? o.makeOptionMandatory() : o);
        break;
      }
      case 'list':
        cmd.addOption(repeatable(f.flags, f.help));
        break;
      case 'int':
        cmd.addOption(new Option(f.flags, f.help).argParser(intParser(name, f.min ?? 0)));
        break;
      case 'bool':
        cmd.addOption(boolOption(f.flags, f.help, f.default));
        break;
      case 'switch': {
        const o = new Option(f.flags, f.help);
        cmd.addOption(f.hidden ? o.hideHelp() : o);
        break;
      }
    }
  }
  return cmd;
}

export function intParser(flag: string, min = 0) {
  return (value: string): number => {
    if (!/^\s*-?\d+\s*$/.test(value))
      throw invalid(`invalid value "${value}" for --${flag}: expected an integer`);
    const n = Number(value);
    if (n < min) throw invalid(`invalid value "${value}" for --${flag}: must be >= ${min}`);
    // Never round silently: 9007199254740993 would become 9007199254740992.
    if (!Number.isSafeInteger(n)) {
      throw invalid(
        `invalid value "${value.trim()}" for --${flag}: too large, must be at most ${Number.MAX_SAFE_INTEGER}`,
      );
    }
    return n === 0 ? 0 : n;
  };
}

/** Go-style boolean parsing (1/t/true/TRUE/…, 0/f/false/…). */
export function parseBool(value: string, what: string): boolean {
  const b = boolWord(value);
  if (b === undefined) throw invalid(`invalid boolean "${value}" for ${what}: use true or false`);
  return b;
}

/** `--name[=bool]`: bare flag means true; `--name=false` turns it off. */
export function boolOption(flags: string, description: string, defaultValue: boolean): Option {
  const name = flags.replace(/^.*--/, '').split(/[ [<]/)[0];
  return new Option(`${flags} [bool]`, `${description} (default ${defaultValue})`)
    .argParser((v: string) => parseBool(v, `--${name}`))
    .preset('true'); // a string: commander passes presets through argParser
}

export function addOutputFlags(cmd: Command, st: FlagState, opts: { output?: boolean } = {}): Command {
  if (opts.output !== false) {
    cmd.addOption(
      new Option(
        '-o, --output <location>',
        'where to write: file path, - for stdout (default), or cm://namespace/name',
      ).argParser(st.once('output')),
    );
  }
  cmd.addOption(
    new Option('-t, --format <format>', 'output format: yaml, json or table (default "yaml")').argParser(
      st.once('format'),
    ),
  );
  return cmd;
}

export function addKubeconfigFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '-k, --kubeconfig <path>',
      'kubeconfig for cm:// locations (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    ),
  );
}

export function addDataFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--data <dir>',
      'external recipe data directory layered over the embedded catalog (must contain registry.yaml)',
    ),
  );
}

function criteriaOption(st: FlagState, field: CriteriaField, flags: string, what: string): Option {
  return new Option(flags, `${what}: ${allowedValues(field).join(', ')}`).argParser(st.once(field));
}

/** --service, --accelerator/--gpu, --intent, --os, --platform, --nodes, --snapshot/-s, --criteria/-c. */
export function addCriteriaFlags(cmd: Command, st: FlagState): Command {
  cmd
    .addOption(criteriaOption(st, 'service', '--service <service>', 'Kubernetes service'))
    .addOption(criteriaOption(st, 'accelerator', '--accelerator <type>', 'GPU type (alias --gpu)'))
    .addOption(
      new Option('--gpu <type>', 'alias of --accelerator').hideHelp().argParser(st.once('accelerator')),
    )
    .addOption(criteriaOption(st, 'intent', '--intent <intent>', 'workload intent'))
    .addOption(
      criteriaOption(st, 'os', '--os <os>', 'GPU node operating system (al2, al2023, amzn = amazonlinux)'),
    )
    .addOption(criteriaOption(st, 'platform', '--platform <platform>', 'ML platform'))
    .addOption(new Option('--nodes <n>', 'number of GPU nodes (0 = any)').argParser(intParser('nodes', 0)))
    .addOption(
      new Option(
        '-s, --snapshot <location>',
        'derive criteria from a snapshot: file, URL or cm://namespace/name',
      ).argParser(st.once('snapshot')),
    )
    .addOption(
      new Option(
        '-c, --criteria <location>',
        'criteria file (kind RecipeCriteria, YAML or JSON); flags override its fields',
      ).argParser(st.once('criteria')),
    );
  return cmd;
}

/**
 * The flags of commands that resolve a recipe from criteria (`recipe`, `query`): criteria, output
 * (`output: false` keeps only --format), --kubeconfig and --data.
 */
export function addRecipeSourceFlags(cmd: Command, st: FlagState, opts: { output?: boolean } = {}): Command {
  addCriteriaFlags(cmd, st);
  addOutputFlags(cmd, st, opts);
  addKubeconfigFlag(cmd);
  return addDataFlag(cmd);
}

/** Parsed criteria flags: the criteria fields, `--gpu` and the other sources. */
export interface CriteriaOpts extends OverlayCriteria {
  gpu?: string;
  snapshot?: string;
  criteria?: string;
  data?: string;
  kubeconfig?: string;
}

/**
 * Request for src/commands/recipe.ts from parsed flags (`--gpu` folded into accelerator), after checking
 * the sources' forms (--snapshot, --criteria, --data) before any work.
 */
export function recipeRequest(o: CriteriaOpts) {
  if (o.snapshot) checkInputLocation(o.snapshot, 'snapshot');
  if (o.criteria) checkInputLocation(o.criteria, 'criteria');
  if (o.data) checkLocalPath(o.data, '--data');
  return {
    service: o.service,
    accelerator: o.accelerator ?? o.gpu,
    intent: o.intent,
    os: o.os,
    platform: o.platform,
    nodes: o.nodes,
    snapshot: o.snapshot,
    criteria: o.criteria,
    data: o.data,
    kubeconfig: o.kubeconfig,
  };
}

export function examples(lines: string[]): string {
  return (
    '\nExamples:\n' +
    lines.map((l) => (l.startsWith('#') || l === '' ? `  ${l}` : `  $ ${l}`)).join('\n') +
    '\n'
  );
}
