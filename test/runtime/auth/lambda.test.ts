import { handler } from '../../../runtime/auth/lambda';
import { DynamoDbRegistry, type EmbeddedRegistry, startEmbeddedRegistry } from '../../../runtime/registry';
import { type AuthFiles, writeAuthFiles } from '../../helpers/auth-fixture';

describe('Lambda adapter (Function URL / HTTP API v2 events)', () => {
  let files: AuthFiles;
  let embedded: EmbeddedRegistry;
  const saved = { ...process.env };

  beforeAll(async () => {
    files = await writeAuthFiles();
    embedded = await startEmbeddedRegistry('lambda-nodes');
    await new DynamoDbRegistry({ tableName: embedded.tableName, endpoint: embedded.endpoint }).heartbeat({
      nodeId: 'node-a',
      endpoint: 'ws://127.0.0.1:9',
      publicEndpoint: 'ws://127.0.0.1:9',
      connections: 0,
      capacity: 10,
      state: 'active',
    });
    Object.assign(process.env, {
      STRATEGY: 'direct',
      ...files.env,
      REGISTRY_TABLE: embedded.tableName,
      REGISTRY_ENDPOINT: embedded.endpoint,
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await embedded.close();
    files.remove();
  });

  const event = (body: string | undefined, over: object = {}) => ({
    rawPath: '/session',
    body,
    isBase64Encoded: false,
    headers: { 'content-type': 'application/json' },
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/session' } },
    ...over,
  });

  it('answers a session request, also with a base64 body', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'wonderland' });
    const plain = await handler(event(body));
    expect(plain.statusCode).toBe(200);
    expect(JSON.parse(plain.body)).toMatchObject({ url: 'ws://127.0.0.1:9', node: 'node-a' });
    const encoded = await handler(event(Buffer.from(body).toString('base64'), { isBase64Encoded: true }));
    expect(encoded.statusCode).toBe(200);
  });

  it('maps errors to statuses', async () => {
    expect((await handler(event('{'))).statusCode).toBe(400);
    expect((await handler(event('x'.repeat(17_000)))).statusCode).toBe(413);
    const get = await handler(event(undefined, { requestContext: { http: { method: 'GET' } } }));
    expect(get.statusCode).toBe(405);
  });
});
