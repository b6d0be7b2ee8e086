import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { getLogger } from '../log.js';
import { startProgress } from '../progress.js';
import { JsonText, type OfflineStore, type Row } from '../store/types.js';
import { BadLineTracker, type OnBadLine } from './bad-lines.js';
import { InteractionBuilder } from './builder.js';
import { detectInputs, type DetectedFile } from './detect.js';
import type { CsvMapping, FileReader, FormatName, ReadContext } from './formats/context.js';
import { onlineRetailReader, type InlineItemMetadata } from './formats/online-retail.js';
import { emptyItemRecord, ItemSink } from './item-sink.js';
import { fileSize, LineRereader } from './lines.js';
import { writeInteractions, writeUsers } from './dataset-rows.js';
import { DROP_REASONS, maxTimestampMs, type DropReason } from './policy.js';
import { finishRatings, type FinishedRatings } from './ratings.js';
import type { IngestSummary, SourceSummary } from './summary.js';
import { DATASET_INFO_TABLE, DATASET_TABLES, INTERACTIONS_TABLE, ITEMS_TABLE, USERS_TABLE } from './tables.js';
import { UserSink } from './user-sink.js';

export interface IngestOptions {
  /** Format family; detected from each file when absent. */
  format?: FormatName;
  /** Policy for a malformed line (default `error`: stop at the first one). */
  onBadLine?: OnBadLine;
  /** Column mapping for `csv` (and for files no other format recognises). */
  csv?: CsvMapping;
  /** Rating scale [min, max] for generic CSV; other formats declare their own. */
  ratingScale?: readonly [number, number];
  /** Log-line progress even on a terminal (for tests and --json runs). */
  quiet?: boolean;
  /** Clock for the ingest time and the latest accepted event time (tests pin it). */
  now?: () => number;
}

/**
 * Streams input files into the offline store as the normalized dataset (tables in ./tables.ts),
 * replacing the previous dataset in one transaction: on any error, including a malformed line
 * with `onBadLine: 'error'`, the previous dataset stays as it was. Interaction files are read
 * first, in the order given, then user and item files, so items with interactions get the
 * lowest indices.
 */
