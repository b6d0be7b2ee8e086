import { describe, expect } from 'vitest';
import type { Candidate, CandidateList, CandidateStore } from '../../src/store/types.js';
import { defineCase, type StoreFactory } from './conformance.js';

function candidates(prefix: string, count: number, withExtras = true): Candidate[] {
  return Array.from({ length: count }, (_, i) => ({
    itemId: `${prefix}-item-${String(i).padStart(3, '0')}`,
    score: 1 - i / 1024 + 1e-12 * i,
    ...(withExtras ? { extras: { als_score: 0.5 - i * 0.001, als_rank: i + 1 } } : {}),
  }));
}

function lists(version: string, users: number, perUser = 5): CandidateList[] {
  return Array.from({ length: users }, (_, u) => ({ userId: `u${u}`, items: candidates(`${version}-u${u}`, perUser) }));
}

async function writeVersion(store: CandidateStore, version: string, data: readonly CandidateList[], activate = true): Promise<void> {
  const writer = await store.beginVersion(version);
  expect(writer.version).toBe(version);
  await writer.write(data);
  await writer.commit();
  if (activate) await store.activate(version);
}

/** Registers the CandidateStore contract for one backend. */
export function candidateStoreConformance(name: string, factory: StoreFactory<CandidateStore>): void {
  describe(`CandidateStore conformance: ${name}`, () => {
    defineCase(factory, 'empty store has no active version', async (store) => {
      expect(await store.activeVersion()).toBeNull();
      expect(await store.listVersions()).toEqual([]);
      expect(await store.get('u0')).toBeNull();
    });

    defineCase(factory, 'round-trips lists exactly', async (store) => {
      const data: CandidateList[] = [
        { userId: 'u0', items: candidates('a', 100) },
        { userId: 'ユーザー', items: [{ itemId: 'é/ü#1', score: -3.25 }, { itemId: 'x', score: 1e-300 }] },
        { userId: 'u-empty', items: [] },
        { userId: 'u-mixed', items: [{ itemId: 'p', score: 2, extras: { pop_rank: 1 } }, { itemId: 'q', score: 1, extras: { als_rank: 7 } }] },
      ];
      await writeVersion(store, 'v1', data);
      for (const list of data) expect(await store.get(list.userId)).toEqual(list.items);
      expect(await store.get('nobody')).toBeNull();
    });

    defineCase(factory, 'version invisible until activate', async (store) => {
      await writeVersion(store, 'v1', lists('v1', 3));
      const writer = await store.beginVersion('v2');
      await writer.write(lists('v2', 3));
      expect(await store.get('u1')).toEqual(lists('v1', 3)[1].items);
      expect(await store.listVersions()).toEqual(['v1']);
      await writer.commit();
      expect(await store.activeVersion()).toBe('v1');
      expect(await store.get('u1')).toEqual(lists('v1', 3)[1].items);
      expect(await store.listVersions()).toEqual(['v1', 'v2']);
      expect(await store.get('u1', 'v2')).toEqual(lists('v2', 3)[1].items);

      await store.activate('v2');
      expect(await store.activeVersion()).toBe('v2');
      expect(await store.get('u1')).toEqual(lists('v2', 3)[1].items);
      expect(await store.get('u1', 'v1')).toEqual(lists('v1', 3)[1].items);
    });

    defineCase(factory, 'activate rejects unknown and uncommitted', async (store) => {
      await expect(store.activate('missing')).rejects.toThrow();
      const writer = await store.beginVersion('v1');
      await writer.write(lists('v1', 2));
      await expect(store.activate('v1')).rejects.toThrow();
      expect(await store.activeVersion()).toBeNull();
      expect(await store.get('u0')).toBeNull();
    });

    defineCase(factory, 'flip is atomic for readers', async (store) => {
      const users = 50;
      await writeVersion(store, 'v1', lists('v1', users));
      await writeVersion(store, 'v2', lists('v2', users), false);
      const expected = new Map([
        ['v1', lists('v1', users)],
        ['v2', lists('v2', users)],
      ]);
      let flipped = false;
      const reads = (async () => {
        const seen: string[] = [];
        for (let round = 0; round < 20 && !(flipped && seen.at(-1) === 'v2'); round++) {
          for (let u = 0; u < users; u += 7) {
            const got = await store.get(`u${u}`);
            expect(got).not.toBeNull();
            const version = got![0].itemId.split('-')[0];
            expect(got).toEqual(expected.get(version)![u].items);
            seen.push(version);
          }
        }
        return seen;
      })();
      await store.activate('v2');
      flipped = true;
      await reads;
      expect(await store.get('u3')).toEqual(lists('v2', users)[3].items);
    });

    defineCase(factory, 'lists committed versions oldest first', async (store) => {
      await writeVersion(store, 'b-first', lists('b', 1), false);
      await writeVersion(store, 'a-second', lists('a', 1), false);
      const pending = await store.beginVersion('c-pending');
      await pending.write(lists('c', 1));
      expect(await store.listVersions()).toEqual(['b-first', 'a-second']);
      await pending.abort();
    });

    defineCase(factory, 'deletes only a non-active version', async (store) => {
      await writeVersion(store, 'v1', lists('v1', 3));
      await writeVersion(store, 'v2', lists('v2', 3), false);
      await expect(store.deleteVersion('v1')).rejects.toThrow();
      expect(await store.get('u0')).toEqual(lists('v1', 3)[0].items);
      await store.deleteVersion('v2');
      expect(await store.listVersions()).toEqual(['v1']);
      expect(await store.get('u0', 'v2')).toBeNull();
      await expect(store.activate('v2')).rejects.toThrow();
    });

    defineCase(factory, 'abort discards written lists', async (store) => {
      await writeVersion(store, 'v1', lists('v1', 2));
      const writer = await store.beginVersion('v2');
      await writer.write(lists('v2', 2));
      await writer.abort();
      expect(await store.listVersions()).toEqual(['v1']);
      expect(await store.get('u0', 'v2')).toBeNull();
      await expect(store.activate('v2')).rejects.toThrow();
      expect(await store.get('u0')).toEqual(lists('v1', 2)[0].items);
    });

    defineCase(factory, 'writes many users in batches', async (store) => {
      const data = lists('big', 1_500, 20);
      const writer = await store.beginVersion('big');
      for (let start = 0; start < data.length; start += 500) await writer.write(data.slice(start, start + 500));
      await writer.commit();
      await store.activate('big');
      for (const u of [0, 1, 499, 500, 1_499]) expect(await store.get(`u${u}`)).toEqual(data[u].items);
    });

    defineCase(factory, 'later write of a user wins', async (store) => {
      const writer = await store.beginVersion('v1');
      await writer.write([{ userId: 'u0', items: candidates('old', 3) }]);
      await writer.write([{ userId: 'u0', items: candidates('new', 2) }]);
      await writer.commit();
      await store.activate('v1');
      expect(await store.get('u0')).toEqual(candidates('new', 2));
    });

    defineCase(factory, 'ping and close are idempotent', async (store) => {
      await store.ping();
      await store.ping();
      await store.close();
      await store.close();
    });
  });
}
