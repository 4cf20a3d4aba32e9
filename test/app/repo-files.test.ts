import { afterEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { CommitNotFound, readRepositoryFiles } from "../../src/app/github/repo-files.js";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
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

  it("notes files over the size cap and binary files, and reads none of them", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, (_uri, body) =>
        answerGraphql(
          { trees: new Map([[SHA, { ".github/workflows/big.yml": { size: 2_000_000 }, ".github/workflows/bin.yml": { size: 10, binary: true } }]]) },
          body as GraphqlRequest,
        ),
      );

    expect(await readRepositoryFiles(octokit, rev, opts)).toEqual({
      files: [],
      notes: [
        "`.github/workflows/big.yml` is larger than 1048576 bytes (2000000 bytes) and was not analysed.",
        "`.github/workflows/bin.yml` is not UTF-8 text and was not analysed.",
      ],
    });
  });
});
