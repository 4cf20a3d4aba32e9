import { describe, expect, it } from "@jest/globals";
import { analyze } from "../../src/engine/index.js";

// GitHub Actions reads YAML anchors and aliases but not merge keys; Docker Compose (and bake reading it) merges them.
const workflow = `on: push
x-push: &push
  push: true
  tags: ghcr.io/acme/web:latest
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          <<: *push
          cache-to: type=registry,ref=ghcr.io/acme/web:latest
`;

describe("YAML merge keys", () => {
  it("are not merged in a workflow, as on GitHub, and the analysis says so", () => {
    const result = analyze([{ path: ".github/workflows/publish.yml", text: workflow }]);
    expect(result.findings.map((f) => f.ruleId)).toEqual([]);
    expect(result.notes).toEqual([
      ".github/workflows/publish.yml:11: GitHub Actions does not support YAML merge keys (`<<`); the keys they would merge are not read",
    ]);
  });

  it("are merged in a Compose file that bake builds", () => {
    const compose = `x-build: &build
  context: .
  cache_to:
    - type=registry,ref=ghcr.io/acme/web:latest
services:
  web:
    image: ghcr.io/acme/web:latest
    build:
      <<: *build
`;
    const bake = `on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/bake-action@v6
        with:
          source: .
          push: true
`;
    const result = analyze([
      { path: ".github/workflows/publish.yml", text: bake },
      { path: "compose.yaml", text: compose },
    ]);
    expect(result.findings.map((f) => `${f.ruleId} ${f.confidence} ${f.primary.file}:${f.primary.start.line}:${f.primary.start.col}`)).toEqual([
      "cache-overwrites-tag definite compose.yaml:4:7",
    ]);
    expect(result.notes).toEqual([]);
  });
});