export async function ingestFiles(store: OfflineStore, paths: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const now = options.now ?? Date.now;
  const started = Date.now();
  const startCpu = process.cpuUsage();
  const detected = await detectInputs(paths, options);
  const files = [...detected.filter((f) => f.role === 'interactions'), ...detected.filter((f) => f.role === 'users'), ...detected.filter((f) => f.role === 'items')];
  const declaredScale = ratingScaleOf(files);
  const explicit = declaredScale !== null;

  const sizes = await Promise.all(files.map((f) => fileSize(f.path)));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const log = getLogger();
  log.info({ files: files.map((f) => `${f.path} (${f.format} ${f.layout})`), bytes: totalBytes }, 'ingest started');

  const rereader = new LineRereader();
  const builder = new InteractionBuilder(explicit, (fileIndex, start, bytes) => rereader.read(files[fileIndex].path, start, bytes));
  const badLines = new BadLineTracker(options.onBadLine ?? 'error');
  const inline = new Map<number, InlineItemMetadata>();
  let summary: IngestSummary | undefined;

  await store.replaceTables(DATASET_TABLES, async (writers) => {
    const fingerprint = createHash('sha256');
    const items = new ItemSink(builder, writers[ITEMS_TABLE.name], (row) => fingerprint.update(rowJson(row)));
    const users = new UserSink(builder);
    const progress = startProgress({ label: 'ingest', total: totalBytes, unit: 'bytes', quiet: options.quiet });
    const sources: SourceSummary[] = [];
    let bytesBefore = 0;
    let metadataStarted = false;

    for (const [index, file] of files.entries()) {
      if (file.role !== 'interactions' && !metadataStarted) {
        items.startMetadata();
        metadataStarted = true;
      }
      const ctx: ReadContext = {
        file: file.path,
        fileIndex: index,
        builder,
        badLines,
        items,
        users,
        maxTimestampMs: maxTimestampMs(now()),
        progress: (bytesRead) => progress.update(bytesBefore + bytesRead),
        lines: 0,
      };
      const fileCpu = process.cpuUsage();
      await readerOf(file, inline)(ctx);
      await items.flush();
      log.debug({ file: file.path, lines: ctx.lines, cpuSeconds: cpuSeconds(process.cpuUsage(fileCpu)) }, 'ingest file read');
      bytesBefore += sizes[index];
      sources.push({ path: file.path, format: file.format, role: file.role, layout: file.layout, lines: ctx.lines, bytes: sizes[index] });
    }
    if (!metadataStarted) items.startMetadata();
    const linesRead = sources.filter((s) => s.role === 'interactions').reduce((a, s) => a + s.lines, 0);
    if (builder.size === 0) {
      throw new InputError(`no interaction was kept from ${linesRead} lines read in ${files.map((f) => f.path).join(', ')}; dropped: ${JSON.stringify(dropCounts(builder, badLines, files))}`);
    }

    const readSeconds = (Date.now() - started) / 1000;
    const readCpu = process.cpuUsage(startCpu);
    const ratings = finishRatings(builder, declaredScale);
    await items.finish((index) => inlineRecord(builder, inline, index));
    await writeInteractions(writers[INTERACTIONS_TABLE.name], builder, ratings.values, fingerprint);
    await writeUsers(writers[USERS_TABLE.name], builder, users);
    progress.finish({ interactions: builder.size });
    const stagedCpu = process.cpuUsage(startCpu);
    log.debug(
      { readSeconds, readCpuSeconds: cpuSeconds(readCpu), stageSeconds: (Date.now() - started) / 1000 - readSeconds, stageCpuSeconds: cpuSeconds(stagedCpu) - cpuSeconds(readCpu) },
      'ingest rows staged',
    );

    summary = assembleSummary({
      files,
      sources,
      builder,
      badLines,
      items,
      users,
      ratings,
      inlineItems: inline.size,
      explicit,
      linesRead,
      fingerprint: fingerprint.digest('hex').slice(0, 32),
      ingestedAt: now(),
      seconds: (Date.now() - started) / 1000,
    });
    await writers[DATASET_INFO_TABLE.name].append([
      [
        summary.feedback,
        summary.ratingScale?.[0] ?? null,
        summary.ratingScale?.[1] ?? null,
        summary.format,
        files.map((f) => f.path),
        summary.ingestedAt,
        summary.fingerprint,
        summary as unknown as Record<string, unknown>,
      ],
    ]);
  }).finally(() => rereader.close());

  if (summary === undefined) throw new Error('ingest finished without a summary');
  log.info({ interactions: summary.interactions, users: summary.users, items: summary.items, seconds: summary.seconds }, 'ingest finished');
  return summary;
}

interface SummaryInput {
  files: readonly DetectedFile[];
  sources: readonly SourceSummary[];
  builder: InteractionBuilder;
  badLines: BadLineTracker;
  items: ItemSink;
  users: UserSink;
  ratings: FinishedRatings;
  /** Items that got metadata from the interaction lines (Online Retail). */
  inlineItems: number;
  explicit: boolean;
  linesRead: number;
  fingerprint: string;
  ingestedAt: number;
  seconds: number;
}

