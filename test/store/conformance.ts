import { it } from 'vitest';

/** How a backend's test file hands a store to a conformance suite. */
export interface StoreFactory<T extends { close(): Promise<void> }> {
  /** Opens a fresh, empty store; the suite closes it after each case. */
  open(): Promise<T>;
  /** Cases this backend skips, by case name, each with the reason printed in the test name. */
  readonly skip?: Readonly<Record<string, string>>;
}

/** Registers one conformance case that opens a store, runs `body` and closes the store. */
export function defineCase<T extends { close(): Promise<void> }>(factory: StoreFactory<T>, name: string, body: (store: T) => Promise<void>): void {
  const reason = factory.skip?.[name];
  if (reason !== undefined) {
    it.skip(`${name} (skipped: ${reason})`, () => {});
    return;
  }
  it(name, async () => {
    const store = await factory.open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  });
}

/** Returns a unique suffix for key prefixes, schema names and tables, so parallel runs never collide. */
export function uniqueSuffix(): string {
  return `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}
