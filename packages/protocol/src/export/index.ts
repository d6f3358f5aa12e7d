// Filled in by the export work.
export {};
