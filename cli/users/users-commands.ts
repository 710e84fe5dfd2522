import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { normalizeUsername, usernameSchema } from '../../runtime/auth/credentials';
import { hashParams, hashPassword } from '../../runtime/auth/password-hash';
import { DEPLOYED_SCRYPT } from '../../runtime/contract/scrypt';
import { awsClientConfig } from '../../runtime/shared/aws-client';
import { type CommandGroup, command, type FlagValues, flag } from '../command';
import { CliError, UsageError } from '../errors';
import { type CliIo, progress } from '../io';
import { renderTable } from '../table';
import { readNewPassword } from './password-input';
import { FileUsersStore, SecretsManagerUsersStore, type UsersStore } from './users-store';

const storeFlags = {
  'secret-id': flag.string('the deployed users secret: the stack output UsersSecretArn, or the secret name', {
    value: 'ARN',
    accepts: 'a secret ARN or name',
  }),
  file: flag.string('a users file for the local cluster (npm start -- --users FILE)', {
    value: 'PATH',
    accepts: 'a file path',
  }),
  region: flag.string('AWS region of the secret (default: the SDK chain: AWS_REGION, profile)', {
    value: 'REGION',
    accepts: 'a region name like eu-west-1',
    pattern: /^[a-z]{2}(-[a-z]+)+-\d$/,
  }),
};

type StoreFlags = FlagValues<typeof storeFlags>;

const STORE_NOTE =
  'Give exactly one of --secret-id (the deployed secret; AWS credentials from the usual SDK chain) or --file.';

/** The store the flags name; a usage error unless exactly one of --secret-id and --file is given. */
export function openUsersStore(flags: StoreFlags, name: string): { store: UsersStore; close(): void } {
  if ((flags['secret-id'] === undefined) === (flags.file === undefined)) {
    throw new UsageError('give exactly one of --secret-id and --file', name);
  }
  if (flags.file !== undefined) {
    if (flags.region !== undefined) throw new UsageError('--region: applies only with --secret-id', name);
    return { store: new FileUsersStore(flags.file), close: () => {} };
  }
  const client = new SecretsManagerClient(awsClientConfig({ region: flags.region }));
  return { store: new SecretsManagerUsersStore(client, flags['secret-id']!), close: () => client.destroy() };
}

async function withStore<T>(flags: StoreFlags, name: string, use: (store: UsersStore) => Promise<T>) {
  const { store, close } = openUsersStore(flags, name);
  try {
    return await use(store);
  } finally {
    close();
  }
}

/** The name in its one form (NFC), or a UsageError saying what a name may hold. */
function checkUsername(username: string, name: string): string {
  const normalized = normalizeUsername(username);
  if (!usernameSchema.safeParse(normalized).success) {
    throw new UsageError(
      `<username>: got ${JSON.stringify(username)}; accepted: 1 to 128 characters, no control or format characters`,
      name,
    );
  }
  return normalized;
}

const add = command({
  path: ['users', 'add'],
  summary: 'Add a user (or, with --replace, set a new password for one).',
  positionals: [
    {
      name: 'username',
      help: 'the name the user logs in with (1-128 characters, no control or format characters; stored in Unicode NFC form)',
    },
  ],
  flags: { ...storeFlags, replace: flag.boolean('set a new password if the user exists (else: refused)') },
  notes: [
    STORE_NOTE,
    'The password is read without echo at a prompt on a terminal, else from stdin ' +
      `(printf '%s' "$PASSWORD" | wslb users add NAME ...); never from the command line. It is hashed with ` +
      `scrypt N=2^${Math.log2(DEPLOYED_SCRYPT.N)}, r=${DEPLOYED_SCRYPT.r}, p=${DEPLOYED_SCRYPT.p}, what the auth service checks.`,
    'Running auth instances read the users when they start: a new user can log in from the next new instance.',
  ],
  async run({ flags, positionals: [given] }, io) {
    const name = 'wslb users add';
    const username = checkUsername(given!, name);
    return withStore(flags, name, async (store) => {
      const before = await store.read();
      const exists = Object.hasOwn(before.document.users, username);
      if (exists && !flags.replace) {
        throw new CliError(
          `${username} already exists in ${store.description}; --replace sets a new password`,
        );
      }
      const password = await readNewPassword(io);
      progress(io, `hashing the password (scrypt N=2^${Math.log2(DEPLOYED_SCRYPT.N)})…`);
      const hash = await hashPassword(password, DEPLOYED_SCRYPT);
      // Read again just before writing: the prompt may have taken minutes.
      const latest = await store.read();
      const users = { ...latest.document.users, [username]: hash };
      await store.write({ users }, latest);
      progress(io, `${exists ? 'replaced' : 'added'} ${username} in ${store.description}`);
      return 0;
    });
  },
});

