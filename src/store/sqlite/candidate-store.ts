import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ModelError, TwostageError } from '../../errors.js';
import { urlToPath } from '../open.js';
import { decodeCandidates, encodeCandidates, validateCandidateList } from '../remote/candidate-codec.js';
import type { Candidate, CandidateList, CandidateStore, CandidateVersionWriter } from '../types.js';

/** Opens `sqlite://FILE` (or `sqlite:///:memory:` for a private in-memory database) as a candidate store. */
export async function openSqliteCandidateStore(url: URL): Promise<SqliteCandidateStore> {
  const file = [':memory:', '/:memory:'].includes(urlToPath(url)) ? ':memory:' : urlToPath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new SqliteCandidateStore(url.toString(), new Database(file));
}

/**
 * Candidate store on three SQLite tables, all prefixed `candidate_` so the file can be shared
 * with the online store:
 *
 * - `candidate_versions`: one row per version with its state (`writing` or `committed`) and times;
 * - `candidate_active`: a single row naming the active version;
 * - `candidate_lists`: one row per (version, user), the list in the binary layout of
 *   ../remote/candidate-codec.ts.
 *
 * `activate` is one UPDATE of the single active row, so a reader sees the old or the new version,
 * never a mix. `get` resolves the active version and reads the list in one SELECT. WAL mode lets
 * the API read while a precompute writes.
 *
 * NOTE: a writer that dies before `commit` or `abort` leaves its rows under a `writing` version;
 * they are never served, and `deleteVersion` removes them.
 */
export class SqliteCandidateStore implements CandidateStore {
  readonly url: string;
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;
  private closed = false;

