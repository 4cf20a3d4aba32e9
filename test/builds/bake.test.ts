import { describe, expect, it } from "@jest/globals";
import { loadBakeFile } from "../../src/builds/bake-load.js";
import { Project, referencedPaths } from "../../src/engine/project.js";
import { builds, workflow } from "./helpers.js";

const HCL = `variable "REGISTRY" {
  default = "ghcr.io/acme"
}
variable "TAG" {
  default = "latest"
}
group "default" {
  targets = ["api", "worker"]
}
target "_common" {
  dockerfile = "Dockerfile"
  cache-to   = ["type=registry,ref=\${REGISTRY}/common:buildcache"]
  platforms  = ["linux/amd64"]
}
target "api" {
  inherits = ["_common"]
  tags     = ["\${REGISTRY}/api:\${TAG}", "\${REGISTRY}/api:\${TAG != "latest" ? "v\${TAG}" : "edge"}"]
}
target "worker" {
  inherits  = ["_common"]
  target    = "worker"
  platforms = ["linux/arm64"]
  tags      = ["\${REGISTRY}/worker:\${TAG}"]
}
target "unused" {
  tags = ["ghcr.io/acme/unused"]
}
`;

const bakeStep = (inputs: string[]) => ["      - uses: docker/bake-action@v6", "        with:", ...inputs.map((l) => `          ${l}`), ""].join("\n");

