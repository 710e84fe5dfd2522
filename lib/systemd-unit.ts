/**
 * systemd unit files from typed input: one renderer for every unit wslb installs, so each unit states the
 * same sections in the same order and nothing is left to string concatenation.
 */

/** A directive's value: one line each, in order (`ExecStartPre=` twice is two entries). */
export type DirectiveValue = string | number | readonly (string | number)[];

export interface SystemdUnit {
  /** `[Unit] Description=`. */
  readonly description: string;
  /** `Wants=` and `After=` this unit starts with. @default - none */
  readonly wants?: readonly string[];
  /** @default - none */
  readonly after?: readonly string[];
  /** `[Service]` directives in the order given (Type, ExecStart, …). */
  readonly service: Readonly<Record<string, DirectiveValue>>;
  /** `[Install] WantedBy=`. @default 'multi-user.target' */
  readonly wantedBy?: string;
}

/** Directive lines of one section: `Key=value`, one per value. */
export function directives(section: Readonly<Record<string, DirectiveValue>>): string[] {
  return Object.entries(section).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => `${key}=${v}`),
  );
}

/**
 * The unit file text.
 * @throws Error when a value holds a line break (it would start a directive of its own)
 */
export function renderUnit(unit: SystemdUnit): string {
  const lines = [
    '[Unit]',
    `Description=${unit.description}`,
    ...(unit.wants?.length ? [`Wants=${unit.wants.join(' ')}`] : []),
    ...(unit.after?.length ? [`After=${unit.after.join(' ')}`] : []),
    '',
    '[Service]',
    ...directives(unit.service),
    '',
    '[Install]',
    `WantedBy=${unit.wantedBy ?? 'multi-user.target'}`,
    '',
  ];
  const broken = lines.find((line) => line.includes('\n'));
  if (broken !== undefined)
    throw new Error(`renderUnit: a value holds a line break: ${JSON.stringify(broken)}`);
  return lines.join('\n');
}
