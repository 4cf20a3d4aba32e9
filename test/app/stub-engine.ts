import type { AnalysisResult, Engine, SourceFile } from "../../src/app/engine-port.js";

/**
 * A stand-in for the analysis engine: workflows under `.github/workflows` are analyzable, local
 * `uses: ./dir` references point at `dir/action.yml` or `dir/action.yaml`, and the findings come
 * from the test. Every call to `analyze` is recorded.
 */
export class StubEngine implements Engine {
  readonly analyzed: SourceFile[][] = [];

  constructor(private readonly result: (files: SourceFile[]) => AnalysisResult = () => ({ findings: [], notes: [] })) {}

  isAnalyzablePath(path: string): boolean {
    return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
  }

  referencedPaths(files: SourceFile[]): string[] {
    const have = new Set(files.map((f) => f.path));
    const out: string[] = [];
    for (const f of files) {
      for (const m of f.text.matchAll(/uses:\s*\.\/(\S+)/g)) {
        for (const name of ["action.yml", "action.yaml"]) {
          const path = `${m[1].replace(/\/$/, "")}/${name}`;
          if (!have.has(path) && !out.includes(path)) out.push(path);
        }
      }
    }
    return out;
  }

  analyze(files: SourceFile[]): AnalysisResult {
    this.analyzed.push(files);
    return this.result(files);
  }
}
