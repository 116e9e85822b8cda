import { MemoryCourierIndex } from '../../src/index/memory-courier-index.js';
import { courierIndexContract } from './courier-index-contract.js';

courierIndexContract('in-memory', () => {
  let now = 0;
  const index = new MemoryCourierIndex({ clock: () => now });
  return { index, setNow: (ms) => (now = ms) };
});
