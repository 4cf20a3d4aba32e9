import type { AnalysisResult, AnalyzeOptions, Engine, SourceFile } from "../../src/app/runtime/engine-port.js";

/**
 * A stand-in for the analysis engine: workflows under `.github/workflows` and `action.yml` files are
 * analyzable, a local `uses: ./dir` reference that is not loaded points at `dir/action.yml` or
 * `dir/action.yaml`, and the findings come from the test. Every call to `analyze` is recorded.
 */
export class StubEngine implements Engine {
  readonly analyzed: SourceFile[][] = [];
  /** The options of every call to `analyze` (the repository configuration). */
  readonly options: (AnalyzeOptions | undefined)[] = [];

  constructor(private readonly result: (files: SourceFile[]) => AnalysisResult = () => ({ findings: [], notes: [] })) {}

  isAnalyzablePath(path: string): boolean {
    return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /(^|\/)action\.ya?ml$/.test(path);
  }

  referencedPaths(files: SourceFile[]): string[] {
    const have = new Set(files.map((f) => f.path));
    const out: string[] = [];
    for (const f of files) {
      for (const m of f.text.matchAll(/uses:\s*\.\/(\S+)/g)) {
        const paths = ["action.yml", "action.yaml"].map((name) => `${m[1].replace(/\/$/, "")}/${name}`);
        if (paths.some((p) => have.has(p))) continue;
        for (const path of paths) if (!out.includes(path)) out.push(path);
      }
    }
    return out;
  }

  analyze(files: SourceFile[], options?: AnalyzeOptions): AnalysisResult {
    this.analyzed.push(files);
    this.options.push(options);
    return this.result(files);
  }
}
