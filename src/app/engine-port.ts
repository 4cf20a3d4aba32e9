import type { Finding } from "../report/finding.js";

/**
 * The part of the analysis engine (`src/engine/index.ts`) the App uses. The App receives it as a
 * value so tests can exercise the delivery logic with hand-built findings; `index.ts` passes the
 * real engine, which checks that the engine matches this shape.
 */
export interface SourceFile {
  /** Repository-relative POSIX path. */
  path: string;
  text: string;
}

export interface AnalysisResult {
  findings: Finding[];
  notes: string[];
}

export interface Engine {
  analyze(files: SourceFile[]): AnalysisResult;
  isAnalyzablePath(path: string): boolean;
  referencedPaths(files: SourceFile[]): string[];
}
