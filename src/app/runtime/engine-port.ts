import type { AnalysisResult, AnalyzeOptions, SourceFile } from "../../engine/index.js";
import type { AnalysisHealth } from "./worker-engine.js";

export type { AnalysisResult, AnalyzeOptions, SourceFile };

/**
 * The part of the analysis engine (`src/engine/index.ts`) the App uses. Handlers receive it as a
 * value so tests can drive the delivery logic with hand-built findings; `src/app/index.ts` passes the real
 * engine module.
 */
export interface Engine {
  /** In process, or in a worker thread (`WorkerEngine`). */
  analyze(files: SourceFile[], options?: AnalyzeOptions): AnalysisResult | Promise<AnalysisResult>;
  isAnalyzablePath(path: string): boolean;
  /** Parses every file: in process, or in a worker thread (`WorkerEngine`). */
  referencedPaths(files: SourceFile[]): string[] | Promise<string[]>;
  /** The analysis threads' state, for `/ready` (`WorkerEngine`). */
  health?(): AnalysisHealth;
}
