import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type Config } from '../config/load.js';
import { TwostageError } from '../errors.js';
import { createLogger, setLogger, type Logger } from '../log.js';
import { parseIntegerText } from '../config/integer-text.js';

export interface CommandContext {
  config: Config;
  log: Logger;
  /** True when `--json` was given: the action's result is printed as one JSON object on stdout. */
  json: boolean;
}

/**
 * What an action returns: `json` is printed with `--json` (with `"ok": true` first unless it sets
 * `ok` itself), `text` otherwise (lines on stdout).
 * Returning `undefined` prints nothing (long-running commands such as `serve`).
 */
export interface CommandResult {
  json: Record<string, unknown>;
  text: string;
}

type FlagMap = Partial<Record<keyof Config, string | number | undefined>>;

/**
 * Wraps a command action: loads the configuration (flags override the environment), runs the
 * action, prints its result, and on failure prints one line `error: …` on stderr (and the error as
 * JSON on stdout with `--json`) and exits with status 1.
 */
export function action<O extends { json?: boolean }>(
  run: (ctx: CommandContext, options: O, args: string[]) => Promise<CommandResult | undefined>,
  flagsOf: (options: O) => FlagMap = () => ({}),
): (...args: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const command = raw[raw.length - 1] as Command;
    const options = command.opts() as O;
    const positional = command.args;
    const json = Boolean(options.json);
    try {
      const { config } = loadConfig({ flags: flagsOf(options) });
      const log = createLogger(config.LOG_LEVEL);
      setLogger(log);
      const result = await run({ config, log, json }, options, positional);
      if (result !== undefined) {
        process.stdout.write(json ? `${JSON.stringify({ ok: true, ...result.json })}\n` : `${result.text}\n`);
      }
    } catch (error) {
      reportFailure(error, json);
      process.exitCode = 1;
    }
  };
}

export function reportFailure(error: unknown, json: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof TwostageError ? error.code : error instanceof InvalidArgumentError ? 'REC_ERR_REQUEST_INVALID' : 'REC_ERR_INTERNAL';
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`error: ${oneLine}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message: oneLine } })}\n`);
  if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/**
 * Parses an integer flag, naming the flag in the error. Call it inside an action or its flag
 * mapping, where `action` reports the error as one line (and as JSON with `--json`). As a
 * commander option parser, its message would follow commander's own "argument … is invalid.".
 */
export function parseIntegerFlag(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const parsed = parseIntegerText(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`invalid value "${value}" for ${name}: expected an integer ${range}`);
    }
    return parsed;
  };
}
