import { describe, expect, it } from "@jest/globals";
import { analyze } from "../../src/engine/index.js";
import { comparisons } from "../../src/rule-kit/comparisons.js";

/**
 * No repository rule compares all pairs: a generated repository of `n` publishing workflows — each with its own
 * image under an unknown registry, tags from metadata-action and the commit, a registry cache next to its tags, a
 * GitHub Actions cache, and one workflow out of ten exporting its cache onto its pushed tag — costs comparisons
 * in proportion to `n`. Work is counted, not timed.
 */
function workflow(i: number): { path: string; text: string } {
  const image = `\${{ vars.REGISTRY }}/acme/app-${i}`;
  const cacheRef = i % 10 === 0 ? `${image}:\${{ github.sha }}` : `${image}:buildcache`;
  const text = `on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: ${image}
          tags: |
            type=ref,event=branch
            type=semver,pattern={{version}}
      - uses: docker/build-push-action@v6
        with:
          context: app-${i}
          push: \${{ github.event_name != 'pull_request' }}
          tags: |
            \${{ steps.meta.outputs.tags }}
            ${image}:\${{ github.sha }}
            ${image}:latest
          cache-from: type=registry,ref=${image}:buildcache
          cache-to: |
            type=registry,ref=${cacheRef},mode=max
            type=gha,scope=app-${i}
`;
  return { path: `.github/workflows/app-${i}.yml`, text };
}

function lint(n: number): { pairs: number; findings: string[] } {
  const files = Array.from({ length: n }, (_, i) => workflow(i));
  const before = comparisons.pairs;
  const findings = analyze(files).findings.map((f) => `${f.ruleId} ${f.primary.file}:${f.primary.start.line}`);
  return { pairs: comparisons.pairs - before, findings };
}

describe("repository rules compare within index buckets", () => {
  it("grow linearly with the repository", () => {
    const small = lint(40);
    const large = lint(80);
    expect(small.findings.filter((f) => f.startsWith("cache-overwrites-tag"))).toEqual(
      [0, 10, 20, 30].map((i) => `cache-overwrites-tag .github/workflows/app-${i}.yml:27`),
    );
    expect(large.findings.length).toBe(8);
    // Every registry cache ref and gha writer meets only the writes of its own image and scope (per event).
    expect([small.pairs, large.pairs]).toEqual([416, 832]);
  });
});
