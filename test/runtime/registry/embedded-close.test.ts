import type { Server } from 'node:http';
import { startEmbeddedRegistry } from '../../../runtime/registry';

const servers: Server[] = [];
jest.mock('dynalite', () => {
  const real = jest.requireActual('dynalite');
  return (opts: object) => {
    const server = real(opts);
    servers.push(server);
    return server;
  };
});

describe('embedded registry close', () => {
  // dynalite's own close() also closes its store; a request it had already read then threw 'Database is not
  // open' from a later tick, uncaught, and ended a chaos run. close() only stops listening.
  it('stops listening without closing the store under requests it already read', async () => {
    const registry = await startEmbeddedRegistry();
    const dynaliteClose = jest.spyOn(servers[0], 'close');
    await registry.close();
    expect(servers[0].listening).toBe(false);
    expect(dynaliteClose).not.toHaveBeenCalled();
    await expect(fetch(registry.endpoint)).rejects.toThrow();
  });
});
