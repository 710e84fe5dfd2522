import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Leak {
  source: string;
  line: number;
  what: string;
}

/** A JWT's signature: 43 base64url characters for HS256. A log holding it holds the token. */
const signatureOf = (token: string) => token.split('.')[2] ?? token;
const RUNS = /[A-Za-z0-9_-]{20,}/g;

/**
 * Scenario 8's evidence, gathered by every scenario before it removes its run: the log lines it
 * produced and the secrets they must not contain (tokens, passwords, signing keys).
 */
export class SecretLedger {
  lines = 0;
  files = 0;
  secretsChecked = 0;
  tokensChecked = 0;
  readonly leaks: Leak[] = [];
  readonly sources = new Set<string>();

  /**
   * Scans `texts` (source name → log text) for `secrets` (label → value) and `tokens`. Secrets are
   * matched as substrings; tokens by their signature, found as a base64url run in the line.
   */
  scan(texts: Record<string, string>, secrets: Record<string, string>, tokens: Iterable<string> = []): void {
    const signatures = new Set([...tokens].map(signatureOf));
    const values = Object.entries(secrets).filter(([, v]) => v.length >= 8);
    this.secretsChecked += values.length;
    this.tokensChecked += signatures.size;
    for (const [source, text] of Object.entries(texts)) {
      this.files += 1;
      this.sources.add(source.replace(/-\d+\.log$/, '-N.log'));
      text.split('\n').forEach((line, i) => {
        if (!line) return;
        this.lines += 1;
        for (const [label, value] of values) {
          if (line.includes(value)) this.leaks.push({ source, line: i + 1, what: label });
        }
        for (const run of line.match(RUNS) ?? []) {
          for (const part of signatures.size ? [run, run.slice(-43)] : []) {
            if (signatures.has(part)) this.leaks.push({ source, line: i + 1, what: 'session token' });
          }
        }
      });
    }
  }
}

/** Every `*.log` in a folder, by file name. */
export function readLogs(dir: string, prefix = ''): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
    out[`${prefix}${f}`] = readFileSync(join(dir, f), 'utf8');
  }
  return out;
}

/** The forms a key might be printed in: as stored, and its bytes (the UTF-8 of the string) in base64 and hex. */
export function keyForms(label: string, stored: string): Record<string, string> {
  const raw = Buffer.from(stored, 'utf8');
  return {
    [`${label} (as stored)`]: stored,
    [`${label} (base64)`]: raw.toString('base64').replace(/=+$/, ''),
    [`${label} (hex)`]: raw.toString('hex'),
  };
}
