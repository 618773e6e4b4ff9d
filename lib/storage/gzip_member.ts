// Temporary: removed once recorder.ts and file_pipeline.ts import ../recording/gzip_member.ts (race fix in progress).
export * from "../recording/gzip_member.ts";
