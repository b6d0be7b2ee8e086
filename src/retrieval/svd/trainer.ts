import { TwostageError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { NumpyRandomState } from '../numpy-random.js';
import { resolveSvdHyperparameters, sgdRates, type SvdHyperparameters } from './hyperparameters.js';
import { sgdEpoch, type FactorState } from './kernel.js';
import { SvdModel } from './model.js';
import type { Trainset } from './trainset.js';
import { WasmSgd, wasmKernelAvailable } from './wasm-kernel.js';

/**
 * Trains Surprise's SVD (Surprise 1.1.4 `SVD.fit`). Factors are drawn from numpy's
 * `RandomState(random_state).normal(init_mean, init_std_dev)`, the user matrix [nUsers × k] first
 * and then the item matrix [nItems × k]. Biases start at 0. Each epoch runs the SGD kernel of
 * ./kernel.ts over the trainset in its order. Loss minimised:
 *   Σ (r_ui − r̂_ui)² + λ (b_i² + b_u² + ‖q_i‖² + ‖p_u‖²), λ per parameter (see ./hyperparameters.ts).
 */

/** Ratings to measure a validation error on, by raw ids. */
export interface ValidationRatings {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly ratings: ArrayLike<number>;
}

export interface EarlyStopping {
  /** Epochs without a validation RMSE improvement of at least `minDelta` before training stops. */
  readonly patience: number;
  /** Smallest decrease of validation RMSE that counts as an improvement (default 0). */
  readonly minDelta?: number;
}

export interface SvdTrainOptions {
  readonly hyperparameters?: Partial<SvdHyperparameters>;
  /** Ratings held out from training; their RMSE is reported after each epoch. */
  readonly validation?: ValidationRatings;
  /** Stops when the validation RMSE stops improving and keeps the best epoch's model; needs `validation`. */
  readonly earlyStopping?: EarlyStopping;
  /**
   * `wasm` (default when available): the WebAssembly SIMD kernel. `js`: the JavaScript kernel,
   * which sums dot products in Surprise's order, so from the same initial factors it computes
   * Surprise's model bit for bit; it is about five times slower.
   */
  readonly kernel?: 'wasm' | 'js';
  /** Shows a progress bar or progress log lines (default true). */
  readonly progress?: boolean;
  /** Called after each epoch. */
  readonly onEpoch?: (report: EpochReport) => void;
}

export interface EpochReport {
  /** 1-based. */
  readonly epoch: number;
  /** RMSE of the errors seen during the epoch, each taken just before its own update. */
  readonly trainRmse: number;
  /** RMSE of the clipped estimates on the validation ratings after the epoch; null without validation. */
  readonly validationRmse: number | null;
}

export interface SvdTrainResult {
  readonly model: SvdModel;
  readonly epochs: readonly EpochReport[];
  /** Epoch whose model was kept: the last one, or the best validation epoch with early stopping. */
  readonly keptEpoch: number;
  readonly stoppedEarly: boolean;
  /** Wall time of fitting, seconds. */
  readonly fitSeconds: number;
}

export function trainSvd(trainset: Trainset, options: SvdTrainOptions = {}): SvdTrainResult {
  const h = resolveSvdHyperparameters(options.hyperparameters);
  if (options.earlyStopping && !options.validation) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', 'early stopping needs validation ratings: pass a validation split');
  }
  if (options.earlyStopping && !(Number.isInteger(options.earlyStopping.patience) && options.earlyStopping.patience >= 1)) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid early-stopping patience ${options.earlyStopping.patience}: expected an integer ≥ 1`);
  }
  const kernel = options.kernel ?? (wasmKernelAvailable() ? 'wasm' : 'js');
  const started = performance.now();

  const state = initialState(trainset, h);
  const model = new SvdModel({
    userIds: trainset.userIds,
    itemIds: trainset.itemIds,
    nFactors: h.n_factors,
    pu: state.pu,
    qi: state.qi,
    bu: state.bu,
    bi: state.bi,
    globalMean: trainset.globalMean,
    biased: h.biased,
    ratingScale: trainset.ratingScale,
    hyperparameters: h,
  });
  const validation = options.validation ? indexValidation(model, options.validation) : null;
  const rates = sgdRates(h);
  const wasm = kernel === 'wasm' ? new WasmSgd(trainset.ratings, state) : null;
  const nRatings = trainset.ratings.rating.length;

  const progress = options.progress === false ? null : startProgress({ label: 'train svd', total: h.n_epochs, unit: 'epochs' });
  const epochs: EpochReport[] = [];
  let best: { epoch: number; rmse: number; snapshot: FactorState | null } | null = null;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= h.n_epochs; epoch++) {
    const squaredError = wasm ? wasm.epoch(rates) : sgdEpoch(state, trainset.ratings, rates);
    const trainRmse = Math.sqrt(squaredError / nRatings);
    let validationRmse: number | null = null;
    if (validation) {
      wasm?.readState();
      validationRmse = validationError(model, validation);
    }
    const report = { epoch, trainRmse, validationRmse };
    epochs.push(report);
    options.onEpoch?.(report);
    progress?.update(epoch, { trainRmse, validationRmse });

    if (options.earlyStopping && validationRmse !== null) {
      const minDelta = options.earlyStopping.minDelta ?? 0;
      if (best === null || validationRmse < best.rmse - minDelta) {
        best = { epoch, rmse: validationRmse, snapshot: copyState(state) };
      } else if (epoch - best.epoch >= options.earlyStopping.patience) {
        stoppedEarly = true;
        break;
      }
    }
  }
  wasm?.readState();
  let keptEpoch = epochs.length;
  if (best?.snapshot && best.epoch !== epochs.length) {
    restoreState(state, best.snapshot);
    keptEpoch = best.epoch;
  }
  progress?.finish({ keptEpoch, stoppedEarly });

  return { model, epochs, keptEpoch, stoppedEarly, fitSeconds: (performance.now() - started) / 1000 };
}

/** Draws the initial factors as Surprise does and zeroes the biases. */
function initialState(trainset: Trainset, h: SvdHyperparameters): FactorState {
  const k = h.n_factors;
  const random = new NumpyRandomState(h.random_state);
  const pu = random.fillNormal(new Float64Array(trainset.userIds.length * k), h.init_mean, h.init_std_dev);
  const qi = random.fillNormal(new Float64Array(trainset.itemIds.length * k), h.init_mean, h.init_std_dev);
  return {
    pu,
    qi,
    bu: new Float64Array(trainset.userIds.length),
    bi: new Float64Array(trainset.itemIds.length),
    nFactors: k,
    globalMean: h.biased ? trainset.globalMean : 0,
    biased: h.biased,
  };
}

interface IndexedValidation {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly rating: Float64Array;
}

function indexValidation(model: SvdModel, validation: ValidationRatings): IndexedValidation {
  const n = validation.ratings.length;
  if (validation.userIds.length !== n || validation.itemIds.length !== n) {
    throw new RangeError(`validation users, items and ratings must have the same length, got ${validation.userIds.length}, ${validation.itemIds.length}, ${n}`);
  }
  if (n === 0) throw new TwostageError('REC_ERR_REQUEST_INVALID', 'the validation split is empty: give a larger validation fraction');
  return {
    user: Int32Array.from(validation.userIds, (id) => model.userIndex(id)),
    item: Int32Array.from(validation.itemIds, (id) => model.itemIndex(id)),
    rating: Float64Array.from(validation.ratings),
  };
}

/** RMSE of clipped estimates, as Surprise's `accuracy.rmse` on `test()` predictions. */
function validationError(model: SvdModel, validation: IndexedValidation): number {
  let sum = 0;
  for (let j = 0; j < validation.rating.length; j++) {
    const error = validation.rating[j] - model.clip(model.estimate(validation.user[j], validation.item[j]));
    sum += error * error;
  }
  return Math.sqrt(sum / validation.rating.length);
}

function copyState(state: FactorState): FactorState {
  return { ...state, pu: state.pu.slice(), qi: state.qi.slice(), bu: state.bu.slice(), bi: state.bi.slice() };
}

function restoreState(target: FactorState, source: FactorState): void {
  target.pu.set(source.pu);
  target.qi.set(source.qi);
  target.bu.set(source.bu);
  target.bi.set(source.bi);
}
