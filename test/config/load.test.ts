import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskUrl } from '../../src/config/load.js';
import { renderEnvExample } from '../../src/config/docs.js';
import { SETTINGS } from '../../src/config/schema.js';
import { readFileSync } from 'node:fs';

function folderWithEnv(contents: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-config-'));
  writeFileSync(path.join(dir, '.env'), contents);
  return dir;
}

describe('loadConfig', () => {
  it('uses defaults derived from WORKDIR', () => {
    const { config, sources } = loadConfig({ cwd: tmpdir(), env: { WORKDIR: '/data/ts' } });
    expect(config.OFFLINE_STORE_URL).toBe('duckdb:///data/ts/offline.duckdb');
    expect(config.ONLINE_STORE_URL).toBe('sqlite:///data/ts/online.sqlite');
    expect(config.CANDIDATE_STORE_URL).toBe('sqlite:///data/ts/online.sqlite');
    expect(config.ARTIFACT_STORE_URL).toBe('file:///data/ts/artifacts');
    expect(config.CANDIDATE_COUNT).toBe(100);
    expect(config.MF_FACTORS).toBe(64);
    expect(config.PORT).toBe(8000);
    expect(sources.WORKDIR).toBe('environment');
    expect(sources.PORT).toBe('default');
  });

  it('applies priority default < .env < environment < flag', () => {
    const cwd = folderWithEnv('PORT=8100\nTOP_K=20\nCANDIDATE_COUNT=50\n');
    const { config, sources } = loadConfig({ cwd, env: { TOP_K: '30', CANDIDATE_COUNT: '60' }, flags: { CANDIDATE_COUNT: 70 } });
    expect(config.PORT).toBe(8100);
    expect(sources.PORT).toBe('.env');
    expect(config.TOP_K).toBe(30);
    expect(sources.TOP_K).toBe('environment');
    expect(config.CANDIDATE_COUNT).toBe(70);
    expect(sources.CANDIDATE_COUNT).toBe('flag');
  });

  it('rejects unknown .env keys naming the key', () => {
    const cwd = folderWithEnv('CANDIDATES_COUNT=50\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/unknown setting CANDIDATES_COUNT/);
  });

  it('rejects invalid values naming key and value', () => {
    expect(() => loadConfig({ cwd: tmpdir(), env: { CANDIDATE_COUNT: '0' } })).toThrow(/invalid value "0" for CANDIDATE_COUNT \(from environment\)/);
    expect(() => loadConfig({ cwd: tmpdir(), env: { ON_BAD_LINE: 'ignore' } })).toThrow(/ON_BAD_LINE/);
    expect(() => loadConfig({ cwd: tmpdir(), env: { ONLINE_STORE_URL: 'online.sqlite' } })).toThrow(/ONLINE_STORE_URL/);
  });

  it.each([
    ['PORT', '', 'expected an integer from 0 to 65535'],
    ['ITEM_FEATURE_CACHE_MS', ' ', 'expected an integer from 0 to 3600000'],
    ['SEED', 'abc', 'expected an integer from 0 to 4294967295'],
    ['TOP_K', '', 'expected an integer from 1 to'],
    ['CANDIDATE_COUNT', '1.5', 'expected an integer from 1 to 10000'],
    ['PORT', '99999999999999999999', 'expected an integer from 0 to 65535'],
    ['PORT', '0x10', 'expected an integer from 0 to 65535'],
    ['TOP_K', '1e1', 'expected an integer from 1 to'],
    ['PORT', '8000.9999999999999999', 'expected an integer from 0 to 65535'],
    ['SEED', '1.0', 'expected an integer from 0 to 4294967295'],
  ])('rejects %s=%j with the allowed range, not as 0', (key, value, message) => {
    expect(() => loadConfig({ cwd: tmpdir(), env: { [key]: value } })).toThrow(`invalid value ${JSON.stringify(value)} for ${key} (from environment): ${message}`);
  });

  it('reads integers given as numbers or as text with spaces', () => {
    const { config } = loadConfig({ cwd: tmpdir(), env: { PORT: ' 8001 ' }, flags: { CANDIDATE_COUNT: 70 } });
    expect(config.PORT).toBe(8001);
    expect(config.CANDIDATE_COUNT).toBe(70);
  });

  it('names the .env file and line of an invalid value', () => {
    const cwd = folderWithEnv('# settings\nPORT=8100\nTOP_K=abc\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(`invalid value "abc" for TOP_K (from ${path.join(cwd, '.env')} line 3)`);
  });

  it('rejects a .env line that is not an assignment', () => {
    const cwd = folderWithEnv('PORT=8100\nTOP_K 20\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/\.env line 2 is not a KEY=value assignment: "TOP_K 20"/);
  });

  it('accepts quoted values spanning lines and export', () => {
    const cwd = folderWithEnv('export PORT=8100\nAWS_SECRET_ACCESS_KEY="first\nsecond"\n\n# note\nTOP_K=20\n');
    const { config } = loadConfig({ cwd, env: {} });
    expect(config.PORT).toBe(8100);
    expect(config.TOP_K).toBe(20);
    expect(config.AWS_SECRET_ACCESS_KEY).toBe('first\nsecond');
  });

  it('rejects TOP_K above MAX_TOP_K naming both', () => {
    expect(() => loadConfig({ cwd: tmpdir(), env: { TOP_K: '500' } })).toThrow(/TOP_K .*MAX_TOP_K \(100, from default\)/);
    expect(loadConfig({ cwd: tmpdir(), env: { TOP_K: '500', MAX_TOP_K: '500' } }).config.TOP_K).toBe(500);
  });

  it('freezes the result', () => {
    const { config } = loadConfig({ cwd: tmpdir(), env: {} });
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe('maskUrl', () => {
  it('hides passwords only', () => {
    expect(maskUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('.env.example', () => {
  it('is generated from the schema and lists every key', () => {
    const committed = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(committed).toBe(renderEnvExample());
    for (const spec of SETTINGS) expect(committed).toContain(`# ${spec.key}=`);
  });
});
