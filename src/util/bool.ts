/** The one boolean text rule (Go's strconv.ParseBool): flags, `--set …:enabled=` and environment variables. */
const TRUE_WORDS = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE_WORDS = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** true / false, or undefined when `text` is not a boolean word. */
export function boolWord(text: string): boolean | undefined {
  if (TRUE_WORDS.includes(text)) return true;
  if (FALSE_WORDS.includes(text)) return false;
  return undefined;
}
