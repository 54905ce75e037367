/** Go-style durations (`90s`, `5m`, `1h30m`, `1.5h`, `250ms`, `0`): the one parser in src/util/duration.ts. */
export { parseDuration, formatDuration, MAX_TIMER_MS } from '../util/duration.js';
