/**
 * Point-in-time join: 1M rows against 1M feature records (100,000 entities), the TypeScript
 * radix sort/merge join (`joinHistory`) next to DuckDB's `ASOF LEFT JOIN` on the same data in the
 * same process. Target: the TypeScript join is no slower than DuckDB.
 *
 * DuckDB's ASOF JOIN takes a single inequality, so the baseline data has created time = event
 * time and both sides answer the same question (latest event strictly before the row time); the
 * benchmark checks that every row gets the same value. A second TypeScript run adds 5 % late
 * corrections (created after the event), which the ASOF JOIN cannot express in one join.
 *
 * Timed: the TypeScript side from in-memory string ids and typed arrays to one gathered column;
 * DuckDB from its tables to a result table (and, separately, to JavaScript arrays). Loading the
 * data is not timed. Each figure is the median of REPEATS runs.
 */
import os from 'node:os';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { joinHistory } from '../src/features/historical.js';
import type { FeatureGroup, FeatureHistory } from '../src/features/types.js';

const RECORDS = 1_000_000;
const ROWS = 1_000_000;
const ENTITIES = 100_000;
/** Rows draw entities from a slightly larger range, so about 2 % ask for an unknown entity. */
const ROW_ENTITIES = 102_000;
const T0 = 1_500_000_000_000;
const REPEATS = 3;

const BENCH_GROUP: FeatureGroup = {
  name: 'bench',
  version: 1,
  entity: 'item',
  entityKey: 'item_id',
  description: 'benchmark group',
  features: [{ name: 'value', type: 'numeric', description: 'a number' }],
  derived: [],
  ttlMs: null,
  snapshot: false,
};

export default async function pitJoinBenchmark(): Promise<void> {
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await createTables(connection);
    const { history, rows } = await readBack(connection);

    // A shallow copy is a new history object, so each cold run rebuilds the history's index.
    const tsMs = median(REPEATS, () => {
      joinHistory(BENCH_GROUP, { ...history }, rows);
    });
    joinHistory(BENCH_GROUP, history, rows);
    const tsWarmMs = median(REPEATS, () => {
      joinHistory(BENCH_GROUP, history, rows);
    });
    const duckTableMs = await medianAsync(REPEATS, () =>
      connection.run(`CREATE OR REPLACE TEMP TABLE joined AS
        SELECT r.row_id, f.value FROM rows r ASOF LEFT JOIN feats f ON r.entity = f.entity AND r.ts > f.event_time`),
    );
    const duckJsMs = await medianAsync(REPEATS, async () => {
      await connection.runAndReadAll(`SELECT f.value FROM rows r ASOF LEFT JOIN feats f ON r.entity = f.entity AND r.ts > f.event_time ORDER BY r.row_id`);
    });
    const threads = (await connection.runAndReadAll(`SELECT current_setting('threads')`)).getRowsJS()[0][0];
    await connection.run('SET threads = 1');
    const duckOneThreadMs = await medianAsync(REPEATS, () =>
      connection.run(`CREATE OR REPLACE TEMP TABLE joined AS
        SELECT r.row_id, f.value FROM rows r ASOF LEFT JOIN feats f ON r.entity = f.entity AND r.ts > f.event_time`),
    );

    await checkSameAnswer(connection, history, rows);
    const corrected = withLateCorrections(history);
    const tsCorrectedMs = median(REPEATS, () => {
      joinHistory(BENCH_GROUP, { ...corrected }, rows);
    });

    console.log(`pit join, ${ROWS.toLocaleString('en')} rows x ${RECORDS.toLocaleString('en')} records, ${ENTITIES.toLocaleString('en')} entities (median of ${REPEATS})`);
    console.log(`  TypeScript joinHistory, cold index       ${show(tsMs)} (1 thread)`);
    console.log(`  TypeScript joinHistory, history indexed  ${show(tsWarmMs)}`);
    console.log(`  TypeScript cold, 5 % late corrections    ${show(tsCorrectedMs)}`);
    console.log(`  DuckDB ASOF LEFT JOIN into a table       ${show(duckTableMs)} (${String(threads)} threads)`);
    console.log(`  DuckDB ASOF LEFT JOIN read into JS       ${show(duckJsMs)} (${String(threads)} threads)`);
    console.log(`  DuckDB ASOF LEFT JOIN into a table       ${show(duckOneThreadMs)} (1 thread)`);
    console.log(`  ratio DuckDB table / TypeScript cold     ${ratio(duckTableMs, tsMs)} (target >= 1)`);
    console.log(`  ratio DuckDB to JS / TypeScript cold     ${ratio(duckJsMs, tsMs)}`);
    console.log(`  ratio DuckDB 1 thread / TypeScript cold  ${ratio(duckOneThreadMs, tsMs)}`);
    console.log(`  ratio DuckDB table / TypeScript indexed  ${ratio(duckTableMs, tsWarmMs)}`);
  } finally {
    connection.closeSync();
  }
}

