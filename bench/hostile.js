// Hostile but legal-looking repositories: each is small to write and, evaluated naively, exponential or heavy to
// analyse. Used by `npm run bench` (the hostile cases) and by test/engine/bounded.test.ts at small sizes.

const BAKE_WORKFLOW = `on:
  push:
    branches: [main]
jobs:
  bake:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - uses: docker/bake-action@v6
        with:
          source: .
          targets: t0
          push: true
`;

/** Bake targets with diamond `inherits`: each target inherits the next one twice. */
export function bakeDiamondInherits(levels = 24) {
  const blocks = [];
  for (let i = 0; i < levels; i++) {
    const parent = i + 1 < levels ? `  inherits = ["t${i + 1}", "t${i + 1}"]\n` : `  tags = ["ghcr.io/acme/app:latest"]\n  cache-to = ["type=registry,ref=ghcr.io/acme/app:latest"]\n`;
    blocks.push(`target "t${i}" {\n${parent}}\n`);
  }
  return [
    { path: ".github/workflows/bake.yml", text: BAKE_WORKFLOW },
    { path: "docker-bake.hcl", text: blocks.join("\n") },
  ];
}

/** Bake groups the same way: each group names the next group twice. */
export function bakeDiamondGroups(levels = 24) {
  const blocks = [];
  for (let i = 0; i < levels; i++) {
    const targets = i + 1 < levels ? `"g${i + 1}", "g${i + 1}"` : `"app"`;
    blocks.push(`group "g${i}" {\n  targets = [${targets}]\n}\n`);
  }
  blocks.push(`target "app" {\n  tags = ["ghcr.io/acme/app:latest"]\n  cache-to = ["type=registry,ref=ghcr.io/acme/app:latest"]\n}\n`);
  return [
    { path: ".github/workflows/bake.yml", text: BAKE_WORKFLOW.replace("targets: t0", "targets: g0") },
    { path: "docker-bake.hcl", text: blocks.join("\n") },
  ];
}

/** HCL variables that each double the next: `v0` spells 2^count characters. */
export function hclDoublingVariables(count = 31) {
  const blocks = [];
  for (let i = 0; i < count; i++) {
    const def = i + 1 < count ? `"\${v${i + 1}}\${v${i + 1}}"` : `"ab"`;
    blocks.push(`variable "v${i}" {\n  default = ${def}\n}\n`);
  }
  blocks.push(`target "t0" {\n  tags = ["ghcr.io/acme/app:\${v0}"]\n  cache-to = ["type=registry,ref=ghcr.io/acme/app:latest"]\n}\n`);
  return [
    { path: ".github/workflows/bake.yml", text: BAKE_WORKFLOW },
    { path: "docker-bake.hcl", text: blocks.join("\n") },
  ];
}

/** `count` composite actions, each calling the next `fanout` times; the last one builds and pushes. */
export function compositeFanout(count = 9, fanout = 4) {
  const files = [];
  for (let i = 0; i < count; i++) {
    const steps =
      i + 1 < count
        ? Array.from({ length: fanout }, (_, k) => `    - uses: ./.github/actions/a${i + 1}\n      with:\n        tag: \${{ inputs.tag }}-${k}\n`).join("")
        : `    - uses: docker/build-push-action@v6\n      with:\n        push: true\n        tags: ghcr.io/acme/app:\${{ inputs.tag }}\n        cache-to: type=registry,ref=ghcr.io/acme/app:\${{ inputs.tag }}\n`;
    files.push({
      path: `.github/actions/a${i}/action.yml`,
      text: `name: a${i}\ninputs:\n  tag:\n    default: latest\nruns:\n  using: composite\n  steps:\n${steps}`,
    });
  }
  files.push({
    path: ".github/workflows/build.yml",
    text: `on:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n      - uses: ./.github/actions/a0\n        with:\n          tag: v1\n`,
  });
  return files;
}

/** `count` reusable workflows, each calling the next `fanout` times; the last one builds and pushes. */
export function reusableFanout(count = 9, fanout = 4) {
  const files = [];
  for (let i = 0; i < count; i++) {
    const jobs =
      i + 1 < count
        ? Array.from({ length: fanout }, (_, k) => `  call${k}:\n    uses: ./.github/workflows/r${i + 1}.yml\n    with:\n      tag: \${{ inputs.tag }}-${k}\n`).join("")
        : `  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:\${{ inputs.tag }}\n          cache-to: type=registry,ref=ghcr.io/acme/app:\${{ inputs.tag }}\n`;
    files.push({
      path: `.github/workflows/r${i}.yml`,
      text: `on:\n  workflow_call:\n    inputs:\n      tag:\n        type: string\n        default: latest\njobs:\n${jobs}`,
    });
  }
  files.push({
    path: ".github/workflows/main.yml",
    text: `on:\n  push:\n    branches: [main]\njobs:\n  start:\n    uses: ./.github/workflows/r0.yml\n    with:\n      tag: v1\n`,
  });
  return files;
}

