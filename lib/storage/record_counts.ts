// Temporary: removed once recorder.ts and file_pipeline.ts import ../recording/record_counts.ts (race fix in progress).
export * from "../recording/record_counts.ts";