  constructor(url: string, db: Database.Database) {
    this.url = url;
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS candidate_versions (
        version TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('writing', 'committed')),
        created_at INTEGER NOT NULL,
        committed_at INTEGER,
        sequence INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS candidate_active (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS candidate_lists (
        version TEXT NOT NULL,
        user_id TEXT NOT NULL,
        items BLOB NOT NULL,
        PRIMARY KEY (version, user_id)
      ) WITHOUT ROWID;
    `);
    this.statements = prepare(db);
  }

  async beginVersion(version: string): Promise<CandidateVersionWriter> {
    this.checkOpen();
    validateVersionName(version);
    const insert = this.db.transaction(() => {
      if (this.statements.versionState.get(version)) {
        throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} already exists in ${this.url}; choose a new version name or delete it first`);
      }
      const { next } = this.statements.nextSequence.get() as { next: number };
      this.statements.insertVersion.run(version, Date.now(), next);
    });
    insert();
    return new SqliteVersionWriter(this, version);
  }

  async activate(version: string): Promise<void> {
    this.checkOpen();
    const flip = this.db.transaction(() => {
      const row = this.statements.versionState.get(version) as { state: string } | undefined;
      if (!row) throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `candidate version ${version} not found in ${this.url}`);
      if (row.state !== 'committed') {
        throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `candidate version ${version} is still being written in ${this.url}; commit it before activating`);
      }
      this.statements.setActive.run(version);
    });
    flip.immediate();
  }

  async activeVersion(): Promise<string | null> {
    this.checkOpen();
    const row = this.statements.active.get() as { version: string } | undefined;
    return row?.version ?? null;
  }

  async listVersions(): Promise<string[]> {
    this.checkOpen();
    return (this.statements.committed.all() as { version: string }[]).map((row) => row.version);
  }

  async get(userId: string, version?: string): Promise<Candidate[] | null> {
    this.checkOpen();
    const row = (version === undefined ? this.statements.getActive.get(userId) : this.statements.getVersion.get(version, userId)) as { items: Buffer } | undefined;
    return row ? decodeCandidates(row.items) : null;
  }

  async deleteVersion(version: string): Promise<void> {
    this.checkOpen();
    const remove = this.db.transaction(() => {
      const active = this.statements.active.get() as { version: string } | undefined;
      if (active?.version === version) {
        throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is active in ${this.url}; activate another version before deleting it`);
      }
      this.removeVersion(version);
    });
    remove.immediate();
  }

  async ping(): Promise<void> {
    this.checkOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** Writes lists of a version that is being written, in one transaction; a later list of a user replaces an earlier one. */
  writeLists(version: string, lists: readonly CandidateList[]): void {
    this.checkOpen();
    // Encode (and so validate) every list before anything is written.
    const encoded = lists.map((list, index) => {
      validateCandidateList(list, index);
      return [list.userId, encodeCandidates(list)] as const;
    });
    const write = this.db.transaction(() => {
      this.expectWriting(version);
      for (const [userId, items] of encoded) this.statements.upsertList.run(version, userId, items);
    });
    write.immediate();
  }

  commitVersion(version: string): void {
    this.checkOpen();
    const commit = this.db.transaction(() => {
      this.expectWriting(version);
      this.statements.commit.run(Date.now(), version);
    });
    commit.immediate();
  }

  abortVersion(version: string): void {
    this.checkOpen();
    const abort = this.db.transaction(() => {
      const row = this.statements.versionState.get(version) as { state: string } | undefined;
      if (row?.state === 'writing') this.removeVersion(version);
    });
    abort.immediate();
  }

  private removeVersion(version: string): void {
    this.statements.deleteLists.run(version);
    this.statements.deleteVersion.run(version);
  }

  private expectWriting(version: string): void {
    const row = this.statements.versionState.get(version) as { state: string } | undefined;
    if (row?.state !== 'writing') {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `candidate version ${version} is not being written in ${this.url} (${row ? 'already committed' : 'aborted or deleted'})`);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`candidate store ${this.url} is closed`);
  }
}

class SqliteVersionWriter implements CandidateVersionWriter {
  constructor(
    private readonly store: SqliteCandidateStore,
    readonly version: string,
  ) {}

  async write(lists: readonly CandidateList[]): Promise<void> {
    this.store.writeLists(this.version, lists);
  }

  async commit(): Promise<void> {
    this.store.commitVersion(this.version);
  }

  async abort(): Promise<void> {
    this.store.abortVersion(this.version);
  }
}

function prepare(db: Database.Database) {
  return {
    versionState: db.prepare('SELECT state FROM candidate_versions WHERE version = ?'),
    nextSequence: db.prepare('SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM candidate_versions'),
    insertVersion: db.prepare("INSERT INTO candidate_versions (version, state, created_at, sequence) VALUES (?, 'writing', ?, ?)"),
    commit: db.prepare("UPDATE candidate_versions SET state = 'committed', committed_at = ?, sequence = (SELECT COALESCE(MAX(sequence), 0) + 1 FROM candidate_versions) WHERE version = ?"),
    setActive: db.prepare('INSERT INTO candidate_active (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version'),
    active: db.prepare('SELECT version FROM candidate_active WHERE id = 1'),
    committed: db.prepare("SELECT version FROM candidate_versions WHERE state = 'committed' ORDER BY sequence"),
    getActive: db.prepare('SELECT items FROM candidate_lists WHERE version = (SELECT version FROM candidate_active WHERE id = 1) AND user_id = ?'),
    getVersion: db.prepare("SELECT l.items FROM candidate_lists l JOIN candidate_versions v ON v.version = l.version AND v.state = 'committed' WHERE l.version = ? AND l.user_id = ?"),
    upsertList: db.prepare('INSERT INTO candidate_lists (version, user_id, items) VALUES (?, ?, ?) ON CONFLICT (version, user_id) DO UPDATE SET items = excluded.items'),
    deleteLists: db.prepare('DELETE FROM candidate_lists WHERE version = ?'),
    deleteVersion: db.prepare('DELETE FROM candidate_versions WHERE version = ?'),
  };
}

function validateVersionName(version: string): void {
  if (typeof version !== 'string' || version === '' || version.length > 200) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid candidate version name "${String(version)}": expected 1 to 200 characters`);
  }
}
