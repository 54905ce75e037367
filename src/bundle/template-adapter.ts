/** Adapter between manifest rendering and the Go-template engine (src/template, Helm mode). */
import { renderTemplate as render } from '../template/index.js';
import type { PlainMap } from '../util/objects.js';

export function renderTemplate(name: string, text: string, data: PlainMap): string {
  return render(text, data, { name });
}
