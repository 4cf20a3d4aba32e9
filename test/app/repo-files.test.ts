import { afterEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { CommitNotFound, MAX_FILES, readRepositoryFiles } from "../../src/app/github/repo-files.js";
import { answerGraphql, type GraphqlRequest, type RepoFile } from "../support/graphql-repo.js";
import { StubEngine } from "./stub-engine.js";

const SHA = "1234567890123456789012345678901234567890";
const API = "https://api.github.com";
const engine = new StubEngine();
const octokit = new (ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })))({
  auth: "ghs_test",
});
const rev = { owner: "acme", repo: "app", sha: SHA };
const opts = {
  isAnalyzablePath: (p: string) => engine.isAnalyzablePath(p),
  referencedPaths: (files: { path: string; text: string }[]) => engine.referencedPaths(files),
  changedPaths: [],
};
const review = (body: string, at: string) => ({ author: { __typename: "Bot", login: "tagguard" }, body, submittedAt: at, comments: { nodes: [] } });

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

/** The root bake and Compose files the first query reads, sorted. */
const ROOT_BAKE = [
  "compose.yaml",
  "compose.yml",
  "docker-bake.hcl",
  "docker-bake.json",
  "docker-bake.override.hcl",
  "docker-bake.override.json",
  "docker-compose.yaml",
  "docker-compose.yml",
];
/** The selection of a blob entry in a tree listing that asks for its size only. */
const SIZE_ONLY = "... on Blob { byteSize }";

/**
 * What one GraphQL request asked for: its operation; the paths whose text it asked for (`f<i>` fields) and those
 * whose size only (`s<i>`), in order; how a blob entry of each tree listing is selected; and how often it spreads
 * the `blob` fragment (which has the text) in all.
 */
function asked(q: GraphqlRequest): { operation: string | undefined; text: string[]; size: string[]; entries: string[]; blobSpreads: number } {
  const path = (v: unknown) => String(v).slice(`${SHA}:`.length);
  return {
    operation: /^query (\w+)/.exec(q.query)?.[1],
    text: [...q.query.matchAll(/\bf\d+: object\(expression: \$(p\d+)\) \{ \.\.\.blob \}/g)].map((m) => path(q.variables[m[1]])),
    size: [...q.query.matchAll(/\bs\d+: object\(expression: \$(q\d+)\) \{ \.\.\. on Blob \{ byteSize \} \}/g)].map((m) => path(q.variables[m[1]])),
    entries: [...q.query.matchAll(/\bentries \{ name type mode object \{ (\.\.\.blob|\.\.\. on Blob \{ byteSize \}) \}/g)].map((m) => m[1]),
    blobSpreads: q.query.split("...blob").length - 1,
  };
}

/** Answers every GraphQL request from the files at SHA, recording the requests. */
function serve(files: Record<string, RepoFile>, queries: GraphqlRequest[], times: number): void {
  nock(API)
    .post("/graphql", (body: GraphqlRequest) => queries.push(body) > 0)
    .times(times)
    .reply(200, (_uri, body) => answerGraphql({ trees: new Map([[SHA, files]]) }, body as GraphqlRequest));
}

const workflow = (name: string) => `name: ${name}\non: push\njobs: {}\n`;
/** Workflow files by path, `.github/workflows/<name>.yml` for each name. */
const workflows = (names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [`.github/workflows/${n}.yml`, workflow(n)]));
const wf = (name: string) => `.github/workflows/${name}.yml`;

