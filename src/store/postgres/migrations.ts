import type pg from 'pg';
import { StoreError } from '../../errors.js';
import { inTransaction, quoteIdentifier as q, type PostgresConnection } from './connection.js';

/**
 * Creates or upgrades the tables of one store component (`offline`, `online`, `registry`) inside
 * the URL's schema. Steps are SQL scripts numbered by position: step i runs once, in the same
 * transaction as its row in `twostage_migrations`, so a failed step leaves the schema as it was.
 * An advisory lock serialises processes that start at the same time. `{schema}` in a step is
 * replaced by the quoted schema name. Append new steps; never edit one that has shipped.
 */
export async function migrate(connection: PostgresConnection, component: string, steps: readonly string[]): Promise<void> {
  const schema = q(connection.options.schema);
  await inTransaction(connection, `migrate ${component} tables`, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`twostage:${connection.options.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.twostage_migrations (
      component text NOT NULL,
      step integer NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, step)
    )`);
    const applied = await appliedSteps(client, schema, component);
    if (applied > steps.length) {
      throw new StoreError(
        'REC_ERR_STORE_UNSUPPORTED',
        `the ${component} tables in schema ${connection.options.schema} of ${connection.context.maskedUrl} were migrated by a newer twostage (${applied} steps, this version knows ${steps.length}); upgrade twostage`,
      );
    }
    for (let step = applied; step < steps.length; step++) {
      await client.query(steps[step].replaceAll('{schema}', schema));
      await client.query(`INSERT INTO ${schema}.twostage_migrations (component, step) VALUES ($1, $2)`, [component, step]);
    }
  });
}

async function appliedSteps(client: pg.PoolClient, schema: string, component: string): Promise<number> {
  const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.twostage_migrations WHERE component = $1`, [component]);
  return Number(result.rows[0].n);
}
