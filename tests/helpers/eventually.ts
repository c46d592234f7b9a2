// A bounded wait for something that happens in the background (a socket answer, a file watch, a timer's
// promise chain). It polls and never asserts how long the wait took.

/** Resolves once `check` holds; rejects naming `what` after about five seconds. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting until ${what}`);
}
