// The one place generated source becomes a function. A page under a strict
// Content-Security-Policy (no 'unsafe-eval'), or Node with --disallow-code-generation-from-strings,
// refuses `new Function` with an EvalError: then this returns null, and every caller has a way
// that generates no code (the kernels' closures, the propagator's Horner loop). Any other error
// is a bug in the generated source and is thrown.

/** `new Function(...params, body)`, or null where generating code is refused. */
export function functionFromSource<F>(params: string[], body: string): F | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function(...params, body) as F;
  } catch (err) {
    if (err instanceof EvalError) return null;
    throw err;
  }
}