/** `jobs` jobs, each with a 32-leg matrix and `builds` builds per leg, every one exporting its cache to a pushed tag. */
export function heavyMatrix(jobs = 50, builds = 20) {
  const body = [];
  for (let j = 0; j < jobs; j++) {
    const steps = Array.from(
      { length: builds },
      (_, b) =>
        `      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/\${{ matrix.arch }}\n          tags: ghcr.io/acme/app-${j}-${b}:\${{ matrix.variant }}\n          cache-to: type=registry,ref=ghcr.io/acme/app-${j}-${b}:\${{ matrix.variant }}\n`,
    ).join("");
    body.push(
      `  job${j}:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        arch: [amd64, arm64]\n        variant: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p]\n    steps:\n${steps}`,
    );
  }
  return [{ path: ".github/workflows/heavy.yml", text: `on:\n  push:\n    branches: [main]\njobs:\n${body.join("")}` }];
}

/** `jobs` jobs with `steps` metadata-action + build-push-action pairs each, triggered by 8 kinds of event. */
export function heavyMetadata(jobs = 20, steps = 10) {
  const body = [];
  for (let j = 0; j < jobs; j++) {
    const pairs = Array.from(
      { length: steps },
      (_, s) =>
        `      - id: meta${s}\n        uses: docker/metadata-action@v5\n        with:\n          images: ghcr.io/acme/app-${j}-${s}\n          tags: |\n            type=ref,event=branch\n            type=ref,event=pr\n            type=semver,pattern={{version}}\n            type=sha\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: \${{ steps.meta${s}.outputs.tags }}\n          cache-to: type=registry,ref=ghcr.io/acme/app-${j}-${s}:latest\n`,
    ).join("");
    body.push(`  job${j}:\n    runs-on: ubuntu-latest\n    steps:\n${pairs}`);
  }
  const on = `on:\n  push:\n    branches: [main, develop]\n    tags: ["v*"]\n  pull_request:\n  release:\n    types: [published]\n  workflow_dispatch:\n  schedule:\n    - cron: "0 0 * * *"\n  merge_group:\n`;
  return [{ path: ".github/workflows/heavy.yml", text: `${on}jobs:\n${body.join("")}` }];
}

/** `count` composite actions in a tree of `levels` levels (each calls its children once); every leaf builds. */
export function compositeTree(count = 100, levels = 10) {
  const files = [];
  const children = new Map();
  // A chain of `levels` actions, the rest hung off the chain as leaves: a ten-level fan-out of `count` actions.
  for (let i = 1; i < count; i++) {
    const parent = i < levels ? i - 1 : (i * 7) % levels;
    children.set(parent, [...(children.get(parent) ?? []), i]);
  }
  for (let i = 0; i < count; i++) {
    const kids = children.get(i) ?? [];
    const steps = kids.length
      ? kids.map((k) => `    - uses: ./.github/actions/c${k}\n      with:\n        tag: \${{ inputs.tag }}\n`).join("")
      : `    - uses: docker/build-push-action@v6\n      with:\n        push: true\n        tags: ghcr.io/acme/c${i}:\${{ inputs.tag }}\n        cache-to: type=registry,ref=ghcr.io/acme/c${i}:buildcache\n`;
    files.push({ path: `.github/actions/c${i}/action.yml`, text: `name: c${i}\ninputs:\n  tag:\n    default: latest\nruns:\n  using: composite\n  steps:\n${steps}` });
  }
  files.push({
    path: ".github/workflows/tree.yml",
    text: `on:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/c0\n        with:\n          tag: v1\n`,
  });
  return files;
}

/** Every hostile case at full size (the issue's), by name. */
export const HOSTILE = {
  "bake diamond inherits (24 levels)": () => bakeDiamondInherits(24),
  "bake diamond groups (24 levels)": () => bakeDiamondGroups(24),
  "composite actions 8 × 4 calls": () => compositeFanout(8, 4),
  "reusable workflows 9 × 4 calls": () => reusableFanout(9, 4),
  "31 doubling HCL variables": () => hclDoublingVariables(31),
  "50 jobs × 32 legs × 20 builds": () => heavyMatrix(50, 20),
  "20 jobs × 10 metadata steps × 8 events": () => heavyMetadata(20, 10),
};
