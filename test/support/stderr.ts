/** Runs `fn` with process.stderr captured; returns what it wrote and how it ended (its value or the error it threw). */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ stderr: string; result?: T; error?: unknown }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string | Uint8Array) => (chunks.push(String(s)), true)) as typeof process.stderr.write;
  try {
    return { stderr: chunks.join(''), result: await fn() };
  } catch (error) {
    return { stderr: chunks.join(''), error };
  } finally {
    process.stderr.write = write;
  }
}
