import { describe, expect } from 'vitest';
import type { ArtifactStore } from '../../src/store/types.js';
import { defineCase, type StoreFactory } from './conformance.js';

function files(entries: Record<string, string | Uint8Array>): Map<string, Uint8Array> {
  return new Map(Object.entries(entries).map(([name, data]) => [name, typeof data === 'string' ? Buffer.from(data) : data]));
}

const BAD_KEYS = ['', '/leading', 'trailing/', 'a//b', '../escape', 'a/../b', 'a/./b', '.'];

/** Registers the ArtifactStore contract for one backend. */
export function artifactStoreConformance(name: string, factory: StoreFactory<ArtifactStore>): void {
  describe(`ArtifactStore conformance: ${name}`, () => {
    defineCase(factory, 'writes and reads a directory', async (store) => {
      const weights = new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer);
      expect(await store.exists('models/ranker/v1')).toBe(false);
      expect(await store.listFiles('models/ranker/v1')).toEqual([]);
      const location = await store.putDirectory('models/ranker/v1', files({ 'manifest.json': '{"kind":"ranker"}', 'weights.f32': weights, 'maps/items.json': '["a","ü"]' }));
      expect(typeof location).toBe('string');
      expect(location).toContain('models/ranker/v1');
      expect(await store.exists('models/ranker/v1')).toBe(true);
      expect(await store.listFiles('models/ranker/v1')).toEqual(['manifest.json', 'maps/items.json', 'weights.f32']);
      expect((await store.getFile('models/ranker/v1', 'manifest.json')).toString()).toBe('{"kind":"ranker"}');
      expect(new Float32Array(new Uint8Array(await store.getFile('models/ranker/v1', 'weights.f32')).buffer)).toEqual(new Float32Array([1.5, -2, 3.25]));
      expect((await store.getFile('models/ranker/v1', 'maps/items.json')).toString()).toBe('["a","ü"]');
    });

    defineCase(factory, 'missing file is not found', async (store) => {
      await store.putDirectory('k', files({ 'a.txt': 'a' }));
      await expect(store.getFile('k', 'b.txt')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
      await expect(store.getFile('missing', 'a.txt')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
    });

    defineCase(factory, 'replacing a key drops old files', async (store) => {
      await store.putDirectory('models/x', files({ 'old.bin': 'old', 'shared.json': '1' }));
      await store.putDirectory('models/x', files({ 'new.bin': 'new', 'shared.json': '2' }));
      expect(await store.listFiles('models/x')).toEqual(['new.bin', 'shared.json']);
      expect((await store.getFile('models/x', 'shared.json')).toString()).toBe('2');
      await expect(store.getFile('models/x', 'old.bin')).rejects.toMatchObject({ code: 'REC_ERR_MODEL_NOT_FOUND' });
    });

    defineCase(factory, 'failed write leaves nothing', async (store) => {
      await expect(store.putDirectory('models/y', files({ 'ok.bin': 'ok', '../escape.bin': 'bad' }))).rejects.toMatchObject({ code: 'REC_ERR_MODEL_INVALID' });
      expect(await store.exists('models/y')).toBe(false);
      expect(await store.listKeys()).toEqual([]);

      await store.putDirectory('models/z', files({ 'v1.bin': 'one' }));
      await expect(store.putDirectory('models/z', files({ 'v2.bin': 'two', 'a//b': 'bad' }))).rejects.toMatchObject({ code: 'REC_ERR_MODEL_INVALID' });
      expect(await store.listFiles('models/z')).toEqual(['v1.bin']);
      expect((await store.getFile('models/z', 'v1.bin')).toString()).toBe('one');
    });

    defineCase(factory, 'lists keys by prefix', async (store) => {
      await store.putDirectory('models/retrieval/v1', files({ 'manifest.json': '{}' }));
      await store.putDirectory('models/retrieval/v2', files({ 'manifest.json': '{}' }));
      await store.putDirectory('models/ranker/v1', files({ 'manifest.json': '{}' }));
      await store.putDirectory('reports/eval-1', files({ 'report.json': '{}' }));
      expect(await store.listKeys('models/retrieval/')).toEqual(['models/retrieval/v1', 'models/retrieval/v2']);
      expect(await store.listKeys('models/')).toEqual(['models/ranker/v1', 'models/retrieval/v1', 'models/retrieval/v2']);
      expect(await store.listKeys()).toEqual(['models/ranker/v1', 'models/retrieval/v1', 'models/retrieval/v2', 'reports/eval-1']);
      expect(await store.listKeys('nothing/')).toEqual([]);
    });

    defineCase(factory, 'nested file names are not keys', async (store) => {
      await store.putDirectory('models/ranker/v1', files({ 'manifest.json': '{}', 'sub/file.bin': 'x' }));
      expect(await store.listKeys()).toEqual(['models/ranker/v1']);
    });

    defineCase(factory, 'parent key reads nested keys', async (store) => {
      // A retrieval version is written as several keys below one parent key, then read through the parent.
      await store.putDirectory('models/retrieval/v1/sources/als', files({ 'manifest.json': '{"source":"als"}', 'factors.f32': 'f' }));
      await store.putDirectory('models/retrieval/v1/bundle', files({ 'bundle.json': '{}' }));
      await store.putDirectory('models/retrieval/v10', files({ 'other.json': '{}' }));
      expect(await store.listFiles('models/retrieval/v1')).toEqual(['bundle/bundle.json', 'sources/als/factors.f32', 'sources/als/manifest.json']);
      expect((await store.getFile('models/retrieval/v1', 'sources/als/manifest.json')).toString()).toBe('{"source":"als"}');
      expect((await store.getFile('models/retrieval/v1/sources', 'als/factors.f32')).toString()).toBe('f');

      await store.deleteDirectory('models/retrieval/v1');
      expect(await store.exists('models/retrieval/v1/bundle')).toBe(false);
      expect(await store.listFiles('models/retrieval/v1')).toEqual([]);
      expect(await store.listKeys()).toEqual(['models/retrieval/v10']);
    });

    defineCase(factory, 'deletes a directory', async (store) => {
      await store.putDirectory('models/a', files({ 'x.bin': 'x' }));
      await store.putDirectory('models/b', files({ 'y.bin': 'y' }));
      await store.deleteDirectory('models/a');
      expect(await store.exists('models/a')).toBe(false);
      expect(await store.listFiles('models/a')).toEqual([]);
      expect(await store.listKeys()).toEqual(['models/b']);
      await store.deleteDirectory('models/a');
    });

    defineCase(factory, 'rejects bad keys', async (store) => {
      for (const key of BAD_KEYS) {
        await expect(store.putDirectory(key, files({ 'a.txt': 'a' })), `key "${key}"`).rejects.toMatchObject({ code: 'REC_ERR_MODEL_INVALID' });
        await expect(store.getFile(key, 'a.txt'), `key "${key}"`).rejects.toMatchObject({ code: 'REC_ERR_MODEL_INVALID' });
      }
      expect(await store.listKeys()).toEqual([]);
    });

    defineCase(factory, 'round-trips a large file', async (store) => {
      const big = new Uint8Array(6 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      await store.putDirectory('models/big', new Map([['factors.f32', big]]));
      expect(Buffer.compare(await store.getFile('models/big', 'factors.f32'), Buffer.from(big))).toBe(0);
    });

    defineCase(factory, 'ping and close are idempotent', async (store) => {
      await store.ping();
      await store.close();
      await store.close();
    });
  });
}
