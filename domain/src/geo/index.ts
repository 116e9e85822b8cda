export * from './h3-resolutions.js';
export * from './lat-lng.js';
