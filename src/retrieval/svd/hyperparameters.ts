import { TwostageError } from '../../errors.js';
import { MAX_NUMPY_SEED } from '../numpy-random.js';
import type { SgdRates } from './kernel.js';

/**
 * Hyperparameters of the SVD trainer, with Surprise's names and defaults (Surprise 1.1.4
 * `SVD.__init__`). A per-parameter learning rate or regularization term (`lr_bu` … `reg_qi`)
 * overrides `lr_all` / `reg_all` for that parameter when it is not null.
 */
export interface SvdHyperparameters {
  /** Number of latent factors k. Surprise default 100; the pipeline passes MF_FACTORS (64). */
  readonly n_factors: number;
  /** Passes of SGD over the training ratings. */
  readonly n_epochs: number;
  /** Whether to learn μ, b_u and b_i; without them the estimate is q_i·p_u alone. */
  readonly biased: boolean;
  /** Mean of the normal distribution factors are drawn from. */
  readonly init_mean: number;
  /** Standard deviation of that distribution. */
  readonly init_std_dev: number;
  /** Learning rate γ of every parameter without its own. */
  readonly lr_all: number;
  /** Regularization term λ of every parameter without its own. */
  readonly reg_all: number;
  readonly lr_bu: number | null;
  readonly lr_bi: number | null;
  readonly lr_pu: number | null;
  readonly lr_qi: number | null;
  readonly reg_bu: number | null;
  readonly reg_bi: number | null;
  readonly reg_pu: number | null;
  readonly reg_qi: number | null;
  /**
   * Seed of numpy's `RandomState` that draws the initial factors. Surprise's default (None) draws a
   * fresh seed; here a seed is always set so training is reproducible.
   */
  readonly random_state: number;
}

export const SVD_DEFAULTS: SvdHyperparameters = Object.freeze({
  n_factors: 100,
  n_epochs: 20,
  biased: true,
  init_mean: 0,
  init_std_dev: 0.1,
  lr_all: 0.005,
  reg_all: 0.02,
  lr_bu: null,
  lr_bi: null,
  lr_pu: null,
  lr_qi: null,
  reg_bu: null,
  reg_bi: null,
  reg_pu: null,
  reg_qi: null,
  random_state: 0,
});

const OVERRIDES = ['lr_bu', 'lr_bi', 'lr_pu', 'lr_qi', 'reg_bu', 'reg_bi', 'reg_pu', 'reg_qi'] as const;

/** Fills defaults into `given` and checks every value; throws REC_ERR_REQUEST_INVALID naming the parameter. */
export function resolveSvdHyperparameters(given: Partial<SvdHyperparameters> = {}): SvdHyperparameters {
  const unknown = Object.keys(given).filter((key) => !(key in SVD_DEFAULTS));
  if (unknown.length > 0) {
    throw invalid(`unknown SVD hyperparameter ${unknown.join(', ')}; known: ${Object.keys(SVD_DEFAULTS).join(', ')}`);
  }
  const merged = { ...SVD_DEFAULTS, ...stripUndefined(given) };

  checkInteger('n_factors', merged.n_factors, 1, 4096);
  checkInteger('n_epochs', merged.n_epochs, 0, 100_000);
  checkInteger('random_state', merged.random_state, 0, MAX_NUMPY_SEED);
  if (typeof merged.biased !== 'boolean') throw invalid(`invalid SVD hyperparameter biased=${String(merged.biased)}: expected true or false`);
  checkFinite('init_mean', merged.init_mean);
  checkNonNegative('init_std_dev', merged.init_std_dev);
  checkNonNegative('lr_all', merged.lr_all);
  checkNonNegative('reg_all', merged.reg_all);
  for (const name of OVERRIDES) {
    if (merged[name] !== null) checkNonNegative(name, merged[name]);
  }
  return Object.freeze(merged);
}

/** Resolves the per-parameter rates: an override when set, otherwise `lr_all` / `reg_all`. */
export function sgdRates(h: SvdHyperparameters): SgdRates {
  return {
    lrBu: h.lr_bu ?? h.lr_all,
    lrBi: h.lr_bi ?? h.lr_all,
    lrPu: h.lr_pu ?? h.lr_all,
    lrQi: h.lr_qi ?? h.lr_all,
    regBu: h.reg_bu ?? h.reg_all,
    regBi: h.reg_bi ?? h.reg_all,
    regPu: h.reg_pu ?? h.reg_all,
    regQi: h.reg_qi ?? h.reg_all,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`invalid SVD hyperparameter ${name}=${String(value)}: expected an integer from ${min} to ${max}`);
  }
}

function checkFinite(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`invalid SVD hyperparameter ${name}=${String(value)}: expected a finite number`);
}

function checkNonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`invalid SVD hyperparameter ${name}=${String(value)}: expected a finite number ≥ 0`);
  }
}

function invalid(message: string): TwostageError {
  return new TwostageError('REC_ERR_REQUEST_INVALID', message);
}
