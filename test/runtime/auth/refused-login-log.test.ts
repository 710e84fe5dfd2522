import { Writable } from 'node:stream';
import pino from 'pino';
import { createAuthService } from '../../../runtime/auth/auth-service';
import { fingerprint } from '../../../runtime/auth/session-handler';
import { authSettingsSchema } from '../../../runtime/auth/settings';
import { type AuthFiles, writeAuthFiles } from '../../helpers/auth-fixture';

let files: AuthFiles;
beforeAll(async () => {
  files = await writeAuthFiles();
});
afterAll(() => files.remove());

describe('refused logins in the auth log', () => {
  it('never carry the username as typed: it may be a password in the wrong field', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const auth = await createAuthService(
      authSettingsSchema.parse({
        STRATEGY: 'direct',
        ...files.env,
        REGISTRY_TABLE: 'unused',
      }),
      pino({ level: 'debug' }, sink),
    );
    try {
      const res = await auth.handle({
        method: 'POST',
        path: '/session',
        body: JSON.stringify({ username: 'wonderland', password: 'wonderland' }),
        headers: { 'content-type': 'application/json' },
        requestId: 'r1',
      });
      expect(res.status).toBe(401);
      expect(text).not.toContain('wonderland');
      expect(text).toContain(fingerprint('wonderland'));
    } finally {
      auth.stop();
    }
  });
});
