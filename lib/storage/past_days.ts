/**
 * Finishing days a previous process left unfinished (it stopped or crashed before the day ended):
 * their torn tail is cut back (and a `crash` gap appended) and their manifest is written.
 *
 * @module
 */
import type { StreamKind } from "../binance/types.ts";
import { exists } from "../util/exists.ts";
import { DAY_FILE_NAME, streamKindOfTag } from "../recording/records.ts";
import { finishDayFile } from "../recording/manifest.ts";
import { repairTail } from "./tail_repair.ts";
import { writeAll } from "./write_all.ts";
import { gzipMember } from "../recording/gzip_member.ts";

/** A day file with no manifest. */
export interface UnfinishedDay {
  symbol: string;
  day: string;
  path: string;
  /** The stream the file records. */
  stream: StreamKind;
}

/** Day files of days before `today` that have no manifest, oldest first. */
export async function findUnfinishedDays(dataDir: string, today: string): Promise<UnfinishedDay[]> {
  const out: UnfinishedDay[] = [];
  for await (const dir of Deno.readDir(dataDir)) {
    if (!dir.isDirectory || dir.name.startsWith(".")) continue;
    for await (const entry of Deno.readDir(`${dataDir}/${dir.name}`)) {
      const match = DAY_FILE_NAME.exec(entry.name);
      if (!entry.isFile || !match || match[1]! >= today) continue;
      const path = `${dataDir}/${dir.name}/${entry.name}`;
      if (await exists(path.replace(/\.jsonl\.gz$/, ".manifest.json"))) continue;
      const stream = streamKindOfTag(match[2]!) ?? "depth";
      out.push({ symbol: dir.name, day: match[1]!, path, stream });
    }
  }
  return out.sort((a, b) =>
    a.day.localeCompare(b.day) || a.symbol.localeCompare(b.symbol) ||
    a.stream.localeCompare(b.stream)
  );
}

/**
 * Repairs and finishes one unfinished day: `crashLines` (a header and a `crash` gap, as JSON
 * lines) are appended when a torn tail was cut. Returns the manifest path and the bytes cut.
 */
export async function finishUnfinishedDay(
  day: UnfinishedDay,
  crashLines: (detail: string, lastUpdateId: number | null) => string[],
): Promise<{ manifestPath: string; cut: number }> {
  const repair = await repairTail(day.path);
  if (repair.cut > 0) {
    const detail = `cut ${repair.cut} bytes of an incomplete gzip member`;
    const text = crashLines(detail, repair.lastUpdateId).join("\n") + "\n";
    const member = await gzipMember(new TextEncoder().encode(text));
    const file = await Deno.open(day.path, { append: true });
    try {
      await writeAll(file, member);
      await file.syncData();
    } finally {
      file.close();
    }
  }
  const manifestPath = await finishDayFile(day.path, { symbol: day.symbol, date: day.day });
  return { manifestPath, cut: repair.cut };
}
