// Filled in by the verification work.
export {};
