// Reproducible corpus of GitHub Actions files for the analyzer benchmark.
//
// The corpus is one repository root: `.github/workflows/*.yml` (plain workflows and reusable
// workflows) and `.github/actions/*/action.yml` (composite actions called through `uses: ./…`).
// Every choice comes from a seeded PRNG, so the same seed and count always give the same bytes.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const DEFAULT_SEED = 20240501;
export const DEFAULT_COUNT = 1000;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    sample: (list, n) => {
      const copy = [...list];
      const out = [];
      while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
}

const SERVICES = ["api", "web", "worker", "gateway", "billing", "auth", "search", "ingest", "scheduler", "notifier", "frontend", "docs"];
const OWNERS = ["acme", "initech", "globex", "umbrella", "hooli"];
const LANGS = [
  { setup: "actions/setup-node@v4", key: "node-version", versions: ["18", "20", "22"], install: "npm ci", test: "npm test", lint: "npm run lint" },
  { setup: "actions/setup-python@v5", key: "python-version", versions: ["3.10", "3.11", "3.12"], install: "pip install -r requirements.txt", test: "pytest -q", lint: "ruff check ." },
  { setup: "actions/setup-go@v5", key: "go-version", versions: ["1.21", "1.22", "1.23"], install: "go mod download", test: "go test ./...", lint: "go vet ./..." },
  { setup: "actions/setup-java@v4", key: "java-version", versions: ["17", "21"], install: "./gradlew dependencies", test: "./gradlew test", lint: "./gradlew check" },
];
const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

const indent = (n, text) =>
  text
    .split("\n")
    .map((l) => (l === "" ? l : " ".repeat(n) + l))
    .join("\n");

function triggers(r, { tags = false, pr = true } = {}) {
  const lines = ["on:", "  push:", "    branches: [main]"];
  if (tags) lines.push('    tags: ["v*"]');
  if (pr) lines.push("  pull_request:");
  if (r.chance(0.3)) lines.push("  workflow_dispatch:");
  if (r.chance(0.15)) lines.push("  schedule:", `    - cron: "${r.int(0, 59)} ${r.int(0, 23)} * * ${r.int(0, 6)}"`);
  return lines.join("\n");
}

function image(r, owner, svc) {
  return r.chance(0.8) ? `ghcr.io/${owner}/${svc}` : `docker.io/${owner}/${svc}`;
}

function langSteps(r, lang, version) {
  const steps = [
    "- uses: actions/checkout@v4",
    `- uses: ${lang.setup}\n  with:\n    ${lang.key}: ${version}`,
    `- name: Install\n  run: ${lang.install}`,
  ];
  if (r.chance(0.5)) steps.push(`- name: Lint\n  run: ${lang.lint}`);
  steps.push(`- name: Test\n  run: ${lang.test}`);
  if (r.chance(0.4)) {
    steps.push(
      "- name: Upload coverage\n  if: ${{ always() && github.event_name == 'push' }}\n  uses: actions/upload-artifact@v4\n  with:\n    name: coverage-${{ github.run_id }}\n    path: coverage/",
    );
  }
  return steps;
}

function job(id, body, steps) {
  return [`${id}:`, indent(2, body), "  steps:", indent(4, steps.join("\n"))].join("\n");
}

/** Small CI file: one or two jobs, setup + test, no Docker. */
function smallCi(r, n) {
  const lang = r.pick(LANGS);
  const jobs = [job("test", "runs-on: ubuntu-latest\ntimeout-minutes: 15", langSteps(r, lang, r.pick(lang.versions)))];
  if (r.chance(0.4)) {
    jobs.push(
      job("docker", "runs-on: ubuntu-latest\nneeds: test", [
        "- uses: actions/checkout@v4",
        "- uses: docker/setup-buildx-action@v3",
        `- uses: docker/build-push-action@v6\n  with:\n    context: .\n    push: false\n    load: true\n    tags: ${r.pick(SERVICES)}:ci\n    cache-from: type=gha\n    cache-to: type=gha,mode=max`,
      ]),
    );
  }
  return [`name: ci-${n}`, triggers(r), "permissions:\n  contents: read", "concurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: true", "jobs:", indent(2, jobs.join("\n"))].join("\n");
}

