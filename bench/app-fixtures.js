// Repositories, pull requests and webhook payloads shared by the PR-budget and server-load benchmarks.

import { generateKeyPairSync } from "node:crypto";
import { generateCorpus } from "./corpus.js";

/** A workflow whose registry cache export overwrites the tag it pushes: one definite `cache-overwrites-tag` finding. */
export function collidingWorkflow(image) {
  return [
    "name: ci",
    "on:",
    "  pull_request:",
    "  push:",
    "    branches: [main]",
    "jobs:",
    "  image:",
    "    runs-on: ubuntu-latest",
    "    permissions:",
    "      contents: read",
    "      packages: write",
    "    steps:",
    "      - uses: actions/checkout@v4",
    "      - uses: docker/setup-buildx-action@v3",
    "      - uses: docker/build-push-action@v6",
    "        with:",
    "          context: .",
    "          push: true",
    `          tags: ${image}:latest`,
    `          cache-from: type=registry,ref=${image}:latest`,
    `          cache-to: type=registry,ref=${image}:latest,mode=max`,
    "",
  ].join("\n");
}

/**
 * `count` workflow-related files (workflows, reusable workflows, composite actions) from the corpus generator, by
 * path, plus `extra` source paths that are listed in the tree but never read.
 */
export function repositoryFiles(count, seed) {
  const files = Object.fromEntries(generateCorpus(seed, count).map((f) => [f.path, f.text]));
  const extra = Array.from({ length: 300 }, (_, i) => `src/module-${Math.floor(i / 20)}/file-${i}.ts`);
  return { files, extra: ["README.md", "package.json", "Dockerfile", ...extra] };
}

export function appPrivateKey() {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  }).privateKey;
}

export function repositoryPayload(owner, repo) {
  return {
    id: 1,
    name: repo,
    full_name: `${owner}/${repo}`,
    default_branch: "main",
    owner: { login: owner, type: "Organization" },
    html_url: `https://github.com/${owner}/${repo}`,
  };
}

export function pullRequestPayload({ owner, repo, installation, number, head, action = "opened", changedFiles }) {
  const repository = repositoryPayload(owner, repo);
  return {
    action,
    number,
    pull_request: {
      number,
      state: "open",
      draft: false,
      changed_files: changedFiles,
      head: { sha: head, ref: `feature-${number}`, repo: repository },
      base: { sha: "0000000000000000000000000000000000000000", ref: "main", repo: repository },
    },
    repository,
    installation: { id: installation },
    sender: { login: "octocat", type: "User" },
  };
}

/** A `registry_package.published` delivery for `ghcr.io/<owner>/<name>:<tag>` at `digest`, linked to owner/repo. */
export function packagePayload({ owner, repo, installation, name, tag, digest, manifest }) {
  return {
    action: "published",
    registry_package: {
      id: 1001,
      name,
      namespace: owner,
      ecosystem: "CONTAINER",
      package_type: "CONTAINER",
      html_url: `https://github.com/orgs/${owner}/packages/container/package/${name}`,
      owner: { login: owner, type: "Organization" },
      package_version: {
        id: 2002,
        version: digest,
        name: digest,
        container_metadata: { tag: { name: tag, digest }, labels: { all_labels: {} }, manifest },
      },
      registry: { type: "CONTAINER", url: "https://ghcr.io" },
    },
    repository: repositoryPayload(owner, repo),
    installation: { id: installation },
    sender: { login: "github-actions[bot]", type: "Bot" },
  };
}
