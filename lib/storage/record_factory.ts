// Temporary: removed once recorder.ts and file_pipeline.ts import their new paths (race fix in progress).
export { RecordFactory } from "../recording/record_factory.ts";
export { type FileIntro, introBatch } from "./file_intro.ts";