/** Large matrix file: an os × version matrix with include/exclude, many steps, a per-platform image build. */
function largeMatrix(r, n) {
  const lang = r.pick(LANGS);
  const owner = r.pick(OWNERS);
  const svc = r.pick(SERVICES);
  const versions = lang.versions.map((v) => JSON.stringify(v)).join(", ");
  const matrix = [
    "strategy:",
    "  fail-fast: false",
    "  matrix:",
    "    os: [ubuntu-latest, windows-latest, macos-latest]",
    `    version: [${versions}]`,
    "    include:",
    "      - os: ubuntu-latest",
    `        version: ${JSON.stringify(lang.versions[0])}`,
    "        coverage: true",
    "    exclude:",
    "      - os: macos-latest",
    `        version: ${JSON.stringify(lang.versions[0])}`,
  ].join("\n");
  const steps = langSteps(r, lang, "${{ matrix.version }}");
  for (let i = 0, extra = r.int(6, 14); i < extra; i++) {
    steps.push(
      r.pick([
        `- name: Step ${i}\n  if: \${{ matrix.os == 'ubuntu-latest' }}\n  run: |\n    echo "step ${i} on \${{ matrix.os }}"\n    ./scripts/check-${i}.sh --version \${{ matrix.version }}`,
        `- name: Cache ${i}\n  uses: actions/cache@v4\n  with:\n    path: ~/.cache/${i}\n    key: \${{ runner.os }}-${i}-\${{ hashFiles('**/lockfile') }}\n    restore-keys: \${{ runner.os }}-${i}-`,
        `- name: Report ${i}\n  if: \${{ failure() }}\n  env:\n    OS: \${{ matrix.os }}\n    VERSION: \${{ matrix.version }}\n  run: echo "failed on $OS / $VERSION" >> "$GITHUB_STEP_SUMMARY"`,
        `- name: Coverage ${i}\n  if: \${{ matrix.coverage }}\n  run: ./scripts/coverage.sh ${i}`,
      ]),
    );
  }
  const jobs = [job("test", `runs-on: \${{ matrix.os }}\n${matrix}`, steps)];
  const plats = r.sample(PLATFORMS, r.int(2, 3));
  jobs.push(
    job(
      "image",
      `runs-on: ubuntu-latest\nneeds: test\nstrategy:\n  matrix:\n    platform: [${plats.join(", ")}]\npermissions:\n  contents: read\n  packages: write`,
      [
        "- uses: actions/checkout@v4",
        "- uses: docker/setup-qemu-action@v3",
        "- uses: docker/setup-buildx-action@v3",
        `- name: Login\n  if: \${{ github.event_name != 'pull_request' }}\n  uses: docker/login-action@v3\n  with:\n    registry: ghcr.io\n    username: \${{ github.actor }}\n    password: \${{ secrets.GITHUB_TOKEN }}`,
        `- uses: docker/build-push-action@v6\n  with:\n    context: .\n    platforms: \${{ matrix.platform }}\n    push: \${{ github.event_name != 'pull_request' }}\n    outputs: type=image,name=${image(r, owner, svc)},push-by-digest=true,name-canonical=true\n    cache-from: type=gha,scope=\${{ matrix.platform }}\n    cache-to: type=gha,scope=\${{ matrix.platform }},mode=max`,
      ],
    ),
  );
  return [`name: matrix-${n}`, triggers(r, { tags: true }), "env:", `  FORCE_COLOR: "1"`, `  SERVICE: ${svc}`, "jobs:", indent(2, jobs.join("\n"))].join("\n");
}

