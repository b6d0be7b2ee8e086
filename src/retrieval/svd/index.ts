/**
 * SVD: biased matrix factorization trained by SGD, the algorithm of Surprise's `SVD`
 * (Surprise 1.1.4, `prediction_algorithms/matrix_factorization.pyx`), popularised by Simon Funk
 * for the Netflix Prize and described by Koren, Bell and Volinsky, "Matrix factorization
 * techniques for recommender systems", IEEE Computer 42(8), 2009.
 *
 * Prediction: r̂_ui = μ + b_u + b_i + q_i·p_u, with μ the mean training rating.
 * Loss: Σ_{r_ui ∈ R_train} (r_ui − r̂_ui)² + λ (b_i² + b_u² + ‖q_i‖² + ‖p_u‖²).
 * Updates per rating, with e_ui = r_ui − r̂_ui and every right-hand value read before the step:
 *   b_u ← b_u + γ (e_ui − λ b_u)          b_i ← b_i + γ (e_ui − λ b_i)
 *   p_u ← p_u + γ (e_ui q_i − λ p_u)      q_i ← q_i + γ (e_ui p_u − λ q_i)
 * γ and λ may differ per parameter: `lr_bu`, `lr_bi`, `lr_pu`, `lr_qi`, `reg_bu`, `reg_bi`,
 * `reg_pu`, `reg_qi` override `lr_all` and `reg_all` when set.
 *
 * Defaults (Surprise's): n_factors 100, n_epochs 20, biased true, init_mean 0,
 * init_std_dev 0.1, lr_all 0.005, reg_all 0.02; random_state 0 here (Surprise: unseeded).
 * With `biased` false, μ, b_u and b_i are neither learned nor used: r̂_ui = q_i·p_u.
 *
 * Shapes (row-major Float64Array): pu [nUsers × n_factors], qi [nItems × n_factors], bu [nUsers],
 * bi [nItems]. Ids: users and items numbered by first appearance among the training ratings.
 *
 * Order and initialisation follow Surprise, so models are identical up to rounding. Factors come
 * from numpy's `RandomState(random_state).normal(init_mean, init_std_dev)`, users' matrix first.
 * Each epoch visits users by inner id and each user's ratings in insertion order, in float64.
 * On MovieLens 100k u1 with 64 factors, every test prediction is within 2e-15 of Surprise's.
 *
 * Cold start: an unknown user gets μ + b_i, an unknown item μ + b_u, both unknown μ; such
 * predictions are flagged `wasImpossible` (see ./model.ts). Clipping to the rating scale is for
 * display only: retrieval ranks by the unclipped estimate.
 */
export { SVD_DEFAULTS, resolveSvdHyperparameters, sgdRates, type SvdHyperparameters } from './hyperparameters.js';
export { sgdEpoch, estimateKnown, type FactorState, type RatingArrays, type SgdRates } from './kernel.js';
export { SvdModel, type SvdModelInit, type SvdPrediction } from './model.js';
export { trainSvd, type EarlyStopping, type EpochReport, type SvdTrainOptions, type SvdTrainResult, type ValidationRatings } from './trainer.js';
export { buildTrainset, pairwiseSum, ratingRowsFromTriples, type RatingRows, type Trainset } from './trainset.js';
export { wasmKernelAvailable } from './wasm-kernel.js';
