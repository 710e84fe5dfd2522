import { parseLocalArgs } from '../../../runtime/local/args';
import { refusal } from './local-args-refusal';

describe('npm start -- --app / --upstream', () => {
  it('takes the example folder and a loopback upstream', () => {
    expect(parseLocalArgs(['--app', 'examples/chat']).app).toBe('examples/chat');
    expect(parseLocalArgs(['--upstream', 'ws://127.0.0.1:9000']).upstream).toBe('ws://127.0.0.1:9000');
  });

  it('refuses a path that leads to no module, naming --app', () => {
    expect(refusal(['--app', './src/ws-app.ts'])).toMatch(
      /^--app: "\.\/src\/ws-app\.ts": does not exist; accepted: /,
    );
  });

  it('refuses an upstream off this host, naming --upstream', () => {
    expect(refusal(['--upstream', 'ws://10.0.0.5:9000'])).toMatch(/^--upstream: the host must be loopback/);
  });

  it('refuses both at once', () => {
    expect(refusal(['--app', 'examples/chat', '--upstream', 'ws://127.0.0.1:9000'])).toBe(
      '--app, --upstream: one or the other',
    );
  });
});
