import { createRequire } from 'node:module';
import { TwostageError } from '../../errors.js';
import type { GbdtDataset } from '../gbdt/dataset.js';
import { checkDataset } from '../gbdt/dataset.js';
import type { GbdtModel } from '../model.js';
import { parseXgboostJson } from '../xgboost-json.js';

/** Shared library of Debian's libxgboost0 package (XGBoost 1.7.4 in Debian 12). */
const LIBRARY = 'libxgboost.so.0';

type Fn = (...args: unknown[]) => number;
interface Api {
  version: [number, number, number];
  lastError: () => string;
  createFromMat: Fn;
  setFloatInfo: Fn;
  setUIntInfo: Fn;
  setStrFeatureInfo: Fn;
  setBoosterFeatureInfo: Fn;
  freeMatrix: Fn;
  createBooster: Fn;
  setParam: Fn;
  updateOneIter: Fn;
  saveToBuffer: Fn;
  freeBooster: Fn;
  decode: (pointer: unknown, type: string, length: number) => string;
}

let api: Api | null = null;
let loadError: string | null = null;

/** Binds the few XGBoost C API functions the reference trainer needs, through koffi. */
function loadApi(): Api | null {
  if (api || loadError) return api;
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const lib = koffi.load(LIBRARY);
    const major = [0];
    const minor = [0];
    const patch = [0];
    lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)')(major, minor, patch);
    api = {
      version: [major[0], minor[0], patch[0]],
      lastError: lib.func('const char *XGBGetLastError()'),
      createFromMat: lib.func('int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out)'),
      setFloatInfo: lib.func('int XGDMatrixSetFloatInfo(void *handle, const char *field, const float *array, uint64_t len)'),
      setUIntInfo: lib.func('int XGDMatrixSetUIntInfo(void *handle, const char *field, const uint32_t *array, uint64_t len)'),
      setStrFeatureInfo: lib.func('int XGDMatrixSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)'),
      setBoosterFeatureInfo: lib.func('int XGBoosterSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)'),
      freeMatrix: lib.func('int XGDMatrixFree(void *handle)'),
      createBooster: lib.func('int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)'),
      setParam: lib.func('int XGBoosterSetParam(void *handle, const char *name, const char *value)'),
      updateOneIter: lib.func('int XGBoosterUpdateOneIter(void *handle, int iter, void *dtrain)'),
      saveToBuffer: lib.func('int XGBoosterSaveModelToBuffer(void *handle, const char *config, _Out_ uint64_t *len, _Out_ void **out)'),
      freeBooster: lib.func('int XGBoosterFree(void *handle)'),
      decode: (pointer, type, length) => koffi.decode(pointer, type, length) as string,
    };
  } catch (error) {
    loadError = `cannot load ${LIBRARY} through koffi (${(error as Error).message}); install the Debian package libxgboost0`;
  }
  return api;
}

/** Returns why the libxgboost backend cannot run here, or null when it can. */
export function libxgboostUnavailable(): string | null {
  loadApi();
  return loadError;
}

/** Version of the loaded libxgboost, [major, minor, patch]. */
export function libxgboostVersion(): [number, number, number] {
  const bound = loadApi();
  if (!bound) throw new TwostageError('REC_ERR_TRAINING_FAILED', loadError as string);
  return bound.version;
}

function check(bound: Api, code: number, call: string): void {
  if (code !== 0) throw new TwostageError('REC_ERR_TRAINING_FAILED', `libxgboost ${call} failed: ${bound.lastError()}`);
}

/**
 * Trains with the real XGBoost through its C API and returns the model in this project's form
 * (read from XGBoost's own JSON). `params` are XGBoost parameters, passed as given, and
 * `rounds` is the number of boosting rounds. Used as the reference trainer where libxgboost0 is
 * installed.
 */
export function trainWithLibxgboost(params: Record<string, string | number>, data: GbdtDataset, rounds: number): GbdtModel {
  const bound = loadApi();
  if (!bound) throw new TwostageError('REC_ERR_TRAINING_FAILED', loadError as string);
  const objective = String(params.objective ?? 'reg:squarederror');
  const checked = checkDataset(data, objective, 'training');

  const matrixOut: unknown[] = [null];
  check(bound, bound.createFromMat(checked.matrix, checked.rows, checked.columns, Number.NaN, matrixOut), 'XGDMatrixCreateFromMat');
  const matrix = matrixOut[0];
  let booster: unknown = null;
  try {
    check(bound, bound.setFloatInfo(matrix, 'label', checked.labels, checked.rows), 'XGDMatrixSetFloatInfo(label)');
    if (checked.weights) check(bound, bound.setFloatInfo(matrix, 'weight', checked.weights, checked.weights.length), 'XGDMatrixSetFloatInfo(weight)');
    if (checked.groups) {
      const sizes = Uint32Array.from({ length: checked.groups.length - 1 }, (_, g) => (checked.groups as Int32Array)[g + 1] - (checked.groups as Int32Array)[g]);
      check(bound, bound.setUIntInfo(matrix, 'group', sizes, sizes.length), 'XGDMatrixSetUIntInfo(group)');
    }
    check(bound, bound.setStrFeatureInfo(matrix, 'feature_name', checked.featureNames, checked.columns), 'XGDMatrixSetStrFeatureInfo');

    const boosterOut: unknown[] = [null];
    check(bound, bound.createBooster([matrix], 1, boosterOut), 'XGBoosterCreate');
    booster = boosterOut[0];
    check(bound, bound.setBoosterFeatureInfo(booster, 'feature_name', checked.featureNames, checked.columns), 'XGBoosterSetStrFeatureInfo');
    for (const [name, value] of Object.entries(params)) check(bound, bound.setParam(booster, name, String(value)), `XGBoosterSetParam(${name})`);
    for (let round = 0; round < rounds; round++) check(bound, bound.updateOneIter(booster, round, matrix), 'XGBoosterUpdateOneIter');

    const length: unknown[] = [0];
    const buffer: unknown[] = [null];
    check(bound, bound.saveToBuffer(booster, '{"format": "json"}', length, buffer), 'XGBoosterSaveModelToBuffer');
    const text = bound.decode(buffer[0], 'char', Number(length[0]));
    return parseXgboostJson(text, 'libxgboost model');
  } finally {
    if (booster !== null) bound.freeBooster(booster);
    bound.freeMatrix(matrix);
  }
}
