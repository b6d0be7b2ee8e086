/**
 * The RETRIEVAL_SOURCES setting: which candidate sources run and what share of CANDIDATE_COUNT
 * each one fills, written `name:share,name:share,…` (for example
 * `als:50,cooccurrence:30,popularity:20,svd:0`). A share of 0 turns a source off. Shares are
 * relative: source s gets floor(share_s · CANDIDATE_COUNT / total) slots, and the slots left by
 * rounding go one each to the sources in the listed order.
 */

/** Source names the setting accepts. */
export const RETRIEVAL_SOURCE_NAMES = ['als', 'bpr', 'cooccurrence', 'popularity', 'popularity_recent', 'svd'] as const;

export type RetrievalSourceName = (typeof RETRIEVAL_SOURCE_NAMES)[number];

export interface RetrievalSourceShare {
  readonly source: RetrievalSourceName;
  readonly share: number;
}

export const DEFAULT_RETRIEVAL_SOURCES = 'als:50,cooccurrence:30,bpr:20,popularity_recent:0,svd:0';

/**
 * Parses the setting text; throws an Error whose message names the offending entry and the
 * expected form. Whitespace around entries and around `:` is ignored.
 */
export function parseRetrievalSources(text: string): RetrievalSourceShare[] {
  const entries = text.split(',').map((entry) => entry.trim());
  const shares: RetrievalSourceShare[] = [];
  for (const [position, entry] of entries.entries()) {
    const match = /^([a-z_]+)\s*:\s*(\d+)$/.exec(entry);
    if (match === null) {
      throw new Error(`entry ${position + 1} ${JSON.stringify(entry)} is not name:share (a source name, a colon, a non-negative integer)`);
    }
    const source = match[1] as RetrievalSourceName;
    if (!RETRIEVAL_SOURCE_NAMES.includes(source)) {
      throw new Error(`unknown source ${JSON.stringify(match[1])}; known sources: ${RETRIEVAL_SOURCE_NAMES.join(', ')}`);
    }
    if (shares.some((s) => s.source === source)) throw new Error(`source ${source} is listed twice`);
    const share = Number(match[2]);
    if (share > 1_000_000) throw new Error(`share ${share} of ${source} is larger than 1000000`);
    shares.push({ source, share });
  }
  if (!shares.some((s) => s.share > 0)) throw new Error('at least one source needs a share above 0');
  return shares;
}
