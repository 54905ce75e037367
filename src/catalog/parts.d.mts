export type CatalogPart = 'index' | 'values' | 'manifests';
export declare const CATALOG_PARTS: readonly CatalogPart[];
/** Which precompiled file (`dist/catalog-<part>.json`) holds `rel`, a path relative to recipes/. */
export declare function catalogPart(rel: string): CatalogPart;
