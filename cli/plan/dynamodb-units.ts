/**
 * DynamoDB request-unit arithmetic (Developer Guide, "Item sizes and formats" and "Read/write capacity
 * mode"): a write costs one WRU per started KB of the item; a strongly consistent Scan costs one RRU per
 * started 4 KB of the items it reads, summed over the page.
 */

type Scalar = string | number;

/** Bytes of one scalar value as DynamoDB counts them. */
function valueBytes(value: Scalar): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  // A number takes about one byte per two significant digits, plus one.
  const digits = String(Math.abs(value)).replace(/[.-]/g, '').replace(/^0+/, '').replace(/0+$/, '').length;
  return Math.ceil(Math.max(1, digits) / 2) + 1;
}

/**
 * Size of an item as DynamoDB counts it: each attribute's name (UTF-8) plus its value; a map value is 3 bytes
 * plus, per entry, its name, its value and 1 byte.
 */
export function itemBytes(item: Readonly<Record<string, Scalar | Readonly<Record<string, Scalar>>>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'object') {
      bytes += 3;
      for (const [key, inner] of Object.entries(value))
        bytes += Buffer.byteLength(key) + valueBytes(inner) + 1;
    } else bytes += valueBytes(value);
  }
  return bytes;
}

export const writeUnits = (itemSize: number) => Math.ceil(itemSize / 1024);

/** RRUs of one strongly consistent Scan over `items` items of `itemSize` bytes (1 MB pages). */
export function consistentScanReadUnits(items: number, itemSize: number): number {
  const perPage = Math.max(1, Math.floor((1024 * 1024) / itemSize));
  let units = 0;
  for (let left = items; left > 0; left -= perPage)
    units += Math.ceil((Math.min(left, perPage) * itemSize) / 4096);
  return Math.max(1, units);
}

/**
 * RRUs of one eventually consistent Scan (what the auth's registry read uses, decision 0166): half of the
 * strongly consistent figure, as DynamoDB bills an eventually consistent read at half a unit per 4 KB.
 */
export const eventuallyConsistentScanReadUnits = (items: number, itemSize: number): number =>
  consistentScanReadUnits(items, itemSize) / 2;
