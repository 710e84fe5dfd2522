/**
 * The browser entry (`wslb/client` under the `browser` and default conditions): the client core on the page's
 * own `fetch` and `WebSocket`, with no Node import. Node programs get `./node.ts` (the same API on `ws`).
 */
export * from './index.js';
