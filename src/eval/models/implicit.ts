import { trainAlsModel, trainBprModel, trainCooccurrenceModel } from '../../retrieval/implicit/index.js';
import type { EvaluationModel } from '../model-types.js';
import { fittedFromRetrievalModel } from './retrieval-adapter.js';

/** Implicit ALS with the library defaults (regularization 0.01, alpha 2, 15 sweeps) and MF_FACTORS factors. */
export const alsModel: EvaluationModel = {
  name: 'als',
  description: 'implicit ALS on binary interactions, ranked by q_i·p_u',
  async fit({ train, factors, seed }) {
    const model = await trainAlsModel(train, { factors, seed, quiet: true });
    return fittedFromRetrievalModel(model, train, { details: { ...model.parameters } });
  },
};

/** BPR with the library defaults (learning rate 0.01, regularization 0.01, 100 epochs) and MF_FACTORS factors. */
export const bprModel: EvaluationModel = {
  name: 'bpr',
  description: 'BPR (pairwise ranking by SGD), ranked by q_i·p_u + b_i',
  async fit({ train, factors, seed }) {
    const model = await trainBprModel(train, { factors, seed, quiet: true });
    return fittedFromRetrievalModel(model, train, { details: { ...model.parameters } });
  },
};

/** Item-to-item cosine co-occurrence with 20 neighbours per item. */
export const cooccurrenceModel: EvaluationModel = {
  name: 'cooccurrence',
  description: 'item-item cosine co-occurrence, 20 neighbours, scored from the user\'s history',
  async fit({ train }) {
    const model = trainCooccurrenceModel(train, { neighbours: 20 });
    return fittedFromRetrievalModel(model, train, { details: { ...model.parameters } });
  },
};
