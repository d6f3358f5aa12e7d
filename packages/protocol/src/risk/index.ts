/**
 * Risk scoring: exposure windows, device calibration and attenuation, versioned configurations
 * (Corona-Warn-App parameter model) and the scoring itself. Entry points:
 * {@link scoreExposureWindows} and {@link riskAttenuation}.
 *
 * @module
 */
export * from './calibration.js';
export * from './calibration-data.js';
export * from './config.js';
export * from './exposure-window.js';
export * from './presets.js';
export * from './score.js';
export * from './validation.js';
export * from './window-input.js';
