import { TwostageError } from '../../errors.js';
import { buildTrainset, trainSvd, type SvdModel, type SvdTrainResult } from '../../retrieval/svd/index.js';
import type { EvaluationModel, FitContext, FittedModel } from '../model-types.js';
import { fittedFromRetrievalModel } from './retrieval-adapter.js';

/**
 * SVD retrieval alone: Surprise-style biased matrix factorization with MF_FACTORS factors and
 * Surprise's other defaults, ranking by the unclipped predicted rating μ + b_u + b_i + q_i·p_u.
 */
export const svdModel: EvaluationModel = {
  name: 'svd',
  description: 'SVD (biased MF by SGD), ranked by predicted rating',
  async fit(context) {
    const result = fitSvd(context);
    return withRatingPrediction(fittedFromRetrievalModel(result.model, context.train, svdExtras(result)), result.model, context);
  },
};

/** The same SVD ranked by the interaction term q_i·p_u alone, without biases. */
export const svdDotModel: EvaluationModel = {
  name: 'svd-dot',
  description: 'SVD (biased MF by SGD), ranked by q_i·p_u only',
  async fit(context) {
    const result = fitSvd(context);
    const model = result.model;
    const k = model.nFactors;
    const items = model.itemIds.length;
    const fitted = fittedFromRetrievalModel(model, context.train, svdExtras(result));
    return {
      ...fitted,
      scoreUser(user, out) {
        const u = model.userIndex(context.train.userIds[user]);
        if (u < 0) {
          out.fill(Number.NaN);
          return;
        }
        for (let i = 0; i < items; i++) {
          let dot = 0;
          for (let f = 0; f < k; f++) dot += model.qi[i * k + f] * model.pu[u * k + f];
          out[i] = dot;
        }
      },
      scoreUnknownUser: undefined,
    };
  },
};

function fitSvd(context: FitContext): SvdTrainResult {
  if (context.ratingScale === null) {
    throw new TwostageError('REC_ERR_TRAINING_FAILED', 'SVD needs explicit ratings, but the dataset has implicit feedback only');
  }
  const trainset = buildTrainset(context.train, context.ratingScale);
  return trainSvd(trainset, { hyperparameters: { n_factors: context.factors, random_state: context.seed }, progress: false });
}

function svdExtras(result: SvdTrainResult) {
  return {
    trainingLoss: { name: 'train RMSE', points: result.epochs.map((e) => ({ step: e.epoch, loss: e.trainRmse })) },
    details: { factors: result.model.nFactors, epochs: result.keptEpoch, ...result.model.hyperparameters },
  };
}

/** Adds the rating prediction (unclipped estimate, clipped to the scale) used for RMSE and MAE. */
function withRatingPrediction(fitted: FittedModel, model: SvdModel, context: FitContext): FittedModel {
  const userMap = Int32Array.from(context.train.userIds, (id) => model.userIndex(id));
  const itemMap = Int32Array.from(context.train.itemIds, (id) => model.itemIndex(id));
  return { ...fitted, predictRating: (user, item) => model.clip(model.estimate(userMap[user], itemMap[item])) };
}