/** Deterministic data from DuckDB's hash(): distinct event times, so no ties decide the result. */
async function createTables(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE TABLE feats AS
    SELECT 'e' || (hash(i) % ${ENTITIES}) AS entity,
           ${T0} + ((i * 7919) % ${RECORDS}) * 1000 AS event_time,
           (i % 1000) / 10.0 AS value
    FROM range(${RECORDS}) t(i)`);
  await connection.run(`CREATE TABLE rows AS
    SELECT i AS row_id,
           'e' || (hash(i + 2000000000) % ${ROW_ENTITIES}) AS entity,
           ${T0} + (hash(i + 4000000000) % ${RECORDS}) * 1000 AS ts
    FROM range(${ROWS}) t(i)`);
}

async function readBack(connection: DuckDBConnection): Promise<{ history: FeatureHistory; rows: { entityIds: string[]; timestamps: Float64Array } }> {
  const feats = (await connection.runAndReadAll('SELECT entity, event_time::DOUBLE AS event_time, value FROM feats')).getColumnsObjectJS();
  const eventTime = Float64Array.from(feats.event_time as number[]);
  const history: FeatureHistory = {
    entityIds: feats.entity as string[],
    eventTime,
    createdTime: eventTime.slice(),
    columns: { value: { type: 'numeric', values: Float64Array.from(feats.value as number[]) } },
  };
  const rows = (await connection.runAndReadAll('SELECT entity, ts::DOUBLE AS ts FROM rows ORDER BY row_id')).getColumnsObjectJS();
  return { history, rows: { entityIds: rows.entity as string[], timestamps: Float64Array.from(rows.ts as number[]) } };
}

async function checkSameAnswer(connection: DuckDBConnection, history: FeatureHistory, rows: { entityIds: string[]; timestamps: Float64Array }): Promise<void> {
  const expected = (await connection.runAndReadAll('SELECT value FROM joined ORDER BY row_id')).getColumnsObjectJS().value as (number | null)[];
  const frame = joinHistory(BENCH_GROUP, history, rows);
  const column = frame.columns.value;
  if (column.type !== 'numeric') throw new Error('benchmark column is not numeric');
  let mismatches = 0;
  let matched = 0;
  for (let i = 0; i < expected.length; i++) {
    const ours = Number.isNaN(column.values[i]) ? null : column.values[i];
    if (ours !== expected[i]) mismatches++;
    if (ours !== null) matched++;
  }
  if (mismatches > 0) throw new Error(`TypeScript and DuckDB disagree on ${mismatches} of ${expected.length} rows`);
  console.log(`  check: same value on all ${expected.length.toLocaleString('en')} rows (${matched.toLocaleString('en')} with a record)`);
}

/** Every 20th record gets a second version created 30 days after its event. */
function withLateCorrections(history: FeatureHistory): FeatureHistory {
  const n = history.entityIds.length;
  const extra = Math.floor(n / 20);
  const entityIds = history.entityIds.slice();
  const eventTime = new Float64Array(n + extra);
  const createdTime = new Float64Array(n + extra);
  const values = new Float64Array(n + extra);
  const source = history.columns.value.values as Float64Array;
  eventTime.set(history.eventTime);
  createdTime.set(history.createdTime);
  values.set(source);
  for (let k = 0; k < extra; k++) {
    const r = k * 20;
    entityIds.push(history.entityIds[r]);
    eventTime[n + k] = history.eventTime[r];
    createdTime[n + k] = history.eventTime[r] + 30 * 86_400_000;
    values[n + k] = source[r] + 1;
  }
  return { entityIds, eventTime, createdTime, columns: { value: { type: 'numeric', values } } };
}

/** Wall time and the process's CPU time (user + system, all threads), in ms. */
interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function median(repeats: number, run: () => void): Timing {
  const times: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    run();
    times.push(elapsed(start, cpu));
  }
  return middle(times);
}

async function medianAsync(repeats: number, run: () => Promise<unknown>): Promise<Timing> {
  const times: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run();
    times.push(elapsed(start, cpu));
  }
  return middle(times);
}

function elapsed(start: number, cpu: NodeJS.CpuUsage): Timing {
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Returns the run with the median wall time. */
function middle(times: Timing[]): Timing {
  return times.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(times.length / 2)];
}

function show(timing: Timing): string {
  return `${timing.wallMs.toFixed(0).padStart(6)} ms wall, ${timing.cpuMs.toFixed(0).padStart(6)} ms CPU`;
}

function ratio(baseline: Timing, ours: Timing): string {
  return `${(baseline.wallMs / ours.wallMs).toFixed(2)} wall, ${(baseline.cpuMs / ours.cpuMs).toFixed(2)} CPU`;
}