/** Builds the ingest summary from the state after every file was read and staged. */
function assembleSummary(input: SummaryInput): IngestSummary {
  const { files, sources, builder, badLines, items, users, ratings } = input;
  const metadataSources = sources.filter((s) => s.role === 'items').length + (input.inlineItems > 0 ? 1 : 0);
  const itemsWithInteractions = items.itemsWithInteractions;
  let withoutMetadata = 0;
  for (let i = 0; i < itemsWithInteractions; i++) if (!items.hasMetadata(i)) withoutMetadata += 1;
  return {
    format: files[0].format,
    feedback: input.explicit ? 'explicit' : 'implicit',
    ratingScale: ratings.scale,
    sources,
    users: builder.userIds.length,
    items: builder.itemIds.length,
    itemsWithInteractions,
    itemsWithoutMetadata: metadataSources > 0 ? withoutMetadata : 0,
    metadataOnlyItems: builder.itemIds.length - itemsWithInteractions,
    metadataSources,
    interactions: builder.size,
    ratings: ratings.valid,
    ratingsRejected: ratings.rejected,
    timeRange: timeRangeOf(builder),
    linesRead: input.linesRead,
    dropped: dropCounts(builder, badLines, files),
    metadata: {
      linesRead: sources.filter((s) => s.role !== 'interactions').reduce((a, s) => a + s.lines, 0),
      records: items.records,
      dropped: { ...items.drops },
      usersWithoutInteractions: users.usersWithoutInteractions,
    },
    prices: { parsed: items.pricesParsed, missing: { ...items.priceMissing } },
    badLines: { total: badLines.total, byReason: { ...badLines.byReason }, first: [...badLines.examples] },
    fingerprint: input.fingerprint,
    ingestedAt: input.ingestedAt,
    seconds: input.seconds,
  };
}

/**
 * Returns `JSON.stringify(row)` with each JsonText cell written as its text, which is the text
 * JSON.stringify gives for the value the JsonText was serialized from.
 */
function rowJson(row: Row): string {
  let json = '[';
  for (let c = 0; c < row.length; c++) {
    const cell = row[c];
    if (c > 0) json += ',';
    json += cell instanceof JsonText ? cell.text : (JSON.stringify(cell) ?? 'null');
  }
  return `${json}]`;
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function readerOf(file: DetectedFile, inline: Map<number, InlineItemMetadata>): FileReader {
  if (file.read) return file.read;
  return onlineRetailReader(inline);
}

/** The rating scale the interaction files declare; they must agree. */
function ratingScaleOf(files: readonly DetectedFile[]): readonly [number, number] | null | 'observed' {
  const scales = files.filter((f) => f.role === 'interactions').map((f) => f.ratingScale);
  const first = scales[0];
  for (const scale of scales) {
    if (JSON.stringify(scale) !== JSON.stringify(first)) {
      throw new InputError(`the interaction files declare different rating scales (${JSON.stringify(scales)}); ingest them separately`);
    }
  }
  return first ?? null;
}

function inlineRecord(b: InteractionBuilder, inline: Map<number, InlineItemMetadata>, index: number) {
  const found = inline.get(index);
  if (!found) return null;
  return { record: { ...emptyItemRecord(b.itemIds[index]), title: found.title, price: found.price }, priceIssue: found.priceIssue };
}

function timeRangeOf(b: InteractionBuilder): IngestSummary['timeRange'] {
  const timestamp = b.timestamp.view();
  let first = Infinity;
  let last = -Infinity;
  for (let j = 0; j < timestamp.length; j++) {
    const t = timestamp[j];
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (first > last) return null;
  return { firstMs: first, lastMs: last, first: new Date(first).toISOString(), last: new Date(last).toISOString() };
}

/** Interaction lines dropped by reason; malformed lines of metadata and user files are only in `badLines`. */
function dropCounts(b: InteractionBuilder, badLines: BadLineTracker, files: readonly DetectedFile[]): IngestSummary['dropped'] {
  const malformed = files.filter((f) => f.role === 'interactions').reduce((a, f) => a + (badLines.byFile.get(f.path) ?? 0), 0);
  const counts: Partial<Record<DropReason, number>> = malformed > 0 ? { malformed } : {};
  for (const reason of DROP_REASONS) if (b.drops[reason]) counts[reason] = b.drops[reason];
  return counts;
}
