// The dispatcher's public module: what the api may import (queue and index writes, offer decisions).
export * from './queue/dispatch-queue.js';