describe("readRepositoryFiles: bounded reads", () => {
  /** The stub engine's paths, and the root bake and Compose files the real engine analyses too. */
  const withBake = { ...opts, isAnalyzablePath: (p: string) => engine.isAnalyzablePath(p) || ROOT_BAKE.includes(p) };

  it("lists the directories without text, reads the changed path and root bake files first, then the other listed files in one query", async () => {
    const queries: GraphqlRequest[] = [];
    const files = { ...workflows(["a", "b", "c", "d", "e"]), "README.md": "# app\n" };
    serve(files, queries, 2);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("c"), "README.md"] });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("c"), ...ROOT_BAKE], size: [], entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 9 },
      { operation: "tagguardFiles", text: [wf("a"), wf("b"), wf("d"), wf("e")], size: [], entries: [], blobSpreads: 4 },
    ]);
    expect(read).toEqual({ files: ["a", "b", "c", "d", "e"].map((n) => ({ path: wf(n), text: workflow(n) })), notes: [] });
  });

  it("makes one query when the first one read every file it listed", async () => {
    const queries: GraphqlRequest[] = [];
    serve(workflows(["a", "b"]), queries, 1);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("b"), wf("a")] });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("a"), wf("b"), ...ROOT_BAKE], size: [], entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 10 },
    ]);
    expect(read.files.map((f) => f.path)).toEqual([wf("a"), wf("b")]);
  });

  it("over the cap, analyses the changed paths and then the others by path, and notes the files it skipped", async () => {
    const queries: GraphqlRequest[] = [];
    const files = { ...workflows(["a", "b", "c", "d", "e", "f", "g"]), "docker-bake.hcl": 'target "default" {}\n' };
    serve(files, queries, 2);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("f"), wf("b")], maxFiles: 3 });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("b"), wf("f"), "compose.yaml"], size: ROOT_BAKE.slice(1), entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 3 },
      { operation: "tagguardFiles", text: [wf("a")], size: [], entries: [], blobSpreads: 1 },
    ]);
    expect(read).toEqual({
      files: ["a", "b", "f"].map((n) => ({ path: wf(n), text: workflow(n) })),
      notes: [
        "At most 3 workflow-related files are analysed; these 5 were skipped: `.github/workflows/c.yml`, `.github/workflows/d.yml`, `.github/workflows/e.yml`, `.github/workflows/g.yml`, `docker-bake.hcl`.",
      ],
    });
  });

  it("over the cap, does not follow what the files read reference, and says which referenced paths it did not read", async () => {
    const queries: GraphqlRequest[] = [];
    const caller = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/image\n";
    const files = { ...workflows(["a", "c"]), [wf("b")]: caller, ".github/actions/image/action.yml": "runs:\n  using: composite\n  steps: []\n" };
    serve(files, queries, 1);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("b"), wf("a")], maxFiles: 2 });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("a"), wf("b")], size: ROOT_BAKE, entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 2 },
    ]);
    expect(read).toEqual({
      files: [
        { path: wf("a"), text: workflow("a") },
        { path: wf("b"), text: caller },
      ],
      notes: [
        "At most 2 workflow-related files are analysed; these 2 were skipped: `.github/actions/image/action.yml`, `.github/workflows/c.yml`.",
        "At most 2 workflow-related files are analysed; these 2 referenced paths were not read: `.github/actions/image/action.yaml`, `.github/actions/image/action.yml`.",
      ],
    });
  });

  it("with more changed paths than the cap, reads the first of them by path in the first query and lists the rest, changed first", async () => {
    const queries: GraphqlRequest[] = [];
    serve({ ...workflows(["a", "b", "c", "d", "e", "f", "g"]), "compose.yaml": "services: {}\n" }, queries, 1);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("g"), wf("e"), wf("b"), wf("f")], maxFiles: 3 });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("b"), wf("e"), wf("f")], size: [wf("g"), ...ROOT_BAKE], entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 3 },
    ]);
    expect(read).toEqual({
      files: ["b", "e", "f"].map((n) => ({ path: wf(n), text: workflow(n) })),
      notes: [
        "At most 3 workflow-related files are analysed; these 5 were skipped: `.github/workflows/g.yml`, `.github/workflows/a.yml`, `.github/workflows/c.yml`, `.github/workflows/d.yml`, `compose.yaml`.",
      ],
    });
  });

  it(`asks no query for more than ${MAX_FILES} texts in a repository of 400 workflows, and lists 20 of the 100 it skipped`, async () => {
    const names = Array.from({ length: 400 }, (_, i) => `w${String(i).padStart(3, "0")}`);
    const queries: GraphqlRequest[] = [];
    serve(workflows(names), queries, 2);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("w350")] });

    const others = names.filter((n) => n !== "w350");
    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("w350"), ...ROOT_BAKE], size: [], entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 9 },
      { operation: "tagguardFiles", text: others.slice(0, 299).map(wf), size: [], entries: [], blobSpreads: 299 },
    ]);
    expect(read.files.map((f) => f.path)).toEqual(["w350", ...others.slice(0, 299)].map(wf).sort());
    const skipped = others.slice(299);
    expect(skipped).toHaveLength(100);
    expect(read.notes).toEqual([
      `At most 300 workflow-related files are analysed; these 100 were skipped: ${skipped
        .slice(0, 20)
        .map((n) => `\`${wf(n)}\``)
        .join(", ")} and 80 more.`,
    ]);
  });

  it(`reads ${MAX_FILES} of 400 changed workflows in the first query, and the others' sizes only`, async () => {
    const names = Array.from({ length: 400 }, (_, i) => `w${String(i).padStart(3, "0")}`);
    const queries: GraphqlRequest[] = [];
    serve(workflows(names), queries, 1);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: names.map(wf) });

    expect(queries.map(asked)).toEqual([
      {
        operation: "tagguardSnapshot",
        text: names.slice(0, 300).map(wf),
        size: [...names.slice(300).map(wf), ...ROOT_BAKE],
        entries: [SIZE_ONLY, SIZE_ONLY],
        blobSpreads: 300,
      },
    ]);
    expect(read.files).toHaveLength(300);
    expect(read.notes).toEqual([
      `At most 300 workflow-related files are analysed; these 100 were skipped: ${names
        .slice(300, 320)
        .map((n) => `\`${wf(n)}\``)
        .join(", ")} and 80 more.`,
    ]);
  });

  it("lists the paths of a local action referenced past the cap as not read", async () => {
    const queries: GraphqlRequest[] = [];
    const files = { ...workflows(["a"]), [wf("b")]: "on: push\njobs:\n  x:\n    steps:\n      - uses: ./tools/build\n", "tools/build/action.yml": "runs: {}\n" };
    serve(files, queries, 2);

    const read = await readRepositoryFiles(octokit, rev, { ...withBake, changedPaths: [wf("b")], maxFiles: 2 });

    expect(queries.map(asked)).toEqual([
      { operation: "tagguardSnapshot", text: [wf("b"), "compose.yaml"], size: ROOT_BAKE.slice(1), entries: [SIZE_ONLY, SIZE_ONLY], blobSpreads: 2 },
      { operation: "tagguardFiles", text: [wf("a")], size: [], entries: [], blobSpreads: 1 },
    ]);
    expect(read.files.map((f) => f.path)).toEqual([wf("a"), wf("b")]);
    expect(read.notes).toEqual([
      "At most 2 workflow-related files are analysed; these 2 referenced paths were not read: `tools/build/action.yaml`, `tools/build/action.yml`.",
    ]);
  });
});

describe("readRepositoryFiles", () => {
  it("pages back through more than 100 reviews for the App's earlier findings", async () => {
    const queries: GraphqlRequest[] = [];
    nock(API)
      .post("/graphql", (body: GraphqlRequest) => queries.push(body) > 0)
      .reply(200, (_uri, body) => {
        const answer = answerGraphql({ trees: new Map([[SHA, {}]]), pull: { headSha: SHA } }, body as GraphqlRequest);
        const repository = answer.data.repository as { pullRequest: { reviews: unknown } };
        repository.pullRequest.reviews = { pageInfo: { hasPreviousPage: true, startCursor: "c2" }, nodes: [review("newest", "2024-05-03T00:00:00Z")] };
        return answer;
      })
      .post("/graphql", (body: GraphqlRequest) => queries.push(body) > 0)
      .reply(200, { data: { repository: { pullRequest: { reviews: { pageInfo: { hasPreviousPage: true, startCursor: "c1" }, nodes: [review("older", "2024-05-02T00:00:00Z")] } } } } })
      .post("/graphql", (body: GraphqlRequest) => queries.push(body) > 0)
      .reply(200, { data: { repository: { pullRequest: { reviews: { pageInfo: { hasPreviousPage: false, startCursor: "c0" }, nodes: [review("oldest", "2024-05-01T00:00:00Z")] } } } } });

    const read = await readRepositoryFiles(octokit, rev, { ...opts, pull: 7 });

    expect(read.pull).toEqual({
      state: "OPEN",
      headSha: SHA,
      posted: [
        { author: "tagguard", at: "2024-05-03T00:00:00Z", body: "newest" },
        { author: "tagguard", at: "2024-05-02T00:00:00Z", body: "older" },
        { author: "tagguard", at: "2024-05-01T00:00:00Z", body: "oldest" },
      ],
      threads: [],
    });
    expect(queries.slice(1).map((q) => q.variables)).toEqual([
      { owner: "acme", name: "app", number: 7, before: "c2" },
      { owner: "acme", name: "app", number: 7, before: "c1" },
    ]);
  });

  it("reads the review threads Apps started, with their state, file and first comment, in the same query", async () => {
    const comments = [
      { body: "finding", path: ".github/workflows/ci.yml" },
      { body: "fixed", path: ".github/workflows/ci.yml", resolved: true },
      { body: "a person's", path: ".github/workflows/ci.yml", login: "octocat", type: "User" as const },
    ];
    nock(API)
      .post("/graphql")
      .reply(200, (_uri, body) => answerGraphql({ trees: new Map([[SHA, {}]]), pull: { headSha: SHA, comments } }, body as GraphqlRequest));

    const read = await readRepositoryFiles(octokit, rev, { ...opts, pull: 7 });

    expect(read.pull?.threads).toEqual([
      { id: "PRRT_0", resolved: false, path: ".github/workflows/ci.yml", author: "tagguard", body: "finding" },
      { id: "PRRT_1", resolved: true, path: ".github/workflows/ci.yml", author: "tagguard", body: "fixed" },
    ]);
  });

  it("fails with CommitNotFound when the commit is gone, instead of analysing nothing", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, (_uri, body) => answerGraphql({ trees: new Map() }, body as GraphqlRequest));

    await expect(readRepositoryFiles(octokit, rev, opts)).rejects.toThrow(new CommitNotFound(`acme/app has no commit ${SHA}`));
  });

  it("reads the owner's .github configuration when the repository has none, and tolerates that repository missing", async () => {
    const config = "cacheTags: [cache]\n";
    nock(API)
      .post("/graphql")
      .reply(200, (_uri, body) => answerGraphql({ trees: new Map([[SHA, {}]]), ownerConfig: config }, body as GraphqlRequest))
      .post("/graphql")
      .reply(200, (_uri, body) => answerGraphql({ trees: new Map([[SHA, {}]]), ownerConfig: null }, body as GraphqlRequest));

    expect((await readRepositoryFiles(octokit, rev, { ...opts, config: true })).config).toEqual({ repository: "acme/.github", text: config });
    expect((await readRepositoryFiles(octokit, rev, { ...opts, config: true })).config).toBeUndefined();
  });

  it("notes files over the size cap without asking for their text, and binary files", async () => {
    const queries: GraphqlRequest[] = [];
    serve({ ".github/workflows/big.yml": { size: 2_000_000 }, ".github/workflows/bin.yml": { size: 10, binary: true } }, queries, 2);

    expect(await readRepositoryFiles(octokit, rev, opts)).toEqual({
      files: [],
      notes: [
        "`.github/workflows/big.yml` is larger than 1048576 bytes (2000000 bytes) and was not analysed.",
        "`.github/workflows/bin.yml` is not UTF-8 text and was not analysed.",
      ],
    });
    expect(queries.map((q) => asked(q).text)).toEqual([[], [".github/workflows/bin.yml"]]);
  });
});
