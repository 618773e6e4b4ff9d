/**
 * Whether a path exists, for the few places that must ask before acting.
 *
 * @module
 */

/** Whether `path` exists; false only when it is not found (other errors, e.g. permissions, throw). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
