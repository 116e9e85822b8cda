export * from './api.js';
export * from './map.js';
export * from './socket.js';