const remove = command({
  path: ['users', 'remove'],
  summary: 'Remove a user.',
  positionals: [{ name: 'username', help: 'the user to remove' }],
  flags: storeFlags,
  notes: [STORE_NOTE, 'A removed user keeps a session it holds until its token or connection ends.'],
  async run({ flags, positionals: [given] }, io) {
    const name = 'wslb users remove';
    const username = checkUsername(given!, name);
    return withStore(flags, name, async (store) => {
      const before = await store.read();
      if (before.missing) throw new CliError(`${store.description} does not exist`);
      if (!Object.hasOwn(before.document.users, username)) {
        throw new CliError(`no user ${username} in ${store.description}`);
      }
      const users = { ...before.document.users };
      delete users[username];
      await store.write({ users }, before);
      progress(io, `removed ${username} from ${store.description}`);
      return 0;
    });
  },
});

/** One user as `list` shows it: never the hash, only its cost (a cheap one is worth noticing). */
export interface UserEntry {
  username: string;
  scrypt: { N: number; r: number; p: number };
  /**
   * Whether the hash has the deployed parameters. Other ones still log in, but the time a check takes tells
   * such a user apart from unknown names (docs/auth.md): re-add it with --replace.
   */
  deployedCost: boolean;
}

const list = command({
  path: ['users', 'list'],
  summary: 'List the users and the scrypt cost of each hash (never the hashes).',
  flags: { ...storeFlags, json: flag.boolean('print {"users":[{username, scrypt:{N,r,p}}]} for scripts') },
  notes: [STORE_NOTE],
  async run({ flags }, io) {
    return withStore(flags, 'wslb users list', async (store) => {
      const { document, missing } = await store.read();
      if (missing) throw new CliError(`${store.description} does not exist`);
      const users: UserEntry[] = Object.entries(document.users)
        .map(([username, hash]) => {
          const scrypt = hashParams(hash);
          const deployedCost =
            scrypt.N === DEPLOYED_SCRYPT.N &&
            scrypt.r === DEPLOYED_SCRYPT.r &&
            scrypt.p === DEPLOYED_SCRYPT.p;
          return { username, scrypt, deployedCost };
        })
        .sort((a, b) => a.username.localeCompare(b.username));
      writeUsers(io, users, flags.json);
      return 0;
    });
  },
});

function writeUsers(io: CliIo, users: UserEntry[], json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify({ users })}\n`);
    return;
  }
  const rows = users.map((u) => [
    u.username,
    `2^${Math.log2(u.scrypt.N)}`,
    String(u.scrypt.r),
    String(u.scrypt.p),
    u.deployedCost ? 'yes' : 'no: re-add with --replace',
  ]);
  io.stdout.write(renderTable(['username', 'scrypt N', 'r', 'p', 'deployed cost'], rows, io));
}

export const usersCommands: CommandGroup = {
  kind: 'group',
  path: ['users'],
  summary: 'Manage the users the auth service accepts: the deployed secret or a local users file.',
  commands: [add, remove, list],
};
