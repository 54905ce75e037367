/**
 * The one list rule of repeatable flags (`--phase`, `--node-selector`, `--image-pull-secret`, …): every
 * value also splits on commas; entries are trimmed and empty entries dropped.
 */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