function cacheTo(r, img, colliding) {
  if (colliding) return r.pick([`type=registry,ref=${img}:latest,mode=max`, "${{ format('type=registry,ref={0}', steps.meta.outputs.tags) }}"]);
  return r.pick([
    `type=registry,ref=${img}:buildcache,mode=max`,
    `type=registry,ref=${img}-cache:\${{ github.ref_name }},mode=max`,
    "type=gha,mode=max,scope=${{ github.workflow }}",
    "type=inline",
    `\${{ github.event_name != 'pull_request' && 'type=registry,ref=${img}:buildcache,mode=max' || '' }}`,
  ]);
}

/** Publishing file: metadata-action plus several build-push-action steps for different images. */
function dockerPublish(r, n) {
  const owner = r.pick(OWNERS);
  const svcs = r.sample(SERVICES, r.int(2, 4));
  const steps = ["- uses: actions/checkout@v4", "- uses: docker/setup-qemu-action@v3", "- uses: docker/setup-buildx-action@v3"];
  steps.push(
    "- name: Login\n  if: ${{ github.event_name != 'pull_request' }}\n  uses: docker/login-action@v3\n  with:\n    registry: ${{ env.REGISTRY }}\n    username: ${{ github.actor }}\n    password: ${{ secrets.GITHUB_TOKEN }}",
  );
  svcs.forEach((svc, i) => {
    const img = `ghcr.io/${owner}/${svc}`;
    const id = i === 0 ? "meta" : `meta${i}`;
    const tagRules = r.sample(
      ["type=ref,event=branch", "type=ref,event=pr", "type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}", "type=sha", "type=raw,value=latest,enable={{is_default_branch}}", "type=edge"],
      r.int(2, 5),
    );
    steps.push(
      `- name: Docker meta (${svc})\n  id: ${id}\n  uses: docker/metadata-action@v5\n  with:\n    images: ${img}\n    tags: |\n${indent(6, tagRules.join("\n"))}${r.chance(0.3) ? "\n    flavor: |\n      latest=auto" : ""}`,
    );
    const tags = r.chance(0.85) ? `\${{ steps.${id}.outputs.tags }}` : `${img}:\${{ github.sha }}`;
    const withLines = [
      `context: ${r.chance(0.5) ? "." : `./services/${svc}`}`,
      ...(r.chance(0.4) ? [`file: ./services/${svc}/Dockerfile`] : []),
      ...(r.chance(0.5) ? [`platforms: ${r.sample(PLATFORMS, r.int(1, 2)).join(",")}`] : []),
      "push: ${{ github.event_name != 'pull_request' }}",
      `tags: ${tags}`,
      `labels: \${{ steps.${id}.outputs.labels }}`,
      `cache-from: type=registry,ref=${img}:buildcache`,
      `cache-to: ${cacheTo(r, img, r.chance(0.05))}`,
      ...(r.chance(0.3) ? ["provenance: false"] : []),
      ...(r.chance(0.3) ? [`build-args: |\n  VERSION=\${{ steps.${id}.outputs.version }}\n  COMMIT=\${{ github.sha }}`] : []),
    ];
    steps.push(`- name: Build ${svc}\n  uses: docker/build-push-action@v6\n  with:\n${indent(4, withLines.join("\n"))}`);
  });
  const body = "runs-on: ubuntu-latest\npermissions:\n  contents: read\n  packages: write";
  return [`name: publish-${n}`, triggers(r, { tags: true }), "env:", "  REGISTRY: ghcr.io", "jobs:", indent(2, job("publish", body, steps))].join("\n");
}

