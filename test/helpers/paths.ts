/** Well-known paths for tests: the repository root, its fixtures and the read-only `../shared` folder beside it. */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** `../shared` next to the checkout (override with AICR_SHARED_DIR). */
export const sharedDir = process.env.AICR_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
/** Fixtures kept in the repository (test/fixtures): real captures and sample documents. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
/** The embedded catalog's overlays (recipes/overlays). */
export const embeddedOverlaysDir = path.join(repoRoot, 'recipes', 'overlays');
export const referenceCatalogDir = path.join(sharedDir, 'reference', 'aicr-recipes');
export const hasShared = existsSync(referenceCatalogDir);
/** The built CLI (run `npm run build` first; `npm test` does). */
export const cliPath = path.join(repoRoot, 'dist', 'aicr.cjs');
