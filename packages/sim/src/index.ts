/**
 * `@bluezone/sim`: a province's population, a Bluetooth channel model, uptake and an epidemic,
 * driving the real device SDK and server; effectiveness measurements and their report.
 *
 * @module
 */
export * from './channel.js';
export * from './contacts.js';
export * from './data.js';
export * from './population.js';
export * from './prng.js';
export * from './report.js';
export * from './sim-store.js';
export * from './simulate.js';
export * from './system.js';
