import type { InteractionBuilder } from './builder.js';

/**
 * Collects user attributes from a user file (MovieLens u.user, users.dat). Only users with
 * interactions are kept; the others are counted, because a user index exists only for users
 * seen in the interaction files.
 */
export class UserSink {
  readonly attributes = new Map<number, Record<string, unknown>>();
  usersWithoutInteractions = 0;
  duplicates = 0;
  private readonly builder: InteractionBuilder;

  constructor(builder: InteractionBuilder) {
    this.builder = builder;
  }

  add(userId: string, attributes: Record<string, unknown>): void {
    const index = this.builder.userIndexOf(userId);
    if (index === undefined) {
      this.usersWithoutInteractions += 1;
      return;
    }
    if (this.attributes.has(index)) {
      this.duplicates += 1;
      return;
    }
    this.attributes.set(index, attributes);
  }
}
