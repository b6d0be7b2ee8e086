type TypedArray = Int8Array | Int32Array | Float32Array | Float64Array;
type TypedArrayConstructor<T extends TypedArray> = { new (length: number): T };

/** A typed array that doubles its capacity when full; `view()` returns the filled part without copying. */
export class GrowableArray<T extends TypedArray> {
  private data: T;
  private readonly make: TypedArrayConstructor<T>;
  length = 0;

  constructor(make: TypedArrayConstructor<T>, capacity = 1024) {
    this.make = make;
    this.data = new make(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new this.make(this.data.length * 2);
      bigger.set(this.data as never);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index];
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** Returns the filled part, sharing memory with this array until the next push. */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }

  /** Returns a copy of the filled part. */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}
