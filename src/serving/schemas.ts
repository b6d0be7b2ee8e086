/**
 * JSON schemas of the API, used by Fastify for validation and by @fastify/swagger for the OpenAPI
 * document at /docs. Limits come from the configuration, so the schemas are built per server.
 */

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code (REC_ERR_*); see docs/errors.md.' },
        message: { type: 'string', description: 'What was wrong and what to do.' },
      },
    },
  },
} as const;

const modelVersions = {
  type: 'object',
  properties: {
    retrieval: { type: ['string', 'null'] },
    ranker: { type: ['string', 'null'] },
    candidates: { type: ['string', 'null'] },
  },
} as const;

export function recommendationSchema(limits: { maxTopK: number; defaultTopK: number; maxUserIdLength: number }) {
  return {
    summary: 'Top-k recommendations for one user',
    description:
      'Candidates from retrieval, reordered by the ranker. Items the user interacted with are never returned. ' +
      'An unknown user gets the same non-personalized list as every other unknown user, flagged with `fallback: true`.',
    body: {
      type: 'object',
      required: ['user_id'],
      additionalProperties: false,
      properties: {
        user_id: { type: 'string', minLength: 1, maxLength: limits.maxUserIdLength, pattern: '\\S', description: 'Raw user id, as in the ingested data.' },
        top_k: { type: 'integer', minimum: 1, maximum: limits.maxTopK, default: limits.defaultTopK, description: 'Number of items to return.' },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          user_id: { type: 'string' },
          recommendations: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                parent_asin: { type: 'string', description: 'Item id (the parent ASIN on Amazon data).' },
                predicted_rating: {
                  type: 'number',
                  description: 'Ranker output: by default (RANKER_OBJECTIVE auto or interaction) the predicted probability that the user interacts with the item; a predicted rating with RANKER_OBJECTIVE=rating; an order-only score with lambdarank.',
                },
              },
            },
          },
          num_recommendations: { type: 'integer' },
          served_path: { type: 'string', enum: ['precomputed', 'on_the_fly', 'non_personalized'] },
          fallback: { type: 'boolean' },
          fallback_reason: {
            type: ['string', 'null'],
            enum: ['unknown_user', 'candidate_store_unavailable', 'online_store_unavailable', null],
          },
          model_versions: modelVersions,
        },
      },
      400: errorBody,
      413: errorBody,
      415: errorBody,
      503: errorBody,
    },
  };
}

export const ERROR_BODY_SCHEMA = errorBody;