/** Release with a `needs` chain: one job computes the tags, the next builds from `needs.*.outputs`. */
function releaseChain(r, n) {
  const owner = r.pick(OWNERS);
  const svc = r.pick(SERVICES);
  const img = image(r, owner, svc);
  const meta = job(
    "meta",
    "runs-on: ubuntu-latest\noutputs:\n  tags: ${{ steps.meta.outputs.tags }}\n  json: ${{ steps.meta.outputs.json }}\n  version: ${{ steps.meta.outputs.version }}",
    [`- id: meta\n  uses: docker/metadata-action@v5\n  with:\n    images: ${img}\n    tags: |\n      type=semver,pattern={{version}}\n      type=ref,event=branch`],
  );
  const build = job("build", "runs-on: ubuntu-latest\nneeds: meta\nif: ${{ needs.meta.outputs.version != '' }}", [
    "- uses: actions/checkout@v4",
    "- uses: docker/setup-buildx-action@v3",
    `- uses: docker/build-push-action@v6\n  with:\n    push: true\n    tags: \${{ needs.meta.outputs.tags }}\n    build-args: VERSION=\${{ needs.meta.outputs.version }}\n    cache-from: type=registry,ref=${img}:buildcache\n    cache-to: type=registry,ref=${img}:buildcache,mode=max`,
  ]);
  const deploy = job("deploy", "runs-on: ubuntu-latest\nneeds: [meta, build]\nenvironment: production", [
    `- run: ./deploy.sh "\${{ fromJSON(needs.meta.outputs.json).tags[0] }}"`,
  ]);
  return [`name: release-${n}`, 'on:\n  push:\n    tags: ["v*"]\n  release:\n    types: [published]', "jobs:", indent(2, [meta, build, deploy].join("\n"))].join("\n");
}

function compositeAction(r, k) {
  const steps = [
    "- uses: docker/setup-buildx-action@v3",
    "- id: meta\n  uses: docker/metadata-action@v5\n  with:\n    images: ${{ inputs.image }}\n    tags: |\n      type=ref,event=branch\n      type=semver,pattern={{version}}\n      type=sha",
    "- name: Build\n  uses: docker/build-push-action@v6\n  with:\n    context: ${{ inputs.context }}\n    push: ${{ inputs.push == 'true' }}\n    tags: ${{ steps.meta.outputs.tags }}\n    labels: ${{ steps.meta.outputs.labels }}\n    cache-from: type=registry,ref=${{ inputs.image }}:buildcache\n    cache-to: ${{ inputs.push == 'true' && format('type=registry,ref={0}:buildcache,mode=max', inputs.image) || 'type=gha' }}",
  ];
  if (r.chance(0.5)) steps.push('- name: Summary\n  shell: bash\n  run: echo "built ${{ steps.meta.outputs.version }}" >> "$GITHUB_STEP_SUMMARY"');
  return [
    `name: build-${k}`,
    "description: Build and optionally push a service image",
    "inputs:",
    "  image:\n    description: Image name without tag\n    required: true",
    "  context:\n    description: Build context\n    default: .",
    '  push:\n    description: Push the image\n    default: "false"',
    "outputs:",
    "  version:\n    description: Version computed by metadata-action\n    value: ${{ steps.meta.outputs.version }}",
    "runs:",
    "  using: composite",
    "  steps:",
    indent(4, steps.join("\n")),
  ].join("\n");
}

/** Calls local composite actions; `nextAction` hands them out in turn, so every action has a caller. */
function compositeCaller(r, n, nextAction) {
  const owner = r.pick(OWNERS);
  const jobs = r.sample(SERVICES, r.int(1, 3)).map((svc) =>
    job(svc, "runs-on: ubuntu-latest\npermissions:\n  packages: write", [
      "- uses: actions/checkout@v4",
      `- uses: ./.github/actions/${nextAction()}\n  with:\n    image: ${image(r, owner, svc)}\n    context: ./services/${svc}\n    push: \${{ github.event_name == 'push' }}`,
    ]),
  );
  return [`name: services-${n}`, triggers(r, { tags: r.chance(0.5) }), "jobs:", indent(2, jobs.join("\n"))].join("\n");
}

