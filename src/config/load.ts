import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { SETTINGS, SETTING_KEYS, type SettingSpec } from './schema.js';

/** Effective settings after defaults, `.env`, environment and flags; frozen once loaded. */
export interface Config {
  readonly WORKDIR: string;
  readonly OFFLINE_STORE_URL: string;
  readonly ONLINE_STORE_URL: string;
  readonly CANDIDATE_STORE_URL: string;
  readonly ARTIFACT_STORE_URL: string;
  readonly REGISTRY_STORE_URL: string;
  readonly CANDIDATE_COUNT: number;
  readonly RETRIEVAL_SOURCES: string;
  readonly RANKER_OBJECTIVE: 'auto' | 'rating' | 'interaction' | 'lambdarank';
  readonly RANKER_BAGS: number;
  readonly MF_FACTORS: number;
  readonly TOP_K: number;
  readonly MAX_TOP_K: number;
  readonly HOST: string;
  readonly PORT: number;
  readonly SERVE_WORKERS: number;
  readonly MAX_USER_ID_LENGTH: number;
  readonly BODY_LIMIT: number;
  readonly MODEL_POLL_MS: number;
  readonly ITEM_FEATURE_CACHE_MS: number;
  readonly STORE_TIMEOUT_MS: number;
  readonly SEED: number;
  readonly ON_BAD_LINE: 'error' | 'skip';
  readonly LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly AWS_REGION: string;
  readonly AWS_ENDPOINT_URL: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
}

export type ConfigSource = 'default' | '.env' | 'environment' | 'flag';

export interface LoadedConfig {
  readonly config: Config;
  /** Source of each key's value. */
  readonly sources: Readonly<Record<keyof Config, ConfigSource>>;
}

export interface LoadConfigOptions {
  /** Folder whose `.env` is read; defaults to the process working directory. */
  cwd?: string;
  /** Environment to read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, keyed by setting name; the highest priority. */
  flags?: Partial<Record<keyof Config, string | number | undefined>>;
}

/**
 * Resolves every setting from, lowest priority first: defaults, `.env` in `cwd`, environment
 * variables, flags. Unknown keys in `.env` and invalid values throw a ConfigError naming the key,
 * the value and what is allowed. The environment is only read for known keys, because it also
 * holds unrelated variables (PATH, HOME).
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const dotenv = readDotenvFile(path.join(cwd, '.env'));

  const raw: Record<string, { value: unknown; source: ConfigSource }> = {};
  const pick = (spec: SettingSpec): { value: unknown; source: ConfigSource } | undefined => {
    const flag = options.flags?.[spec.key as keyof Config];
    if (flag !== undefined) return { value: flag, source: 'flag' };
    const fromEnv = env[spec.key];
    if (fromEnv !== undefined) return { value: fromEnv, source: 'environment' };
    if (dotenv.has(spec.key)) return { value: dotenv.get(spec.key), source: '.env' };
    return undefined;
  };

  // WORKDIR first: other defaults are paths below it.
  const workdirSpec = SETTINGS.filter((spec) => spec.key === 'WORKDIR');
  const ordered = [...workdirSpec, ...SETTINGS.filter((spec) => spec.key !== 'WORKDIR')];
  for (const spec of ordered) {
    const chosen = pick(spec);
    if (chosen !== undefined) {
      raw[spec.key] = chosen;
    } else {
      const workdir = String(raw.WORKDIR?.value ?? './.twostage');
      const value = typeof spec.default === 'function' ? (spec.default as (w: string) => unknown)(workdir) : spec.default;
      raw[spec.key] = { value, source: 'default' };
    }
  }

  const config: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const spec of SETTINGS) {
    const { value, source } = raw[spec.key];
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success) {
      const allowed = parsed.error.issues.map((i) => i.message).join('; ');
      const shown = spec.secret ? '***' : JSON.stringify(value);
      throw new ConfigError(`invalid value ${shown} for ${spec.key} (from ${source}): ${allowed}`);
    }
    config[spec.key] = parsed.data;
    sources[spec.key] = source;
  }

  if ((config.TOP_K as number) > (config.MAX_TOP_K as number)) {
    throw new ConfigError(
      `invalid value ${config.TOP_K} for TOP_K (from ${sources.TOP_K}): the default top_k must not exceed MAX_TOP_K (${config.MAX_TOP_K}, from ${sources.MAX_TOP_K})`,
    );
  }

  return {
    config: Object.freeze(config) as unknown as Config,
    sources: Object.freeze(sources) as Record<keyof Config, ConfigSource>,
  };
}

function readDotenvFile(file: string): Map<string, string> {
  if (!existsSync(file)) return new Map();
  const parsed = parseDotenv(readFileSync(file));
  for (const key of Object.keys(parsed)) {
    if (!SETTING_KEYS.has(key)) {
      throw new ConfigError(`unknown setting ${key} in ${file}; known settings: ${[...SETTING_KEYS].join(', ')}`);
    }
  }
  return new Map(Object.entries(parsed));
}

/** Replaces the password of a URL with `***`, for logs and error messages. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Formats a value for display: secrets masked, passwords in URLs masked. */
export function displayValue(spec: SettingSpec, value: unknown): string {
  if (spec.secret && value !== '') return '***';
  return typeof value === 'string' ? maskUrl(value) : String(value);
}
