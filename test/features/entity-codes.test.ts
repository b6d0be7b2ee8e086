import { describe, expect, it } from 'vitest';
import { EntityCodes } from '../../src/features/entity-codes.js';

describe('EntityCodes', () => {
  it('assigns codes in order of first insertion across growth', () => {
    const codes = new EntityCodes(4);
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${(i * 7919) % 5000}`);
    ids.forEach((id, i) => expect(codes.intern(id)).toBe(i));
    expect(codes.size).toBe(5000);
    ids.forEach((id, i) => expect(codes.intern(`${id}`)).toBe(i));
    expect(codes.size).toBe(5000);
  });

  it('returns -1 for unknown ids', () => {
    const codes = new EntityCodes();
    codes.intern('a');
    expect(codes.get('b')).toBe(-1);
    expect(codes.get('')).toBe(-1);
    expect(codes.get('a')).toBe(0);
  });

  it('looks up runs of equal ids', () => {
    const codes = new EntityCodes();
    codes.intern('x');
    codes.intern('é');
    expect(Array.from(codes.lookupAll(['x', 'x', 'é', 'nope', 'nope', 'x']))).toEqual([0, 0, 1, -1, -1, 0]);
  });
});
