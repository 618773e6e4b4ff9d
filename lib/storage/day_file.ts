/**
 * The on-disk side of one symbol's day file: opened for appending after a tail check, grown one
 * complete gzip member at a time, and cut back to the last complete member if a write fails, so
 * that standard readers can always read the file up to the failure.
 *
 * @module
 */
import { repairTail, type TailRepair } from "./tail_repair.ts";
import { writeAll } from "./write_all.ts";

/** Called before every member is written; tests use it to simulate slow or failing disks. */
export type BeforeWriteHook = (path: string, member: Uint8Array) => Promise<void> | void;

/** A day file opened for appending complete gzip members. */
export class DayFile {
  /** Absolute (or data-dir-joined) path of the file. */
  readonly path: string;
  /** Bytes of complete members on disk. */
  size = 0;
  #file: Deno.FsFile | null = null;
  #known = false;
  #beforeWrite: BeforeWriteHook | undefined;

  /** Describes the file at `path`; nothing is touched until {@linkcode DayFile.open}. */
  constructor(path: string, beforeWrite?: BeforeWriteHook) {
    this.path = path;
    this.#beforeWrite = beforeWrite;
  }

  /** Whether the file is open for appending. */
  get isOpen(): boolean {
    return this.#file !== null;
  }

  /**
   * Opens the file for appending, creating its directory. The first time, an incomplete tail is
   * cut back; when reopening after a failure, the file is cut back to what this process wrote.
   */
  async open(): Promise<TailRepair> {
    this.close();
    const dir = this.path.slice(0, this.path.lastIndexOf("/"));
    await Deno.mkdir(dir, { recursive: true });
    let repair: TailRepair | null = null;
    if (this.#known) repair = await this.#cutToKnownSize();
    repair ??= await repairTail(this.path);
    this.#file = await Deno.open(this.path, { append: true, create: true });
    this.size = repair.size;
    this.#known = true;
    return repair;
  }

  /** After a failed write: cut back to the size this process knows is complete, if still there. */
  async #cutToKnownSize(): Promise<TailRepair | null> {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return { existed: false, size: 0, cut: 0, lastUpdateId: null };
      }
      throw error;
    }
    if (stat.size < this.size) return null;
    if (stat.size > this.size) await Deno.truncate(this.path, this.size);
    return {
      existed: this.size > 0,
      size: this.size,
      cut: stat.size - this.size,
      lastUpdateId: null,
    };
  }

  /** Appends one complete member (then `fsync`s); on failure cuts the partial write and closes. */
  async append(member: Uint8Array, fsync: boolean): Promise<void> {
    const file = this.#file;
    if (file === null) throw new Error(`File "${this.path}" is not open`);
    try {
      await this.#beforeWrite?.(this.path, member);
      await writeAll(file, member);
      if (fsync) await file.syncData();
      this.size += member.length;
    } catch (error) {
      try {
        await file.truncate(this.size);
      } catch {
        // Cut back again when reopening.
      }
      this.close();
      throw error;
    }
  }

  /** Closes the handle (idempotent). */
  close(): void {
    if (this.#file === null) return;
    try {
      this.#file.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#file = null;
  }
}