function reusableWorkflow(r, k) {
  const owner = r.pick(OWNERS);
  return [
    `name: reusable-${k}`,
    "on:",
    "  workflow_call:",
    "    inputs:",
    "      service:\n        type: string\n        required: true",
    "      push:\n        type: boolean\n        default: false",
    "jobs:",
    indent(
      2,
      job("build", `runs-on: ubuntu-latest\nenv:\n  IMAGE: ghcr.io/${owner}/\${{ inputs.service }}`, [
        "- uses: actions/checkout@v4",
        "- uses: docker/setup-buildx-action@v3",
        "- uses: docker/build-push-action@v6\n  with:\n    push: ${{ inputs.push }}\n    tags: ${{ env.IMAGE }}:${{ github.sha }}\n    cache-from: type=gha,scope=${{ inputs.service }}\n    cache-to: type=gha,scope=${{ inputs.service }},mode=max",
      ]),
    ),
  ].join("\n");
}

function reusableCaller(r, n, reusables) {
  const jobs = r.sample(SERVICES, r.int(1, 3)).map((svc) =>
    [`${svc}:`, `  uses: ./.github/workflows/${r.pick(reusables)}.yml`, "  with:", `    service: ${svc}`, "    push: ${{ github.ref == 'refs/heads/main' }}", "  secrets: inherit"].join("\n"),
  );
  return [`name: deploy-${n}`, triggers(r), "jobs:", indent(2, jobs.join("\n"))].join("\n");
}

const KINDS = [
  { kind: "small-ci", weight: 35, make: smallCi },
  { kind: "large-matrix", weight: 15, make: largeMatrix },
  { kind: "docker-publish", weight: 25, make: dockerPublish },
  { kind: "release-chain", weight: 7, make: releaseChain },
  { kind: "composite-caller", weight: 12, make: compositeCaller },
  { kind: "reusable-caller", weight: 6, make: reusableCaller },
];

/**
 * The corpus as a list of files (repository-relative path, text, kind). 4 % of the files are composite
 * actions and 2 % reusable workflows; the rest are workflows drawn from KINDS by weight.
 */
export function generateCorpus(seed = DEFAULT_SEED, count = DEFAULT_COUNT) {
  const r = prng(seed);
  const files = [];
  const nActions = Math.max(1, Math.round(count * 0.04));
  const nReusable = Math.max(1, Math.round(count * 0.02));
  const actions = [];
  for (let k = 0; k < nActions; k++) {
    const name = `build-${String(k).padStart(2, "0")}`;
    actions.push(name);
    files.push({ path: `.github/actions/${name}/action.yml`, text: `${compositeAction(r, k)}\n`, kind: "composite-action" });
  }
  const reusables = [];
  for (let k = 0; k < nReusable; k++) {
    const name = `reusable-${String(k).padStart(2, "0")}`;
    reusables.push(name);
    files.push({ path: `.github/workflows/${name}.yml`, text: `${reusableWorkflow(r, k)}\n`, kind: "reusable-workflow" });
  }
  let calls = 0;
  const nextAction = () => actions[calls++ % actions.length];
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  for (let n = 0; files.length < count; n++) {
    let x = r.next() * total;
    const spec = KINDS.find((k) => (x -= k.weight) < 0) ?? KINDS[0];
    const text = spec.make(r, n, spec.kind === "composite-caller" ? nextAction : reusables);
    files.push({ path: `.github/workflows/${spec.kind}-${String(n).padStart(4, "0")}.yml`, text: `${text}\n`, kind: spec.kind });
  }
  return files;
}

/** Writes the corpus under `dir` (emptied first); returns the files written. */
export function writeCorpus(dir, seed = DEFAULT_SEED, count = DEFAULT_COUNT) {
  rmSync(dir, { recursive: true, force: true });
  const files = generateCorpus(seed, count);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  return files;
}
