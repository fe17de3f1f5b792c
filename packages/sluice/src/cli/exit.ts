import { SluiceError, serializeError } from "../core/index.js";

/** CLI exit codes: success, run failed, invalid input, could not reach the server, interrupted. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, unreachable: 3, interrupted: 130 } as const;

/**
 * Reports an error the way every command does: `{ "error": {...} }` on stdout with --json, a message
 * on stderr otherwise. Returns the exit code: 2 for the user's input, 3 when the server could not be
 * reached, 1 for anything else.
 */
export function reportError(error: unknown, json: boolean): number {
  const input = SluiceError.is(error) && error.isInputError;
  const serialized = serializeError(error);
  if (json) {
    const { stack: _stack, ...rest } = serialized;
    process.stdout.write(`${JSON.stringify({ error: rest }, null, 2)}\n`);
  } else {
    process.stderr.write(`error [${serialized.code}]: ${serialized.message}\n`);
    if (!input && serialized.stack && process.env.SLUICE_DEBUG)
      process.stderr.write(`${serialized.stack}\n`);
  }
  if (SluiceError.is(error) && error.code === "unreachable") return EXIT.unreachable;
  return input ? EXIT.invalid : EXIT.failed;
}

export function usageError(message: string): SluiceError {
  return new SluiceError("invalid-usage", message);
}

/** Exits with `process.exitCode` once what was written to stdout and stderr has been handed to the OS. */
export async function exitWhenFlushed(): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write("", () => resolve())),
    ),
  );
  process.exit();
}
