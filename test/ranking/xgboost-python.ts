import { execFileSync, spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

/** Why XGBoost for Python cannot run here, or null when `import xgboost` works. */
export function xgboostPythonUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import xgboost; print(xgboost.__version__)'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot start (${probe.error.message}); install python3-xgboost`;
  if (probe.status !== 0) return `${PYTHON} cannot import xgboost; install the Debian package python3-xgboost`;
  return null;
}

/** Version string of the installed XGBoost for Python. */
export function xgboostPythonVersion(): string {
  return execFileSync(PYTHON, ['-c', 'import xgboost; print(xgboost.__version__)'], { encoding: 'utf8' }).trim();
}

/** Runs a Python script with XGBoost on one thread and returns its stdout. */
export function runPython(script: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
  });
}

/**
 * Loads a model file with XGBoost, predicts the rows of a CSV (NaN = missing, only the named
 * feature columns) and prints one prediction per line.
 */
export const PREDICT_SCRIPT = `
import sys, csv, math
import numpy as np, xgboost as xgb
model_file, csv_file = sys.argv[1], sys.argv[2]
booster = xgb.Booster(model_file=model_file)
names = booster.feature_names
with open(csv_file) as fh:
    reader = csv.reader(fh)
    header = next(reader)
    index = [header.index(n) for n in names]
    rows = [[float(r[i]) if r[i] not in ('', 'NaN') else math.nan for i in index] for r in reader]
m = xgb.DMatrix(np.array(rows, dtype=np.float32), feature_names=names, missing=np.nan)
for v in booster.predict(m):
    print(repr(float(v)))
`;
