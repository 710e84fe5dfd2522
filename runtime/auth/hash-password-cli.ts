import { hashPassword, MIN_PASSWORD_LENGTH } from './password-hash';

/**
 * `npm run -s hash-password -- <username>` reads a password from stdin and prints the users-document
 * entry to merge into the users secret (`{"users":{…}}`). The password never appears in argv or logs.
 */
async function main(): Promise<number> {
  const username = process.argv[2];
  if (!username || username.length > 128) {
    process.stderr.write('usage: echo -n "$PASSWORD" | npm run -s hash-password -- <username>\n');
    return 2;
  }
  let password = '';
  for await (const chunk of process.stdin) password += chunk;
  password = password.replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD_LENGTH) {
    process.stderr.write(`password: at least ${MIN_PASSWORD_LENGTH} characters, read from stdin\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify({ [username]: await hashPassword(password) })}\n`);
  return 0;
}

main().then((code) => process.exit(code));
