import type { OnlineStore } from '../types.js';

// Placeholder until the SQLite backend lands; it keeps ../open.ts compiling.
export async function openSqliteOnlineStore(url: URL): Promise<OnlineStore> {
  throw new Error(`the SQLite OnlineStore backend is not implemented yet (${url.toString()})`);
}
