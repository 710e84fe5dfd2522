/** Heredoc terminator; no rendered file contains it on a line of its own. */
const EOF_MARK = 'WSLB_EOF';

/**
 * A shell command that writes `content` to `path` with `mode`. The heredoc is quoted so the shell
 * expands nothing; CloudFormation has already substituted any token by then.
 */
export function writeFileCommand(path: string, content: string, mode = '0644'): string {
  if (content.split('\n').includes(EOF_MARK)) throw new Error(`${path}: content holds the heredoc marker`);
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `install -D -m ${mode} /dev/null ${path}\ncat > ${path} <<'${EOF_MARK}'\n${body}${EOF_MARK}`;
}

/** Copy an S3 object to a local file with the instance role (AWS CLI v2 ships with AL2023). */
export function s3CopyCommand(bucketName: string, key: string, localFile: string, region: string): string {
  return `aws s3 cp 's3://${bucketName}/${key}' '${localFile}' --region ${region} --only-show-errors`;
}

/** A systemd `EnvironmentFile`: `KEY=value` lines, absent values left out. Values are never secrets. */
export function envFileText(env: object): string {
  return `${Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}