describe("bake files through docker/bake-action", () => {
  const H = "docker-bake.hcl";

  it("builds the default group's targets with inherited attributes, variable defaults and exact spans", () => {
    const result = builds([workflow(bakeStep(["push: true"])), { path: H, text: HCL }]);
    expect(result).toEqual([
      {
        source: "bake",
        bakeTarget: "api",
        push: true,
        load: false,
        tags: [`ghcr.io/acme/api:latest @${H}:17:16-17:38`, `ghcr.io/acme/api:edge @${H}:17:42-17:97`],
        cacheTo: [`type=registry,ref=ghcr.io/acme/common:buildcache @${H}:12:18-12:65`],
        cacheFrom: [],
        platforms: [`linux/amd64 @${H}:13:18-13:29`],
        provenance: undefined,
        sbom: undefined,
        context: undefined,
        file: `Dockerfile @${H}:11:17-11:27`,
        target: undefined,
      },
      {
        source: "bake",
        bakeTarget: "worker",
        push: true,
        load: false,
        tags: [`ghcr.io/acme/worker:latest @${H}:23:17-23:42`],
        cacheTo: [`type=registry,ref=ghcr.io/acme/common:buildcache @${H}:12:18-12:65`],
        cacheFrom: [],
        platforms: [`linux/arm64 @${H}:22:17-22:28`],
        provenance: undefined,
        sbom: undefined,
        context: undefined,
        file: `Dockerfile @${H}:11:17-11:27`,
        target: `worker @${H}:21:16-21:22`,
      },
    ]);
  });

  it("lets the step's environment override variable defaults and builds the targets asked for", () => {
    const step = ["      - uses: docker/bake-action@v6", "        env:", "          TAG: 1.2.3", "        with:", "          targets: api", ""].join("\n");
    const [api, ...rest] = builds([workflow(step), { path: H, text: HCL }]);
    expect(rest).toEqual([]);
    expect([api.bakeTarget, api.push, api.tags]).toEqual(["api", false, [`ghcr.io/acme/api:1.2.3 @${H}:17:16-17:38`, `ghcr.io/acme/api:v1.2.3 @${H}:17:42-17:97`]]);
  });

  it("keeps both branches of a condition on an unknown variable, each with its condition", () => {
    const step = ["      - uses: docker/bake-action@v6", "        env:", "          TAG: ${{ inputs.tag }}", "        with:", "          targets: api", ""].join("\n");
    const [api] = builds([workflow(step), { path: H, text: HCL }]);
    expect(api.tags.map((t) => t?.replace(/ @[^ ]*/, ""))).toEqual([
      "ghcr.io/acme/api:${{ inputs.tag }}",
      'ghcr.io/acme/api:v${{ inputs.tag }} when TAG != "latest"',
      'ghcr.io/acme/api:edge when !(TAG != "latest")',
    ]);
  });

  it("applies set: overrides to matching targets: = replaces, += appends, push and output", () => {
    const step = bakeStep([
      "targets: api,worker",
      "set: |",
      "  *.cache-to=type=registry,ref=ghcr.io/acme/cache:${{ github.sha }}",
      "  api.tags=ghcr.io/acme/api:override",
      "  worker.platform+=linux/amd64",
      "  worker.output=type=registry",
    ]);
    const W = ".github/workflows/ci.yml";
    const [api, worker] = builds([workflow(step), { path: H, text: HCL }]);
    expect([api.push, api.tags, api.cacheTo]).toEqual([
      false,
      [`ghcr.io/acme/api:override @${W}:11:22-11:47`],
      [`type=registry,ref=ghcr.io/acme/cache:\${{ github.sha }} @${W}:10:24-10:78`],
    ]);
    expect([worker.push, worker.platforms, worker.cacheTo]).toEqual([
      true,
      [`linux/arm64 @${H}:22:17-22:28`, `linux/amd64 @${W}:12:30-12:41`],
      [`type=registry,ref=ghcr.io/acme/cache:\${{ github.sha }} @${W}:10:24-10:78`],
    ]);
  });

  it("gives the docker-metadata-action target metadata-action's tags through its bake-file output", () => {
    const steps = [
      "      - id: meta",
      "        uses: docker/metadata-action@v5",
      "        with:",
      "          images: ghcr.io/acme/app",
      "          tags: type=raw,value=stable",
      bakeStep(["files: |", "  ./docker-bake.hcl", "  cwd://${{ steps.meta.outputs.bake-file }}", "targets: app", "push: true"]),
    ].join("\n");
    const hcl = 'target "docker-metadata-action" {}\ntarget "app" {\n  inherits = ["docker-metadata-action"]\n  context = "."\n}\n';
    const [app] = builds([workflow(steps), { path: H, text: hcl }]);
    expect([app.bakeTarget, app.push, app.tags, app.context]).toEqual([
      "app",
      true,
      ["ghcr.io/acme/app:stable @.github/workflows/ci.yml:15:13-15:54"],
      `. @${H}:4:14-4:15`,
    ]);
  });

  it("does not read the repository's files for a remote bake definition (they are only checked on their own)", () => {
    const step = bakeStep(["source: https://github.com/acme/images.git#main", "push: true"]);
    expect(builds([workflow(step), { path: "images.hcl", text: HCL }]).map((b) => [b.bakeTarget, b.push])).toEqual([
      ["api", undefined],
      ["worker", undefined],
    ]);
  });

  it("reads JSON bake files with exact spans", () => {
    const json = '{\n  "target": {\n    "default": {\n      "tags": ["ghcr.io/acme/app:latest"],\n      "cache-to": ["type=inline"]\n    }\n  }\n}\n';
    const [b] = builds([workflow(bakeStep(["push: true"])), { path: "docker-bake.json", text: json }]);
    expect([b.tags, b.cacheTo]).toEqual([["ghcr.io/acme/app:latest @docker-bake.json:4:17-4:40"], ["type=inline @docker-bake.json:5:21-5:32"]]);
  });

  it("merges docker-bake.override.hcl over docker-bake.hcl in the default lookup", () => {
    const override = 'target "worker" {\n  tags = ["ghcr.io/acme/worker:override"]\n}\n';
    const result = builds([workflow(bakeStep(["workdir: ./images"])), { path: `images/${H}`, text: HCL }, { path: "images/docker-bake.override.hcl", text: override }]);
    expect(result.map((b) => [b.bakeTarget, b.tags])).toEqual([
      ["api", [`ghcr.io/acme/api:latest @images/${H}:17:16-17:38`, `ghcr.io/acme/api:edge @images/${H}:17:42-17:97`]],
      ["worker", ["ghcr.io/acme/worker:override @images/docker-bake.override.hcl:2:12-2:40"]],
    ]);
  });
});

describe("Compose files as bake definitions", () => {
  const compose = [
    "services:",
    "  web:",
    "    image: ghcr.io/acme/web:${TAG:-latest}",
    "    build:",
    "      context: ./web",
    "      tags:",
    "        - ghcr.io/acme/web:extra",
    "      cache_from:",
    "        - type=registry,ref=ghcr.io/acme/web:cache",
    "      cache_to:",
    "        - type=registry,ref=ghcr.io/acme/web:cache,mode=max",
    "      x-bake:",
    "        platforms: [linux/amd64, linux/arm64]",
    "        output: type=registry",
    "  db:",
    "    image: postgres:16",
    "",
  ].join("\n");

  it("turns each service with a build section into a target", () => {
    const C = "compose.yaml";
    expect(builds([workflow(bakeStep([])), { path: C, text: compose }])).toEqual([
      {
        source: "bake",
        bakeTarget: "web",
        push: true,
        load: false,
        tags: [`ghcr.io/acme/web:latest @${C}:3:12-3:43`, `ghcr.io/acme/web:extra @${C}:7:11-7:33`],
        cacheTo: [`type=registry,ref=ghcr.io/acme/web:cache,mode=max @${C}:11:11-11:60`],
        cacheFrom: [`type=registry,ref=ghcr.io/acme/web:cache @${C}:9:11-9:51`],
        platforms: [`linux/amd64 @${C}:13:21-13:32`, `linux/arm64 @${C}:13:34-13:45`],
        provenance: undefined,
        sbom: undefined,
        context: `./web @${C}:5:16-5:21`,
        file: undefined,
        target: undefined,
      },
    ]);
  });
});

