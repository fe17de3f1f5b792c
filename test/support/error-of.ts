// Test support: the SluiceError a function throws.
import { SluiceError } from "sluice";

export function errorOf(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (error) {
    if (SluiceError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a SluiceError");
}
