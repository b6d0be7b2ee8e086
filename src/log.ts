import pino, { type Logger } from 'pino';

/**
 * Creates the process logger: JSON lines on stderr, so stdout stays free for `--json` output.
 * Log calls pass a fields object first, then a short lowercase phrase ("failed to open store").
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { name: 'twostage' } }, pino.destination(2));
}

let shared: Logger | undefined;

/** Returns the logger shared by library code that has none passed in. */
export function getLogger(): Logger {
  shared ??= createLogger();
  return shared;
}

export function setLogger(logger: Logger): void {
  shared = logger;
}

export type { Logger };
