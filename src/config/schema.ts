import { z } from 'zod';
import { parseIntegerText } from './integer-text.js';
import { DEFAULT_RETRIEVAL_SOURCES, parseRetrievalSources } from './retrieval-sources.js';

/**
 * One declaration per setting: its key, value schema, default, unit and description.
 * The loader, `.env.example`, `twostage config` and docs/configuration.md all read this list,
 * so a setting is described here and nowhere else.
 */
export interface SettingSpec {
  readonly key: string;
  readonly schema: z.ZodType;
  /** A constant, or a function of the already-resolved WORKDIR for paths below it. */
  readonly default: unknown | ((workdir: string) => unknown);
  readonly unit?: string;
  readonly description: string;
  /** Values masked in `twostage config` output and logs (passwords inside URLs are always masked). */
  readonly secret?: boolean;
}

/**
 * An integer from `min` to `max`, given as a number or as decimal text (environment and `.env`
 * values are text; see parseIntegerText). Empty text is an error, not 0, and every invalid value
 * gets the same message with the range, so `PORT=` in a `.env` file does not quietly pick a random port.
 */
const integerIn = (min: number, max: number) =>
  z.union([z.number(), z.string()]).transform((raw, context) => {
    const value = typeof raw === 'number' ? raw : parseIntegerText(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      context.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return value;
  });
const positiveInt = (max: number) => integerIn(1, max);
const storeUrl = z.string().min(1).regex(/^[a-z][a-z0-9+.-]*:\/\//, 'must be a URL with a scheme, such as sqlite:///path or redis://host:6379');

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'WORKDIR', schema: z.string().min(1), default: './.twostage', description: 'Folder for the embedded stores, artifacts and reports.' },
  { key: 'OFFLINE_STORE_URL', schema: storeUrl, default: (w: string) => `duckdb://${w}/offline.duckdb`, description: 'Offline store: ingested dataset and feature history (duckdb://FILE or postgres://…).' },
  { key: 'ONLINE_STORE_URL', schema: storeUrl, default: (w: string) => `sqlite://${w}/online.sqlite`, description: 'Online feature store: latest feature values per entity (sqlite://FILE, redis://…, postgres://…, dynamodb://TABLE).' },
  { key: 'CANDIDATE_STORE_URL', schema: storeUrl, default: (w: string) => `sqlite://${w}/online.sqlite`, description: 'Candidate store: precomputed retrieval candidates per user (sqlite://FILE, redis://…, dynamodb://TABLE).' },
  { key: 'ARTIFACT_STORE_URL', schema: storeUrl, default: (w: string) => `file://${w}/artifacts`, description: 'Artifact store for model files and reports (file://DIR or s3://BUCKET/PREFIX).' },
  { key: 'REGISTRY_STORE_URL', schema: storeUrl, default: (w: string) => `sqlite://${w}/registry.sqlite`, description: 'Model registry metadata (sqlite://FILE or postgres://…).' },
  { key: 'CANDIDATE_COUNT', schema: positiveInt(10_000), default: 100, unit: 'items', description: 'Candidates kept per user by retrieval; the ranker reorders only these.' },
  {
    key: 'RETRIEVAL_SOURCES',
    schema: z.string().superRefine((text, context) => {
      try {
        parseRetrievalSources(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
    default: DEFAULT_RETRIEVAL_SOURCES,
    description: 'Candidate sources and their shares of CANDIDATE_COUNT, as name:share pairs separated by commas (sources: als, bpr, cooccurrence, popularity, popularity_recent, svd); share 0 turns a source off, and shares are scaled to CANDIDATE_COUNT.',
  },
  {
    key: 'RANKER_OBJECTIVE',
    schema: z.enum(['auto', 'rating', 'interaction', 'lambdarank']),
    default: 'auto',
    description:
      'What the ranker learns: rating (regression on the ratings of later interactions, explicit data only), interaction (binary:logistic on retrieval candidates, 1 when the user later interacted with the item), lambdarank (rank:ndcg over each user\'s candidates); auto picks interaction on every dataset (rating ranks far worse for top-K lists).',
  },
  {
    key: 'RANKER_BAGS',
    schema: positiveInt(64),
    default: 1,
    unit: 'models',
    description: 'GBDT rankers trained with different seeds (row and column sampling) and averaged into one model; training time grows linearly with it.',
  },
  { key: 'MF_FACTORS', schema: positiveInt(4096), default: 64, unit: 'factors', description: 'Latent factors of the matrix-factorization retrievers (SVD, ALS, BPR).' },
  { key: 'TOP_K', schema: positiveInt(10_000), default: 10, unit: 'items', description: 'Default number of recommendations when a request gives no top_k.' },
  { key: 'MAX_TOP_K', schema: positiveInt(10_000), default: 100, unit: 'items', description: 'Largest top_k a request may ask for.' },
  { key: 'HOST', schema: z.string().min(1), default: '127.0.0.1', description: 'Interface the API server listens on.' },
  { key: 'PORT', schema: integerIn(0, 65_535), default: 8000, description: 'TCP port of the API server (0 picks a free port).' },
  { key: 'SERVE_WORKERS', schema: positiveInt(256), default: 1, unit: 'processes', description: 'Number of API server processes sharing HOST:PORT through node:cluster (1: the main process serves). The JavaScript of one process runs on one core, so more processes answer more requests per second when cores are free.' },
  { key: 'MAX_USER_ID_LENGTH', schema: positiveInt(65_536), default: 256, unit: 'characters', description: 'Maximum length of a user_id, in characters, that the API and `twostage recommend --user` accept.' },
  { key: 'BODY_LIMIT', schema: positiveInt(100 * 1024 * 1024), default: 16_384, unit: 'bytes', description: 'Largest request body the API accepts.' },
  { key: 'MODEL_POLL_MS', schema: positiveInt(3_600_000), default: 5_000, unit: 'ms', description: 'How often the API server checks the registry for newly promoted models and loads them.' },
  { key: 'ITEM_FEATURE_CACHE_MS', schema: integerIn(0, 3_600_000), default: 30_000, unit: 'ms', description: 'Maximum age of the item features the API server serves from memory; it reads an item again in the background once its entry reaches a random age between half and three quarters of this (0: read them from the online store on every request).' },
  { key: 'STORE_TIMEOUT_MS', schema: positiveInt(600_000), default: 2_000, unit: 'ms', description: 'Timeout of one online store or candidate store call made while serving a request.' },
  { key: 'SEED', schema: integerIn(0, 2 ** 32 - 1), default: 0, description: 'Random seed for every trainer; the same seed and data give the same models.' },
  { key: 'ON_BAD_LINE', schema: z.enum(['error', 'skip']), default: 'error', description: 'What ingest does with a malformed input line: stop with an error, or skip and count it.' },
  { key: 'LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', description: 'Minimum level of the JSON logs written to stderr.' },
  { key: 'AWS_REGION', schema: z.string().min(1), default: 'us-east-1', description: 'AWS region for dynamodb:// and s3:// stores.' },
  { key: 'AWS_ENDPOINT_URL', schema: z.string(), default: '', description: 'Endpoint for the AWS SDK (empty: the SDK default); points DynamoDB and S3 clients at a local server.' },
  { key: 'AWS_ACCESS_KEY_ID', schema: z.string(), default: '', description: 'AWS access key id (empty: the SDK default credential chain).', secret: true },
  { key: 'AWS_SECRET_ACCESS_KEY', schema: z.string(), default: '', description: 'AWS secret access key (empty: the SDK default credential chain).', secret: true },
];

export const SETTING_KEYS: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.key));

export function findSetting(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.key === key);
}
