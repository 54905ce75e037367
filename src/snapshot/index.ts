export { takeSnapshot, runCollector, rfc3339, type SnapshotOptions } from './snapshotter.js';
