export * from './exposure-window.js';
