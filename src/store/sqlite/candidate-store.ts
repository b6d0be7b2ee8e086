import type { CandidateStore } from '../types.js';

// Placeholder until the SQLite backend lands; it keeps ../open.ts compiling.
export async function openSqliteCandidateStore(url: URL): Promise<CandidateStore> {
  throw new Error(`the SQLite CandidateStore backend is not implemented yet (${url.toString()})`);
}
