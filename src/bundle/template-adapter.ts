/** Adapter between manifest rendering and the Go-template engine (src/template). */
import { internal } from '../errors/index.js';
import type { PlainMap } from '../util/objects.js';

export function renderTemplate(name: string, _text: string, _data: PlainMap): string {
  throw internal(`cannot render ${name}: the template engine is not available in this build`);
}
