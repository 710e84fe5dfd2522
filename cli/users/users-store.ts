import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseUsers, type UsersDocument } from '../../runtime/auth/credentials';
import { CliError } from '../errors';

/** The users document as read, with what a later write needs to notice a change made in between. */
export interface UsersSnapshot {
  document: UsersDocument;
  /** The file did not exist (a write creates it). */
  missing: boolean;
  /** Secrets Manager: the version read. File: the text read. */
  readonly token: string | undefined;
}

/** Where the auth service's users live: the deployed secret, or a file the local cluster reads. */
export interface UsersStore {
  /** For messages, e.g. `secret wslb-users` or `file ./users.json`. */
  readonly description: string;
  read(): Promise<UsersSnapshot>;
  /** Write `document`; throws {@link CliError} when the store changed since `read` was taken. */
  write(document: UsersDocument, read: UsersSnapshot): Promise<void>;
}

const serialize = (document: UsersDocument) => `${JSON.stringify(document, null, 2)}\n`;

function parse(text: string, description: string): UsersDocument {
  try {
    return parseUsers(text);
  } catch (err) {
    throw new CliError(`${description}: ${(err as Error).message}`);
  }
}

/**
 * The deployed users secret (the stack's `UsersSecretArn` output). Secrets Manager has no conditional write,
 * so after `PutSecretValue` the store checks the version stages: the new version must be AWSCURRENT and the
 * version read must be AWSPREVIOUS, or someone else wrote in between and one of the two changes was lost.
 */
export class SecretsManagerUsersStore implements UsersStore {
  readonly description: string;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {
    this.description = `secret ${secretId}`;
  }

  async read(): Promise<UsersSnapshot> {
    const out = await this.client
      .send(new GetSecretValueCommand({ SecretId: this.secretId }))
      .catch((err: Error) => {
        throw new CliError(`cannot read ${this.description}`, { cause: err });
      });
    if (out.SecretString === undefined) throw new CliError(`${this.description} has no SecretString`);
    return { document: parse(out.SecretString, this.description), missing: false, token: out.VersionId };
  }

  async write(document: UsersDocument, read: UsersSnapshot): Promise<void> {
    const put = await this.client
      .send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          SecretString: JSON.stringify(document),
          ClientRequestToken: randomUUID(),
        }),
      )
      .catch((err: Error) => {
        throw new CliError(`cannot write ${this.description}`, { cause: err });
      });
    const described = await this.client
      .send(new DescribeSecretCommand({ SecretId: this.secretId }))
      .catch((err: Error) => {
        throw new CliError(`wrote version ${put.VersionId} of ${this.description} but cannot check it`, {
          cause: err,
        });
      });
    const stages = described.VersionIdsToStages ?? {};
    const oursCurrent = put.VersionId !== undefined && stages[put.VersionId]?.includes('AWSCURRENT');
    const readPrevious = read.token !== undefined && stages[read.token]?.includes('AWSPREVIOUS');
    if (!oursCurrent || !readPrevious) {
      throw new CliError(
        `${this.description} changed while this command ran (read version ${read.token}, wrote ${put.VersionId}): ` +
          `another change may be lost; check 'wslb users list' and repeat what is missing`,
      );
    }
  }
}

/**
 * A users file for the local cluster (`npm start -- --users <file>`). Written to a temporary file (mode 0600)
 * and renamed over the old one, so a reader never sees half a document; refused if the file changed since
 * it was read.
 */
export class FileUsersStore implements UsersStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `file ${path}`;
  }

  private async text(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CliError(`cannot read ${this.description}`, { cause: err });
    }
  }

  async read(): Promise<UsersSnapshot> {
    const text = await this.text();
    if (text === undefined) return { document: { users: {} }, missing: true, token: undefined };
    return { document: parse(text, this.description), missing: false, token: text };
  }

  async write(document: UsersDocument, read: UsersSnapshot): Promise<void> {
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, serialize(document), { mode: 0o600, flag: 'wx' });
      if ((await this.text()) !== read.token) {
        throw new CliError(
          `${this.description} changed while this command ran; nothing written, run it again`,
        );
      }
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot write ${this.description}`, { cause: err });
    }
  }
}
