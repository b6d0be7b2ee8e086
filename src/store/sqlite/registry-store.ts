import type { RegistryStore } from '../types.js';

// Placeholder until the SQLite backend lands; it keeps ../open.ts compiling.
export async function openSqliteRegistryStore(url: URL): Promise<RegistryStore> {
  throw new Error(`the SQLite RegistryStore backend is not implemented yet (${url.toString()})`);
}
