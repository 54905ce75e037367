/**
 * `aicr config path|view|init` and loading the configuration for a command (the resolver in
 * src/cli/config.ts applies it to the command's options).
 */
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors/index.js';
import { serialize, type Format } from '../io/serialize.js';
import { displayLocation } from '../io/uri.js';
import { writeFileSafe } from '../io/writer.js';
import { escapeControl } from '../util/escape.js';
import { writeStdout } from '../util/stdio.js';
import { CONFIG_COMMANDS, CONFIG_KEYS, keysOf, type ConfigCommand, type ConfigKey } from '../config/keys.js';
import { loadConfig, sectionEntries, type ConfigEntry } from '../config/load.js';
import { configLocation, defaultConfigPath, type ConfigLocation } from '../config/paths.js';
import { CONFIG_API_VERSION, CONFIG_KIND } from '../config/keys.js';
import { exists } from './config-locate.js';

export { CONFIG_KEYS, keysOf, type ConfigCommand, type ConfigEntry, type ConfigKey };

/** The settings for `command` from the configuration at `loc`. */
export async function loadConfigEntries(
  loc: ConfigLocation,
  command: ConfigCommand,
): Promise<{ source: string; file: string; entries: ConfigEntry[] }> {
  const { source, file, config } = await loadConfig(
    loc.location,
    loc.origin === 'AICR_CONFIG' ? 'AICR_CONFIG' : '--config',
  );
  return { source, file, entries: sectionEntries(config, command) };
}

/** Every section's settings, for `aicr config view`; undefined when there is no file to read. */
export async function loadAllEntries(
  flag: string | undefined,
): Promise<{ file: string; entries: Map<ConfigCommand, ConfigEntry[]> } | undefined> {
  const loc = configLocation(flag);
  if (!loc || (loc.origin === 'default' && !exists(loc.location))) return undefined;
  const { file, config } = await loadConfig(
    loc.location,
    loc.origin === 'AICR_CONFIG' ? 'AICR_CONFIG' : '--config',
  );
  return { file, entries: new Map(CONFIG_COMMANDS.map((c) => [c, sectionEntries(config, c)])) };
}

/** `aicr config path`: where the configuration is read from and whether it exists. */
export function runConfigPath(flag?: string): void {
  const loc = configLocation(flag);
  if (!loc) {
    writeStdout('(none: neither XDG_CONFIG_HOME nor HOME is set)\n');
    return;
  }
  const there = loc.origin === 'default' ? exists(loc.location) : true;
  const how =
    loc.origin === 'default'
      ? there
        ? 'exists'
        : 'not found: no configuration is read'
      : `from ${loc.origin}`;
  writeStdout(`${escapeControl(displayLocation(loc.location))}\t(${how})\n`);
}

/** One row of `aicr config view`. */
export interface ViewRow {
  key: string;
  flag: string;
  value: unknown;
  source: string;
}

/** `aicr config view`: the effective settings and where each comes from. */
export function printConfigView(file: string | undefined, rows: ViewRow[], format: Format): void {
  if (format === 'table') {
    const header = ['KEY', 'FLAG', 'VALUE', 'SOURCE'];
    const cells = rows.map((r) => [
      r.key,
      r.flag,
      Array.isArray(r.value) ? r.value.join(',') : String(r.value),
      r.source,
    ]);
    const table = [header, ...cells].map((row) => row.map(escapeControl));
    const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)) + 2);
    const lines = table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join(''));
    writeStdout(`# configuration: ${escapeControl(file ?? '(none)')}\n${lines.join('\n')}\n`);
    return;
  }
  writeStdout(serialize({ configFile: file ?? null, settings: rows }, format));
}

/** An example value for the starter file. */
function sampleOf(k: ConfigKey): string {
  if (k.example !== undefined) return k.example;
  switch (k.kind) {
    case 'list':
      return '[]';
    case 'map':
      return '{}';
    case 'bool':
      return 'false';
    case 'int':
      return String(k.min ?? 0);
    case 'enum':
      return k.values?.[0] ?? '""';
    case 'criteria':
      return k.help.split(',')[0];
    case 'string':
      return '""';
  }
}

/** The commented starter file of `aicr config init`, from the table of settings. */
export function starterConfig(): string {
  const out = [
    '# aicr configuration file (kind AICRConfig). Reference: docs/config.md',
    '# Every setting stands for a flag of its command; precedence: flag > environment variable > this file > built-in default.',
    '# A list or map given by flags replaces the one in this file. Unknown keys are errors. Uncomment what you need.',
    `kind: ${CONFIG_KIND}`,
    `apiVersion: ${CONFIG_API_VERSION}`,
    'metadata:',
    '  name: default',
    'spec:',
  ];
  for (const c of CONFIG_COMMANDS) {
    out.push(`  ${c}:`);
    let groups: string[] = [];
    for (const k of keysOf(c)) {
      const parts = k.path.split('.');
      const parents = parts.slice(0, -1);
      // Open the groups this key needs that the previous key did not.
      let same = 0;
      while (same < parents.length && same < groups.length && parents[same] === groups[same]) same++;
      // Groups are written (empty, they set nothing) so that uncommenting one setting is enough.
      for (let i = same; i < parents.length; i++) out.push(`${'  '.repeat(i + 2)}${parents[i]}:`);
      groups = parents;
      out.push(
        `${'  '.repeat(parents.length + 2)}# ${parts[parts.length - 1]}: ${sampleOf(k)}   # --${k.flag}: ${k.help}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** `aicr config init`: writes the starter file; never over an existing one (exit 2 naming it). */
export async function runConfigInit(output: string | undefined): Promise<string> {
  const text = starterConfig();
  if (output === '-') {
    writeStdout(text);
    return '-';
  }
  const target = output ?? defaultConfigPath();
  if (!target)
    throw invalid(
      'cannot tell where the configuration belongs: set HOME or XDG_CONFIG_HOME, or pass --output',
    );
  let there = false;
  try {
    await lstat(target);
    there = true;
  } catch {
    there = false;
  }
  if (there) {
    throw invalid(
      `configuration file ${target} already exists; aicr config init never overwrites: edit it, or remove it first`,
    );
  }
  // The per-user folder (~/.config/aicr) is aicr's own: created when missing. An --output folder is not.
  if (!output) await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await writeFileSafe(target, text);
  return target;
}
