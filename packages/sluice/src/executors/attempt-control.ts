/**
 * The abort handle of one attempt. Its AbortController is made only when someone reads `signal`
 * (an async body, a timeout race, the body itself): most short synchronous bodies never need one,
 * and making 10000 of them is a measurable part of a large run.
 */
export class AttemptControl {
  #controller?: AbortController;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
