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
    if (dotenv.values.has(spec.key)) return { value: dotenv.values.get(spec.key), source: '.env' };
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
      const from = source === '.env' ? `${dotenv.file} line ${dotenv.lines.get(spec.key) ?? '?'}` : source;
      throw new ConfigError(`invalid value ${shown} for ${spec.key} (from ${from}): ${allowed}`);
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

/** Settings read from a `.env` file, with the line that set each one. */
interface DotenvValues {
  readonly file: string;
  readonly values: Map<string, string>;
  /** 1-based line of the assignment that took effect (the last one of a key). */
  readonly lines: Map<string, number>;
}

/** A `.env` assignment, as dotenv 17 reads it: optional `export`, a key, then `=`, or `:` and a space. */
const DOTENV_ASSIGNMENT = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=|:\s)/;

function readDotenvFile(file: string): DotenvValues {
  if (!existsSync(file)) return { file, values: new Map(), lines: new Map() };
  const text = readFileSync(file, 'utf8');
  const lines = assignmentLines(text, file);
  const parsed = parseDotenv(text);
  for (const key of Object.keys(parsed)) {
    if (!SETTING_KEYS.has(key)) {
      const at = lines.has(key) ? ` line ${lines.get(key)}` : '';
      throw new ConfigError(`unknown setting ${key} in ${file}${at}; known settings: ${[...SETTING_KEYS].join(', ')}`);
    }
  }
  return { file, values: new Map(Object.entries(parsed)), lines };
}

/**
 * Returns the line of each key's last assignment. A line that is neither blank, a comment, an
 * assignment nor part of a quoted value spanning lines raises a ConfigError, because dotenv
 * would skip it without a word (a `TOP_K 20` meant as a setting would be lost).
 */
function assignmentLines(text: string, file: string): Map<string, number> {
  const lines = new Map<string, number>();
  let openQuote: string | null = null;
  text.split(/\r?\n/).forEach((line, index) => {
    if (openQuote !== null) {
      if (line.includes(openQuote)) openQuote = null;
      return;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = DOTENV_ASSIGNMENT.exec(line);
    if (match === null) {
      throw new ConfigError(`${file} line ${index + 1} is not a KEY=value assignment: ${JSON.stringify(trimmed.slice(0, 80))}; write KEY=value or start the line with # to comment it out`);
    }
    lines.set(match[1], index + 1);
    // A value that opens a quote and does not close it on this line continues on the next lines.
    const value = line.slice(match[0].length).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.indexOf(quote, 1) < 0) openQuote = quote;
  });
  return lines;
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
