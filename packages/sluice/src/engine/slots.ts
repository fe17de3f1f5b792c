import type { MaybePromise } from "../core/index.js";

/** Body slots: at most `size` step bodies run at once; the others wait their turn, first come first served. */
export class Slots {
  private free: number;
  private readonly waiting: Array<(() => void) | undefined> = [];
  private head = 0;

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves (or returns at once) when a slot is the caller's. */
  acquire(): MaybePromise<void> {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      next();
    } else {
      this.free++;
    }
  }

  /** Lets every waiter go on (after a cancel, they see it and end). */
  releaseAll(): void {
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      next();
    }
  }
}
