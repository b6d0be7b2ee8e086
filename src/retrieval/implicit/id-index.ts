import { TwostageError } from '../../errors.js';

/** Lookup from raw id to dense index, built once per model; repeated ids are rejected. */
export class IdIndex {
  private readonly byId = new Map<string, number>();

  constructor(readonly ids: readonly string[], what: string) {
    for (let k = 0; k < ids.length; k++) {
      if (this.byId.has(ids[k])) {
        throw new TwostageError('REC_ERR_MODEL_INVALID', `${what} id ${JSON.stringify(ids[k])} appears twice (indices ${this.byId.get(ids[k])} and ${k})`);
      }
      this.byId.set(ids[k], k);
    }
  }

  /** Dense index of `id`, or -1. */
  indexOf(id: string): number {
    return this.byId.get(id) ?? -1;
  }
}

/** Base of the models here: raw id to dense index lookups for users and items. */
export abstract class IdMappedModel {
  private readonly users: IdIndex;
  private readonly items: IdIndex;

  constructor(
    readonly userIds: readonly string[],
    readonly itemIds: readonly string[],
  ) {
    this.users = new IdIndex(userIds, 'user');
    this.items = new IdIndex(itemIds, 'item');
  }

  /** Dense index of a raw user id, or -1 when the model never saw the user. */
  userIndex(userId: string): number {
    return this.users.indexOf(userId);
  }

  /** Dense index of a raw item id, or -1. */
  itemIndex(itemId: string): number {
    return this.items.indexOf(itemId);
  }

  protected checkUserIndex(userIndex: number): void {
    if (!(Number.isInteger(userIndex) && userIndex >= 0 && userIndex < this.userIds.length)) {
      throw new RangeError(`user index ${userIndex} is outside [0, ${this.userIds.length})`);
    }
  }
}
