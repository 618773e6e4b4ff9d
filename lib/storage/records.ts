// Temporary: removed once recorder.ts and file_pipeline.ts import ../recording/records.ts (race fix in progress).
export * from "../recording/records.ts";
