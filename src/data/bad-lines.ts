import { InputError } from '../errors.js';

export type OnBadLine = 'error' | 'skip';

/** A malformed line: where it is, why it was rejected, and the start of its text. */
export interface BadLine {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
  /** First 120 characters of the line. */
  readonly excerpt: string;
}

/** Number of bad lines the summary lists one by one; the rest are only counted. */
export const BAD_LINE_EXAMPLES = 20;
const EXCERPT_LENGTH = 120;

/**
 * Applies the bad-line policy. With `error`, the first malformed line throws an InputError naming
 * the file, line and reason. With `skip`, lines are counted by reason and the first
 * BAD_LINE_EXAMPLES are kept for the summary.
 */
export class BadLineTracker {
  readonly policy: OnBadLine;
  readonly byReason: Record<string, number> = {};
  readonly examples: BadLine[] = [];
  /** Malformed lines per file path. */
  readonly byFile = new Map<string, number>();
  total = 0;

  constructor(policy: OnBadLine) {
    this.policy = policy;
  }

  /**
   * Records a malformed line. `reasonKey` is the short key it is counted under (`invalid_json`,
   * `wrong_field_count`, …); `detail` is the human-readable reason.
   */
  report(file: string, line: number, reasonKey: string, detail: string, text: string): void {
    if (this.policy === 'error') {
      throw new InputError(`${detail} (use --on-bad-line skip to skip and count malformed lines)`, { file, line });
    }
    this.total += 1;
    this.byFile.set(file, (this.byFile.get(file) ?? 0) + 1);
    this.byReason[reasonKey] = (this.byReason[reasonKey] ?? 0) + 1;
    if (this.examples.length < BAD_LINE_EXAMPLES) {
      this.examples.push({ file, line, reason: detail, excerpt: text.slice(0, EXCERPT_LENGTH) });
    }
  }
}
