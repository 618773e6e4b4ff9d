/**
 * One writer per data directory: an exclusive OS file lock (`flock`) on `<dataDir>/.lock`. The
 * kernel drops the lock when its holder dies, so a crashed collector never blocks the next one.
 *
 * @module
 */

/** Thrown when another process (or another recorder) already writes into the data directory. */
export class DataDirLockedError extends Error {
  /** The data directory that is in use. */
  readonly dataDir: string;

  /** Creates the error for `dataDir`; `holder` describes the lock holder when known. */
  constructor(dataDir: string, holder?: string) {
    super(
      `Data directory "${dataDir}" is already in use by another collector` +
        (holder ? ` (${holder})` : "") + ": only one writer per data directory is allowed",
    );
    this.name = "DataDirLockedError";
    this.dataDir = dataDir;
  }
}

/** A held lock on a data directory; {@linkcode DataDirLock.release} gives it up. */
export class DataDirLock {
  #file: Deno.FsFile | null;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Takes the lock on `dataDir` (created if missing) without waiting; throws {@linkcode DataDirLockedError}. */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    // Errors keep Deno's class and message (which names the path): callers map them.
    await Deno.mkdir(dataDir, { recursive: true });
    const path = `${dataDir}/.lock`;
    const file = await Deno.open(path, { read: true, write: true, create: true });
    let locked: boolean;
    try {
      locked = await file.tryLock(true);
    } catch (error) {
      file.close();
      throw error;
    }
    if (!locked) {
      let holder = "";
      try {
        holder = new TextDecoder().decode(await Deno.readFile(path)).trim();
      } catch {
        // The holder's description is only informative.
      }
      file.close();
      throw new DataDirLockedError(dataDir, holder || undefined);
    }
    await file.truncate(0);
    const text = `pid ${Deno.pid} since ${new Date().toISOString()}\n`;
    await file.write(new TextEncoder().encode(text));
    return new DataDirLock(file);
  }

  /** Releases the lock (idempotent). */
  release(): void {
    if (this.#file === null) return;
    try {
      this.#file.unlockSync();
    } finally {
      this.#file.close();
      this.#file = null;
    }
  }
}
