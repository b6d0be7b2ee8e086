import type { Command } from 'commander';
import { ModelError } from '../../errors.js';
import { formatTransition, formatVersionDetail, formatVersionTable, recordToJson, transitionToJson } from '../../registry/format.js';
import { openModelRegistry } from '../../registry/open.js';
import { parseModelKind, type ModelRegistry } from '../../registry/registry.js';
import { MODEL_KINDS } from '../../registry/types.js';
import type { Config } from '../../config/load.js';
import { action, type CommandResult } from '../run.js';
import { assertVersionLoads } from './promote-check.js';

interface ListOptions {
  kind?: string;
  json?: boolean;
}

interface RollbackOptions {
  to?: string;
  json?: boolean;
}

const KINDS = MODEL_KINDS.join('|');

/** `twostage models list | show | promote | rollback`. */
export function registerModelsCommand(parent: Command): void {
  const models = parent.command('models').description('List, show, promote and roll back model versions in the registry');

  models
    .command('list')
    .description('List registered model versions, newest first')
    .option('--kind <kind>', `only this kind (${KINDS})`)
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<ListOptions>(async (ctx, options) => {
        const kind = options.kind === undefined ? undefined : parseModelKind(options.kind);
        return withRegistry(ctx.config, false, async (registry) => {
          const records = await registry.list(kind);
          return { json: { versions: records.map(recordToJson) }, text: formatVersionTable(records) };
        });
      }),
    );

  models
    .command('show')
    .description('Show one version: parameters, metrics, data fingerprint, artifacts (default: the production version)')
    .argument('<kind>', `model kind (${KINDS})`)
    .argument('[version]', 'version id (default: the production version)')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<{ json?: boolean }>(async (ctx, _options, args) => {
        const kind = parseModelKind(args[0]);
        return withRegistry(ctx.config, false, async (registry) => {
          const record = args[1] === undefined ? await registry.production(kind) : await registry.get(kind, args[1]);
          if (!record) {
            throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `no ${kind} version is in production; give a version, or list them with \`twostage models list\``);
          }
          return { json: recordToJson(record), text: formatVersionDetail(record) };
        });
      }),
    );

  models
    .command('promote')
    .description('Check that a version\'s artifacts load, then move it to production and archive the one it replaces; a retrieval version also activates its candidates')
    .argument('<kind>', `model kind (${KINDS})`)
    .argument('<version>', 'version id')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<{ json?: boolean }>(async (ctx, _options, args) => {
        const kind = parseModelKind(args[0]);
        return withRegistry(ctx.config, kind === 'retrieval', async (registry) => {
          await assertVersionLoads(ctx.config, registry, kind, args[1]);
          const transition = await registry.promote(kind, args[1]);
          ctx.log.info({ kind, version: transition.current.version, previous: transition.previous?.version ?? null }, 'promoted model version');
          return { json: transitionToJson(transition), text: formatTransition('promoted', transition) };
        });
      }),
    );

  models
    .command('rollback')
    .description('Check that the previous production version (the newest archived one older than the current one) still loads, then put it back')
    .argument('<kind>', `model kind (${KINDS})`)
    .option('--to <version>', 'roll back to this version instead')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<RollbackOptions>(async (ctx, options, args) => {
        const kind = parseModelKind(args[0]);
        return withRegistry(ctx.config, kind === 'retrieval', async (registry) => {
          const target = await registry.rollbackTarget(kind, options.to);
          await assertVersionLoads(ctx.config, registry, kind, target.version, 'roll back to');
          const transition = await registry.promote(kind, target.version);
          ctx.log.info({ kind, version: transition.current.version, previous: transition.previous?.version ?? null }, 'rolled back model version');
          return { json: transitionToJson(transition), text: formatTransition('rolled back', transition) };
        });
      }),
    );
}

async function withRegistry(config: Config, withCandidates: boolean, run: (registry: ModelRegistry) => Promise<CommandResult>): Promise<CommandResult> {
  const opened = await openModelRegistry(config, { withCandidates });
  try {
    return await run(opened.registry);
  } finally {
    await opened.close();
  }
}
