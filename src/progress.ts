import cliProgress from 'cli-progress';
import { getLogger } from './log.js';

/** Reports the progress of a long job. `total` is in the job's own unit (lines, epochs, users). */
export interface Progress {
  update(done: number, extra?: Record<string, unknown>): void;
  finish(extra?: Record<string, unknown>): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  /** Forces the log-line mode even on a terminal (for tests and `--json` runs). */
  quiet?: boolean;
}

/** Minimum time between two log lines when stderr is not a terminal. */
const LOG_INTERVAL_MS = 5_000;

/**
 * Starts a progress report: a bar on stderr when it is a terminal, otherwise an info log line at
 * most every five seconds and one at the end.
 */
export function startProgress(options: ProgressOptions): Progress {
  const unit = options.unit ?? 'items';
  if (process.stderr.isTTY && !options.quiet) {
    const bar = new cliProgress.SingleBar(
      { format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(options.total, 1), 0);
    return {
      update: (done) => bar.update(done),
      finish: () => {
        bar.update(Math.max(options.total, 1));
        bar.stop();
      },
    };
  }

  const log = getLogger();
  const started = Date.now();
  let lastLog = started;
  return {
    update(done, extra) {
      const now = Date.now();
      if (now - lastLog < LOG_INTERVAL_MS) return;
      lastLog = now;
      log.info({ job: options.label, done, total: options.total, unit, ...extra }, 'progress');
    },
    finish(extra) {
      log.info({ job: options.label, total: options.total, unit, seconds: (Date.now() - started) / 1000, ...extra }, 'finished');
    },
  };
}
