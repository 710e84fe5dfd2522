/**
 * `count` and the noun in the number it needs, for human-readable output: `counted(1, 'client')` is "1 client",
 * `counted(0, 'client')` "0 clients"; `plural` is the noun's plural when it is not the noun + "s"
 * (`counted(2, 'abnormal close')` works as is; `counted(3, 'entry', 'entries')`).
 */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
