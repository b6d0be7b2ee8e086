import type { Candidate, CandidateList } from '../types.js';

/**
 * Binary encoding of one user's candidate list, shared by the Redis and DynamoDB candidate stores.
 * It is about half the size of the JSON text for 100 candidates with a few per-source extras,
 * because scores travel as 8-byte floats instead of 17-digit decimals and extras names once per list.
 *
 * Layout (little-endian):
 *   u8  format (1)
 *   u32 n, the number of candidates
 *   u16 k, the number of extras names; then k × (u16 byte length, UTF-8 name)
 *   n × (u16 byte length, UTF-8 item id)
 *   n × f64 score
 *   k × n × f64 extras value, NaN where a candidate lacks that name
 */
const FORMAT = 1;
const MAX_STRING_BYTES = 0xffff;

export function encodeCandidates(list: CandidateList): Buffer {
  const items = list.items;
  const names = extrasNames(items);
  const nameBytes = names.map((name) => Buffer.from(name, 'utf8'));
  const idBytes = items.map((item, i) => {
    validateCandidate(list.userId, item, i);
    return Buffer.from(item.itemId, 'utf8');
  });
  for (const bytes of [...nameBytes, ...idBytes]) {
    if (bytes.length > MAX_STRING_BYTES) {
      throw new RangeError(`candidate list of user ${list.userId} has an item id or extras name longer than ${MAX_STRING_BYTES} bytes`);
    }
  }

  const stringBytes = [...nameBytes, ...idBytes].reduce((sum, b) => sum + 2 + b.length, 0);
  const out = Buffer.allocUnsafe(1 + 4 + 2 + stringBytes + 8 * items.length * (1 + names.length));
  let offset = out.writeUInt8(FORMAT, 0);
  offset = out.writeUInt32LE(items.length, offset);
  offset = out.writeUInt16LE(names.length, offset);
  for (const bytes of [...nameBytes, ...idBytes]) {
    offset = out.writeUInt16LE(bytes.length, offset);
    offset += bytes.copy(out, offset);
  }
  for (const item of items) offset = out.writeDoubleLE(item.score, offset);
  for (const name of names) {
    for (const item of items) offset = out.writeDoubleLE(item.extras?.[name] ?? Number.NaN, offset);
  }
  return out;
}

export function decodeCandidates(payload: Uint8Array): Candidate[] {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (data.length < 7 || data.readUInt8(0) !== FORMAT) {
    throw new Error(`stored candidate list has an unknown format (first byte ${data.length > 0 ? data.readUInt8(0) : 'missing'}, expected ${FORMAT}); rewrite the candidate version`);
  }
  const count = data.readUInt32LE(1);
  const nameCount = data.readUInt16LE(5);
  const strings = readStrings(data, 7, nameCount + count);
  const names = strings.values.slice(0, nameCount);
  const scoresAt = strings.end;
  const extrasAt = scoresAt + 8 * count;

  const candidates: Candidate[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const itemId = strings.values[nameCount + i];
    const score = data.readDoubleLE(scoresAt + 8 * i);
    let extras: Record<string, number> | undefined;
    for (let j = 0; j < nameCount; j++) {
      const value = data.readDoubleLE(extrasAt + 8 * (j * count + i));
      if (Number.isNaN(value)) continue;
      extras ??= {};
      extras[names[j]] = value;
    }
    // A candidate written without extras (or with an empty object) reads back without them.
    candidates[i] = extras === undefined ? { itemId, score } : { itemId, score, extras };
  }
  return candidates;
}

/**
 * Reads `count` length-prefixed UTF-8 strings starting at `offset`. When every byte of the run is
 * ASCII, the run is decoded with one call and the strings are cut from it, which saves a native
 * call per string (100 per candidate list).
 */
function readStrings(data: Buffer, offset: number, count: number): { values: string[]; end: number } {
  const starts = new Int32Array(count);
  const lengths = new Int32Array(count);
  let at = offset;
  for (let k = 0; k < count; k++) {
    const length = data.readUInt16LE(at);
    starts[k] = at + 2;
    lengths[k] = length;
    at += 2 + length;
  }
  const values: string[] = new Array(count);
  if (isAscii(data, offset, at)) {
    const text = data.toString('latin1', offset, at);
    for (let k = 0; k < count; k++) values[k] = text.slice(starts[k] - offset, starts[k] - offset + lengths[k]);
  } else {
    for (let k = 0; k < count; k++) values[k] = data.toString('utf8', starts[k], starts[k] + lengths[k]);
  }
  return { values, end: at };
}

/** True when the bytes [start, end) are all below 0x80, where Latin-1 and UTF-8 decode alike. */
function isAscii(data: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (data[k] >= 0x80) return false;
  return true;
}

function extrasNames(items: readonly Candidate[]): string[] {
  const names = new Set<string>();
  for (const item of items) {
    if (item.extras) for (const name of Object.keys(item.extras)) names.add(name);
  }
  return [...names];
}

function validateCandidate(userId: string, item: Candidate, index: number): void {
  if (typeof item.itemId !== 'string' || item.itemId === '') {
    throw new TypeError(`candidate ${index} of user ${userId} has an empty or non-string item id`);
  }
  if (!Number.isFinite(item.score)) {
    throw new RangeError(`candidate ${item.itemId} of user ${userId} has a non-finite score (${item.score})`);
  }
  for (const [name, value] of Object.entries(item.extras ?? {})) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(`candidate ${item.itemId} of user ${userId} has a non-finite extras value ${name}=${String(value)}`);
    }
  }
}

/** Validates a user id and a list before any of a batch is written. */
export function validateCandidateList(list: CandidateList, index: number): void {
  if (typeof list.userId !== 'string' || list.userId === '') {
    throw new TypeError(`candidate list ${index} has an empty or non-string user id`);
  }
  if (!Array.isArray(list.items)) {
    throw new TypeError(`candidate list of user ${list.userId} has no items array`);
  }
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units; spreads user ids over buckets. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
