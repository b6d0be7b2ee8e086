import type { Command } from 'commander';
import { findBundleVersion, precomputeBundleCandidates } from '../../pipeline/bundle-candidates.js';
import { runCandidates } from '../../retrieval/jobs.js';
import { action } from '../run.js';

interface CandidatesCommandOptions {
  modelVersion?: string;
  activate: boolean;
  json?: boolean;
}

/** `twostage candidates [--model-version V] [--no-activate] [--json]`. */
export function registerCandidatesCommand(parent: Command): void {
  parent
    .command('candidates')
    .description("Precompute every user's retrieval candidates into a new candidate version and activate it")
    .option('--model-version <version>', 'retrieval model version to use (default: the production retrieval version, else the newest SVD model)')
    .option('--no-activate', 'write and commit the version but leave the active one in place')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<CandidatesCommandOptions>(async (ctx, options) => {
        const bundle = await findBundleVersion(ctx.config, options.modelVersion);
        const s = bundle
          ? await precomputeBundleCandidates(ctx.config, bundle, { activate: options.activate, quiet: ctx.json })
          : await runCandidates(ctx.config, { modelVersion: options.modelVersion, activate: options.activate, quiet: ctx.json });
        return {
          json: {
            ok: true,
            model_version: s.modelVersion,
            candidate_version: s.version,
            users: s.users,
            candidates: s.candidates,
            short_lists: s.shortLists,
            activated: s.activated,
            seconds: s.seconds,
          },
          text:
            `candidate version ${s.version} from ${s.modelVersion}: ${s.users} users, ${s.candidates} candidates` +
            `${s.shortLists > 0 ? ` (${s.shortLists} users with fewer than CANDIDATE_COUNT unseen items)` : ''}, ` +
            `${s.activated ? 'active' : 'not activated'}, ${s.seconds.toFixed(2)} s`,
        };
      }),
    );
}
