// Temporary: removed once recorder.ts and file_pipeline.ts import ../recording/manifest.ts (race fix in progress).
export * from "../recording/manifest.ts";
