// Filled in by the matching work.
export {};