describe("docker buildx bake in run: scripts", () => {
  it("reads -f files relative to the working directory, --set overrides, targets and --push", () => {
    const step = [
      "      - working-directory: images",
      "        env:",
      "          REGISTRY: docker.io/acme",
      "        run: docker buildx bake -f docker-bake.hcl --set worker.tags=docker.io/acme/w:1 --push worker",
      "",
    ].join("\n");
    const [worker, ...rest] = builds([workflow(step), { path: `images/docker-bake.hcl`, text: HCL }]);
    expect(rest).toEqual([]);
    expect([worker.source, worker.bakeTarget, worker.push, worker.tags, worker.cacheTo]).toEqual([
      "bake",
      "worker",
      true,
      ["docker.io/acme/w:1 @.github/workflows/ci.yml:9:70-9:88"],
      ["type=registry,ref=docker.io/acme/common:buildcache @images/docker-bake.hcl:12:18-12:65"],
    ]);
  });

  it("builds nothing for --print and for files it cannot find, so the bake file is checked on its own", () => {
    const steps = ["      - run: |", "          docker buildx bake --print", "          docker buildx bake -f missing.hcl", ""].join("\n");
    expect(builds([workflow(steps), { path: "docker-bake.hcl", text: HCL }]).map((b) => [b.bakeTarget, b.push])).toEqual([
      ["api", undefined],
      ["worker", undefined],
    ]);
  });
});

describe("bake files no workflow builds", () => {
  it("are checked on their own: default targets, push unknown, tags pushed when built with --push", () => {
    const [api, worker] = builds([{ path: "docker-bake.hcl", text: HCL }]);
    expect([api.bakeTarget, api.push, api.tags[0], worker.bakeTarget]).toEqual([
      "api",
      undefined,
      "ghcr.io/acme/api:latest @docker-bake.hcl:17:16-17:38 when the bake file is built with --push",
      "worker",
    ]);
  });
});

describe("loading bake files", () => {
  it("reports a file that is not valid HCL as a note", () => {
    const project = new Project([{ path: "docker-bake.hcl", text: 'target "x" {\n  tags = [\n}\n' }]);
    expect([project.bakeFiles.size, project.notes]).toEqual([0, ["docker-bake.hcl: skipped, not a valid HCL bake file"]]);
  });

  it("keeps template escapes, and attribute names as written with the span of each name", () => {
    const file = loadBakeFile("docker-bake.hcl", 'target "t" {\n  cache_from = ["$${NOT_A_VAR}"]\n}\n').file;
    const block = file?.blocks[0];
    const value = block?.attrs.get("cache_from");
    expect(value?.kind === "list" && value.items[0].kind === "string" ? value.items[0].text : undefined).toBe("$${NOT_A_VAR}");
    expect(block?.attrs.has("cache-from")).toBe(false);
    const name = block?.names?.get("cache_from");
    expect(name && [name.start.line, name.start.col, name.end.line, name.end.col]).toEqual([2, 3, 2, 13]);
  });

  it("names the bake files that bake steps read, for loading them with the workflows", () => {
    const steps = [
      bakeStep(["workdir: deploy", "files: |", "  ./bake.hcl", "  cwd://${{ steps.meta.outputs.bake-file }}"]),
      "      - working-directory: tools",
      "        run: |",
      "          docker buildx bake -f ci.hcl",
      "          cd sub && docker buildx bake",
      "",
    ].join("\n");
    expect(referencedPaths([workflow(steps)])).toEqual([
      "deploy/bake.hcl",
      "tools/ci.hcl",
      "tools/sub/compose.yaml",
      "tools/sub/compose.yml",
      "tools/sub/docker-bake.hcl",
      "tools/sub/docker-bake.json",
      "tools/sub/docker-bake.override.hcl",
      "tools/sub/docker-bake.override.json",
      "tools/sub/docker-compose.yaml",
      "tools/sub/docker-compose.yml",
    ]);
  });
});
