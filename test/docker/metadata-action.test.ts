import { describe, expect, it } from "@jest/globals";
import {
  evaluateMetadataAction,
  type MetadataEvent,
  type MetadataInputs,
  metadataActionOutputs,
  outputEnvName,
  sanitizeTag,
} from "../../src/docker/metadata-action.js";
import { unify } from "../../src/workflow/expr/unify.js";
import { renderTemplate, type Sym, type Template, type Val } from "../../src/workflow/expr/value.js";
import { H, L, T } from "./helpers.js";

const IMAGES = L("user/app");
const CONFIGURED = L("type=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}");
const SHA = "860c1904a1ce19322e91ac35af1ab07466440c37";

const BRANCH = H("github.ref_name", { pattern: "[a-zA-Z0-9._-]+" });
const PR = H("github.event.number", { pattern: "[0-9]+" });
const SHORT_SHA = H("github.sha[:7]", { pattern: "[0-9a-f]{7}", display: "{{sha}}" });
const CORE = "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)";
const SEMVER_RELEASE = H("semver(github.ref_name).version", { pattern: CORE, display: "{{version}}", scope: "release" });
const SEMVER_PRE = H("semver(github.ref_name).version", { pattern: `${CORE}-[0-9A-Za-z.-]+`, display: "{{version}}", scope: "prerelease" });
const MAJOR = H("semver(github.ref_name).major", { pattern: "0|[1-9][0-9]*", display: "{{major}}", scope: "release" });
const MINOR = H("semver(github.ref_name).minor", { pattern: "0|[1-9][0-9]*", display: "{{minor}}", scope: "release" });

const push = (ref: string): MetadataEvent => ({ eventName: "push", ref, sha: SHA });

/** Rendered tags per outcome. */
function tags(inputs: MetadataInputs, event: MetadataEvent): string[][] {
  const result = evaluateMetadataAction(inputs, event);
  expect(result.errors).toEqual([]);
  return result.outcomes.map((o) => o.tags.map(renderTemplate));
}

/** The single outcome's tags as templates. */
function onlyTags(inputs: MetadataInputs, event: MetadataEvent): Template[] {
  const { outcomes, errors } = evaluateMetadataAction(inputs, event);
  expect(errors).toEqual([]);
  expect(outcomes).toHaveLength(1);
  return outcomes[0].tags;
}

const strParts = (v: Val | undefined): Template => {
  if (v?.kind !== "str") throw new Error(`not a string: ${JSON.stringify(v)}`);
  return v.parts;
};

describe("hazards.md §2 table (images: user/app)", () => {
  it.each<[string, MetadataEvent, string[], string[]]>([
    ["push refs/heads/master", push("refs/heads/master"), ["user/app:master"], ["user/app:master"]],
    ["push refs/tags/v1.2.3", push("refs/tags/v1.2.3"), ["user/app:v1.2.3", "user/app:latest"], ["user/app:1.2.3", "user/app:1.2", "user/app:latest"]],
    ["push refs/tags/v2.0.8-beta.67", push("refs/tags/v2.0.8-beta.67"), ["user/app:v2.0.8-beta.67", "user/app:latest"], ["user/app:2.0.8-beta.67"]],
    ["pull_request #2", { eventName: "pull_request", ref: "refs/pull/2/merge", sha: SHA }, ["user/app:pr-2"], ["user/app:pr-2"]],
  ])("%s", (_, event, defaults, configured) => {
    expect(tags({ images: IMAGES }, event)).toEqual([defaults]);
    expect(tags({ images: IMAGES, tags: CONFIGURED }, event)).toEqual([configured]);
  });

  it("schedule runs on the default branch, so branch rules match too (upstream meta.test.ts schedule01)", () => {
    const event: MetadataEvent = { eventName: "schedule", ref: "refs/heads/master", sha: SHA };
    expect(tags({ images: IMAGES }, event)).toEqual([["user/app:nightly", "user/app:master"]]);
    expect(tags({ images: IMAGES, tags: CONFIGURED }, event)).toEqual([["user/app:master"]]);
    expect(tags({ images: IMAGES, tags: L("type=semver,pattern={{version}}\ntype=ref,event=pr") }, event)).toEqual([[]]);
  });

  it("schedule with an unknown ref produces nightly and the default branch name", () => {
    expect(onlyTags({ images: IMAGES }, { eventName: "schedule", refKind: "branch" })).toEqual([L("user/app:nightly"), T("user/app:", BRANCH)]);
  });
});

describe("unknown refs become holes", () => {
  it("branch push: the sanitised branch name", () => {
    expect(onlyTags({ images: IMAGES }, { eventName: "push", refKind: "branch" })).toEqual([T("user/app:", BRANCH)]);
  });

  it("pull request: pr-<number>", () => {
    expect(onlyTags({ images: IMAGES }, { eventName: "pull_request", refKind: "pr" })).toEqual([T("user/app:pr-", PR)]);
    expect(onlyTags({ images: IMAGES }, { eventName: "pull_request_target" })).toEqual([T("user/app:pr-", PR)]);
  });

  it("tag push with semver rules: release, pre-release and non-semver outcomes", () => {
    const { outcomes, errors } = evaluateMetadataAction({ images: IMAGES, tags: CONFIGURED }, { eventName: "push", refKind: "tag" });
    expect(errors).toEqual([]);
    expect(outcomes.map((o) => ({ conds: o.conds, tags: o.tags, latest: o.latest }))).toEqual([
      {
        conds: ["github.ref_name is a semver release"],
        tags: [T("user/app:", SEMVER_RELEASE), T("user/app:", MAJOR, ".", MINOR), L("user/app:latest")],
        latest: true,
      },
      { conds: ["github.ref_name is a semver pre-release"], tags: [T("user/app:", SEMVER_PRE)], latest: false },
      { conds: ["github.ref_name is not a semver version"], tags: [], latest: false },
    ]);
    expect(outcomes[2].warnings).toEqual([
      "github.ref_name is not a valid semver. More info: https://semver.org/",
      "github.ref_name is not a valid semver. More info: https://semver.org/",
      "No Docker image version has been generated. Check tags input.",
      "No Docker tag has been generated. Check tags input.",
    ]);
  });

  it("semver holes can never equal latest or buildcache", () => {
    for (const version of [T(SEMVER_RELEASE), T(SEMVER_PRE), T(MAJOR, ".", MINOR)]) {
      expect(unify(version, L("latest"))).toBe("never");
      expect(unify(version, L("buildcache"))).toBe("never");
    }
  });

  it("commit SHA: sha-<7 hex>, or the literal when known", () => {
    expect(onlyTags({ images: IMAGES, tags: L("type=sha") }, { eventName: "push", refKind: "branch" })).toEqual([T("user/app:sha-", SHORT_SHA)]);
    expect(onlyTags({ images: IMAGES, tags: L("type=sha\ntype=sha,format=long,prefix=") }, push("refs/heads/main"))).toEqual([
      L("user/app:sha-860c190"),
      L(`user/app:${SHA}`),
    ]);
  });

  it("a push of unknown kind yields the branch and the tag outcome", () => {
    const { outcomes } = evaluateMetadataAction({ images: IMAGES }, { eventName: "push", refKind: "other" });
    expect(outcomes.map((o) => [o.conds, o.tags])).toEqual([
      [["a branch is pushed"], [T("user/app:", BRANCH)]],
      [["a tag is pushed"], [T("user/app:", BRANCH), L("user/app:latest")]],
    ]);
  });
});

describe("events that produce nothing", () => {
  it("semver-only config on a branch push: empty tags output", () => {
    const { outcomes } = evaluateMetadataAction({ images: IMAGES, tags: L("type=semver,pattern={{version}}") }, push("refs/heads/main"));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ tags: [], tagNames: [], version: [], latest: false });
    expect(outcomes[0].warnings).toEqual(["No Docker image version has been generated. Check tags input.", "No Docker tag has been generated. Check tags input."]);
    expect(outcomes[0].outputs.tags).toEqual({ kind: "str", parts: [] });
    expect(outcomes[0].outputs.version).toEqual({ kind: "str", parts: [] });
  });

  it("pr and tag rules on a branch push, branch rule on a pull request", () => {
    expect(tags({ images: IMAGES, tags: L("type=ref,event=pr\ntype=ref,event=tag") }, push("refs/heads/main"))).toEqual([[]]);
    expect(tags({ images: IMAGES, tags: L("type=ref,event=branch\ntype=edge") }, { eventName: "pull_request", ref: "refs/pull/5/merge" })).toEqual([[]]);
  });

  it("a non-semver tag", () => {
    expect(tags({ images: IMAGES, tags: L("type=semver,pattern={{version}}") }, push("refs/tags/release1"))).toEqual([[]]);
  });
});

describe("latest", () => {
  it("follows flavor latest=true|false", () => {
    expect(tags({ images: IMAGES, flavor: L("latest=true") }, push("refs/heads/dev"))).toEqual([["user/app:dev", "user/app:latest"]]);
    expect(tags({ images: IMAGES, flavor: L("latest=false") }, push("refs/tags/v1.2.3"))).toEqual([["user/app:v1.2.3"]]);
  });

  it("is decided by the first rule that produced a value", () => {
    const first = L("type=raw,value=stable,priority=1000\ntype=ref,event=tag");
    expect(tags({ images: IMAGES, tags: first }, push("refs/tags/v1.2.3"))).toEqual([["user/app:stable", "user/app:v1.2.3"]]);
    const tagFirst = L("type=ref,event=tag\ntype=raw,value=stable");
    expect(tags({ images: IMAGES, tags: tagFirst }, push("refs/tags/v1.2.3"))).toEqual([["user/app:v1.2.3", "user/app:stable", "user/app:latest"]]);
  });

  it("gets flavor prefix/suffix only with onlatest=true", () => {
    expect(tags({ images: IMAGES, flavor: L("suffix=-arm64") }, push("refs/tags/v1.2.3"))).toEqual([["user/app:v1.2.3-arm64", "user/app:latest"]]);
    expect(tags({ images: IMAGES, flavor: L("prefix=x-,onlatest=true\nsuffix=-arm64,onlatest=true") }, push("refs/tags/v1.2.3"))).toEqual([
      ["user/app:x-v1.2.3-arm64", "user/app:x-latest-arm64"],
    ]);
  });

  it("follows an unknown latest= flavor per value", () => {
    const flavor = T("latest=", H("inputs.latest", { pattern: "true|false" }));
    const { outcomes } = evaluateMetadataAction({ images: IMAGES, flavor }, push("refs/heads/dev"));
    expect(outcomes.map((o) => [o.conds, o.tags.map(renderTemplate)])).toEqual([
      [["inputs.latest is 'true'"], ["user/app:dev", "user/app:latest"]],
      [["inputs.latest is 'false'"], ["user/app:dev"]],
    ]);
  });
});

describe("tag rules", () => {
  it("raw values, handlebars expressions and sanitising", () => {
    const rules = L("type=raw,value=buildcache\ntype=raw,value={{branch}}-{{sha}}\ntype=raw,value=nightly-{{date 'YYYYMMDD'}}\ntype=ref,event=branch,suffix=+x");
    expect(onlyTags({ images: IMAGES, tags: rules }, push("refs/heads/feature/login"))).toEqual([
      L("user/app:feature-login-x"),
      L("user/app:buildcache"),
      L("user/app:feature-login-860c190"),
      T("user/app:nightly-", H("date('YYYYMMDD')", { pattern: "[0-9]{4}[0-9]{2}[0-9]{2}", display: "{{date 'YYYYMMDD'}}" })),
    ]);
  });

  it("enable= literal, {{is_default_branch}} and unknown values", () => {
    const rules = L("type=raw,value=latest,enable={{is_default_branch}}\ntype=raw,value=off,enable=false\ntype=ref,event=branch");
    expect(tags({ images: IMAGES, tags: rules }, { ...push("refs/heads/main"), defaultBranch: true })).toEqual([["user/app:main", "user/app:latest"]]);
    expect(tags({ images: IMAGES, tags: rules }, { ...push("refs/heads/dev"), defaultBranch: false })).toEqual([["user/app:dev"]]);
    const unknown = evaluateMetadataAction({ images: IMAGES, tags: rules }, push("refs/heads/main"));
    expect(unknown.outcomes.map((o) => [o.conds, o.tags.map(renderTemplate)])).toEqual([
      [["the branch is the default branch"], ["user/app:main", "user/app:latest"]],
      [["the branch is not the default branch"], ["user/app:main"]],
    ]);
    const expr = T("type=raw,value=buildcache,enable=", H("github.ref == 'refs/heads/main'", { pattern: "true|false" }));
    expect(evaluateMetadataAction({ images: IMAGES, tags: expr }, push("refs/heads/main")).outcomes.map((o) => [o.conds, o.tags.map(renderTemplate)])).toEqual([
      [["github.ref == 'refs/heads/main' is 'true'"], ["user/app:buildcache"]],
      [["github.ref == 'refs/heads/main' is 'false'"], []],
    ]);
  });

  it("a value that may be empty produces a tag or nothing", () => {
    const extra = H("inputs.extra-tag");
    const { outcomes } = evaluateMetadataAction({ images: IMAGES, tags: T("type=raw,value=", extra) }, push("refs/heads/main"));
    expect(outcomes.map((o) => [o.conds, o.tags])).toEqual([
      [["inputs.extra-tag is not empty"], [T("user/app:", H("inputs.extra-tag", { pattern: "[a-zA-Z0-9._-]*" }))]],
      [["inputs.extra-tag is empty"], []],
    ]);
  });

  it("edge on the default branch or a named branch", () => {
    expect(tags({ images: IMAGES, tags: L("type=edge") }, { ...push("refs/heads/main"), defaultBranch: true })).toEqual([["user/app:edge"]]);
    expect(tags({ images: IMAGES, tags: L("type=edge,branch=dev") }, push("refs/heads/dev"))).toEqual([["user/app:edge"]]);
    expect(tags({ images: IMAGES, tags: L("type=edge,branch=dev") }, push("refs/heads/main"))).toEqual([[]]);
  });

  it("match with a group, on known and unknown tags", () => {
    const rule = L("type=match,pattern=\\d.\\d,group=0");
    expect(tags({ images: IMAGES, tags: rule }, push("refs/tags/v1.2.3"))).toEqual([["user/app:1.2", "user/app:latest"]]);
    const { outcomes } = evaluateMetadataAction({ images: IMAGES, tags: rule }, { eventName: "push", refKind: "tag" });
    const group = "match(github.ref_name, \\d.\\d)[0]";
    expect(outcomes.map((o) => [o.conds, o.tags])).toEqual([
      [["github.ref_name matches \\d.\\d", `${group} is not empty`], [T("user/app:", H(group, { pattern: "[a-zA-Z0-9._-]*", display: "(${{ github.ref_name }} matched by /\\d.\\d/)" })), L("user/app:latest")]],
      [["github.ref_name matches \\d.\\d", `${group} is empty`], []],
      [["github.ref_name does not match \\d.\\d"], []],
    ]);
  });

  it("pep440 final and pre-releases", () => {
    const rules = L("type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}");
    expect(tags({ images: IMAGES, tags: rules }, push("refs/tags/1.2.3"))).toEqual([["user/app:1.2.3", "user/app:1.2", "user/app:latest"]]);
    expect(tags({ images: IMAGES, tags: rules }, push("refs/tags/1.0dev4"))).toEqual([["user/app:1.0.dev4"]]);
  });

  it("semver {{raw}} keeps the tag for pre-releases; value= works on any event", () => {
    expect(tags({ images: IMAGES, tags: L("type=semver,pattern={{raw}}") }, push("refs/tags/v2.0.8-beta.67"))).toEqual([["user/app:v2.0.8-beta.67"]]);
    expect(tags({ images: IMAGES, tags: L("type=semver,pattern=v{{major}},value=3.4.5") }, push("refs/heads/main"))).toEqual([["user/app:v3", "user/app:latest"]]);
  });

  it("schedule pattern with a date", () => {
    expect(onlyTags({ images: IMAGES, tags: L("type=schedule,pattern={{date 'YYYYMMDD-HHmm'}}") }, { eventName: "schedule", ref: "refs/heads/main" })).toEqual([
      T("user/app:", H("date('YYYYMMDD-HHmm')", { pattern: "[0-9]{4}[0-9]{2}[0-9]{2}\\-[0-9]{2}[0-9]{2}", display: "{{date 'YYYYMMDD-HHmm'}}" })),
    ]);
  });

  it("ignores # comments", () => {
    expect(tags({ images: L("# main image\nuser/app # Docker Hub"), tags: L("# branch builds\ntype=ref,event=branch # comment") }, push("refs/heads/main"))).toEqual([
      ["user/app:main"],
    ]);
  });
});

describe("images", () => {
  it("lowercases names, reads the comma list form, name= and enable=", () => {
    expect(tags({ images: L("User/App,ghcr.io/Org/App") }, push("refs/heads/main"))).toEqual([["user/app:main", "ghcr.io/org/app:main"]]);
    expect(tags({ images: L("name=user/app\nname=ghcr.io/o/app,enable=false\nquay.io/o/app") }, push("refs/heads/main"))).toEqual([
      ["user/app:main", "quay.io/o/app:main"],
    ]);
  });

  it("keeps holes in image names", () => {
    expect(onlyTags({ images: T("ghcr.io/", H("github.repository")) }, push("refs/heads/main"))).toEqual([T("ghcr.io/", H("github.repository"), ":main")]);
  });

  it("gives bare tag names without images", () => {
    expect(tags({}, push("refs/tags/v1.2.3"))).toEqual([["v1.2.3", "latest"]]);
    expect(tags({ images: L("name=user/app,enable=false") }, push("refs/heads/main"))).toEqual([["main"]]);
  });

  it("an unknown enable= splits the outcomes", () => {
    const images = T("name=user/app\nname=ghcr.io/o/app,enable=", H("inputs.ghcr", { pattern: "true|false" }));
    expect(tags({ images }, push("refs/heads/main"))).toEqual([["user/app:main", "ghcr.io/o/app:main"], ["user/app:main"]]);
  });
});

describe("event kinds", () => {
  it("merge_group runs on a queue branch that is never the default one", () => {
    expect(tags({ images: IMAGES, tags: L("type=ref,event=branch\ntype=edge") }, { eventName: "merge_group", refKind: "other" })).toEqual([
      ["user/app:${{ github.ref_name }}"],
    ]);
  });

  it("release events are tag events; other events run on the default branch", () => {
    expect(tags({ images: IMAGES }, { eventName: "release" })).toEqual([["user/app:${{ github.ref_name }}", "user/app:latest"]]);
    expect(tags({ images: IMAGES, tags: L("type=edge") }, { eventName: "workflow_run" })).toEqual([["user/app:edge"]]);
  });
});

describe("input errors", () => {
  it.each<[MetadataInputs, string]>([
    [{ tags: L("type=foo") }, "Unknown tag type attribute: foo"],
    [{ tags: L("type=semver") }, "Missing pattern attribute for type=semver"],
    [{ tags: L("type=ref") }, "Missing event attribute for type=ref"],
    [{ tags: L("type=ref,event=push") }, "Invalid event for type=ref,event=push"],
    [{ tags: L("type=raw") }, "Missing value attribute for type=raw"],
    [{ tags: L("type=sha,format=medium") }, "Invalid format for type=sha,format=medium"],
    [{ tags: L("type=match,pattern=x,group=a") }, "Invalid match group for type=match,pattern=x,group=a"],
    [{ tags: L("type=raw,value=x,enable=yes") }, "Invalid value for enable attribute: yes"],
    [{ flavor: L("latest=maybe") }, "Invalid latest flavor entry: latest=maybe"],
    [{ flavor: L("prefix") }, "Invalid flavor entry: prefix"],
    [{ flavor: L("colour=blue") }, "Unknown flavor entry: colour=blue"],
    [{ images: L("name=a,colour=blue\nb") }, "Unknown image attribute: name=a,colour=blue"],
    [{ images: L("enable=true\nb") }, "Image name attribute empty: enable=true"],
  ])("%j → %s", (inputs, error) => {
    expect(evaluateMetadataAction({ images: IMAGES, ...inputs }, push("refs/heads/main"))).toEqual({ outcomes: [], errors: [error], truncated: false });
  });
});

describe("possible worlds", () => {
  it("an unknown value outside the allowed ones is an error in that world", () => {
    const flavor = T("latest=", H("inputs.latest", { pattern: "yes|no" }));
    expect(evaluateMetadataAction({ images: IMAGES, flavor }, push("refs/heads/main"))).toEqual({
      outcomes: [],
      errors: ["Invalid latest flavor entry"],
      truncated: false,
    });
  });

  it("stops after MAX_WORLDS and says so", () => {
    const rules = T(
      ...Array.from({ length: 9 }, (_, i) => [`type=raw,value=t${i},enable=`, H(`inputs.t${i}`, { pattern: "true|false" }), "\n"]).flat(),
    );
    const result = evaluateMetadataAction({ images: IMAGES, tags: rules }, push("refs/heads/main"));
    expect([result.outcomes.length, result.truncated]).toEqual([256, true]);
    const { outputs } = metadataActionOutputs(new Map([["tags", [{ value: { kind: "str", parts: rules }, conds: [] }]]]), push("refs/heads/main"));
    const last = outputs.get("tags")?.at(-1);
    expect(last).toEqual({ value: { kind: "unknown", hole: { source: "docker-metadata-action.tags", multiline: true } }, conds: [] });
    // The worlds not evaluated are picked by the inputs' unknowns: the stand-in is the same value only where they are.
    const scoped = T(
      ...Array.from({ length: 9 }, (_, i) => [`type=raw,value=t${i},enable=`, H(`steps.flags.outputs.t${i}`, { pattern: "true|false", scope: "job-a|flags" }), "\n"]).flat(),
    );
    const leg = metadataActionOutputs(new Map([["tags", [{ value: { kind: "str", parts: scoped }, conds: [] }]]]), push("refs/heads/main"));
    expect(leg.outputs.get("tags")?.at(-1)?.value).toEqual({ kind: "unknown", hole: { source: "docker-metadata-action.tags", multiline: true, scope: "job-a|flags" } });
  });
});

describe("outputs", () => {
  const tagEvent = push("refs/tags/v1.2.3");

  it("joins tags and tag-names with sep-tags and sets version", () => {
    const [outcome] = evaluateMetadataAction({ images: L("user/app\nghcr.io/o/app"), "sep-tags": L(",") }, tagEvent).outcomes;
    expect(outcome.outputs.version).toEqual({ kind: "str", parts: L("v1.2.3") });
    expect(outcome.outputs.tags).toEqual({ kind: "str", parts: L("user/app:v1.2.3,user/app:latest,ghcr.io/o/app:v1.2.3,ghcr.io/o/app:latest") });
    expect(outcome.outputs["tag-names"]).toEqual({ kind: "str", parts: L("v1.2.3,latest") });
    const [newline] = evaluateMetadataAction({ images: IMAGES }, tagEvent).outcomes;
    expect(newline.outputs.tags).toEqual({ kind: "str", parts: L("user/app:v1.2.3\nuser/app:latest") });
  });

  it("json: text and structure", () => {
    const [outcome] = evaluateMetadataAction({ images: IMAGES }, tagEvent).outcomes;
    const json = outcome.outputs.json;
    if (json.kind !== "str" || !json.json || json.json.kind !== "object") throw new Error("json output is not a JSON string");
    const fields = json.json.fields;
    expect(Object.keys(fields)).toEqual(["tags", "tag-names", "labels", "annotations"]);
    expect(fields.tags).toEqual({ kind: "array", items: [{ kind: "str", parts: L("user/app:v1.2.3") }, { kind: "str", parts: L("user/app:latest") }] });
    expect(fields["tag-names"]).toEqual({ kind: "array", items: [{ kind: "str", parts: L("v1.2.3") }, { kind: "str", parts: L("latest") }] });
    const labels = fields.labels.kind === "object" ? fields.labels.fields : {};
    expect(labels["org.opencontainers.image.version"]).toEqual({ kind: "str", parts: L("v1.2.3") });
    expect(labels["org.opencontainers.image.revision"]).toEqual({ kind: "str", parts: L(SHA) });
    expect(renderTemplate(json.parts)).toBe(
      '{"tags":["user/app:v1.2.3","user/app:latest"],"tag-names":["v1.2.3","latest"],"labels":{' +
        '"org.opencontainers.image.created":"${{ metadata.created }}",' +
        '"org.opencontainers.image.description":"${{ github.event.repository.description }}",' +
        '"org.opencontainers.image.licenses":"${{ github.event.repository.license.spdx_id }}",' +
        `"org.opencontainers.image.revision":"${SHA}",` +
        '"org.opencontainers.image.source":"${{ github.event.repository.html_url }}",' +
        '"org.opencontainers.image.title":"${{ github.event.repository.name }}",' +
        '"org.opencontainers.image.url":"${{ github.event.repository.html_url }}",' +
        '"org.opencontainers.image.version":"v1.2.3"},"annotations":[' +
        '"manifest:org.opencontainers.image.created=${{ metadata.created }}",' +
        '"manifest:org.opencontainers.image.description=${{ github.event.repository.description }}",' +
        '"manifest:org.opencontainers.image.licenses=${{ github.event.repository.license.spdx_id }}",' +
        `"manifest:org.opencontainers.image.revision=${SHA}",` +
        '"manifest:org.opencontainers.image.source=${{ github.event.repository.html_url }}",' +
        '"manifest:org.opencontainers.image.title=${{ github.event.repository.name }}",' +
        '"manifest:org.opencontainers.image.url=${{ github.event.repository.html_url }}",' +
        '"manifest:org.opencontainers.image.version=v1.2.3"]}',
    );
  });

  it("labels output lines", () => {
    const [outcome] = evaluateMetadataAction({ images: IMAGES }, tagEvent).outcomes;
    expect(renderTemplate(strParts(outcome.outputs.labels)).split("\n")).toEqual([
      "org.opencontainers.image.created=${{ metadata.created }}",
      "org.opencontainers.image.description=${{ github.event.repository.description }}",
      "org.opencontainers.image.licenses=${{ github.event.repository.license.spdx_id }}",
      `org.opencontainers.image.revision=${SHA}`,
      "org.opencontainers.image.source=${{ github.event.repository.html_url }}",
      "org.opencontainers.image.title=${{ github.event.repository.name }}",
      "org.opencontainers.image.url=${{ github.event.repository.html_url }}",
      "org.opencontainers.image.version=v1.2.3",
    ]);
  });

  it("environment variables mirror the outputs", () => {
    const [outcome] = evaluateMetadataAction({ images: IMAGES }, tagEvent).outcomes;
    expect(Object.keys(outcome.env)).toEqual([
      "DOCKER_METADATA_OUTPUT_VERSION",
      "DOCKER_METADATA_OUTPUT_TAGS",
      "DOCKER_METADATA_OUTPUT_TAG_NAMES",
      "DOCKER_METADATA_OUTPUT_LABELS",
      "DOCKER_METADATA_OUTPUT_ANNOTATIONS",
      "DOCKER_METADATA_OUTPUT_JSON",
      "DOCKER_METADATA_OUTPUT_BAKE_FILE_TAGS",
      "DOCKER_METADATA_OUTPUT_BAKE_FILE_LABELS",
      "DOCKER_METADATA_OUTPUT_BAKE_FILE_ANNOTATIONS",
      "DOCKER_METADATA_OUTPUT_BAKE_FILE",
    ]);
    expect(outcome.env.DOCKER_METADATA_OUTPUT_TAGS).toBe(outcome.outputs.tags);
    expect(outputEnvName("bake-file-tags")).toBe("DOCKER_METADATA_OUTPUT_BAKE_FILE_TAGS");
  });

  it("bake files name the bake target", () => {
    const [outcome] = evaluateMetadataAction({ images: IMAGES, "bake-target": L("meta") }, tagEvent).outcomes;
    expect(outcome.outputs["bake-file-tags"]).toEqual({ kind: "str", parts: [H("docker-metadata-action.bake-file-tags")] });
    const bake = outcome.bakeFiles["bake-file-tags"];
    expect(renderTemplate(strParts(bake))).toBe(
      '{"target":{"meta":{"tags":["user/app:v1.2.3","user/app:latest"],"args":{"DOCKER_META_IMAGES":"user/app","DOCKER_META_VERSION":"v1.2.3"}}}}',
    );
    const [defaults] = evaluateMetadataAction({ images: IMAGES }, push("refs/heads/x")).outcomes;
    expect(renderTemplate(strParts(defaults.bakeFiles["bake-file-annotations"])).startsWith('{"target":{"docker-metadata-action":{"annotations":["manifest:')).toBe(true);
  });
});

describe("metadataActionOutputs", () => {
  const event: MetadataEvent = { eventName: "push", refKind: "tag" };

  it("maps each output to alternatives with their conditions", () => {
    const inputs = new Map<string, Sym>([["images", [{ value: { kind: "str", parts: L("ghcr.io/o/app") }, conds: [] }]]]);
    const { outputs, env } = metadataActionOutputs(inputs, event);
    expect([...outputs.keys()]).toEqual(["version", "tags", "tag-names", "labels", "annotations", "json", "bake-file-tags", "bake-file-labels", "bake-file-annotations", "bake-file"]);
    expect(outputs.get("tags")).toEqual([{ value: { kind: "str", parts: T("ghcr.io/o/app:", BRANCH, "\nghcr.io/o/app:latest") }, conds: [] }]);
    expect(env.get("DOCKER_METADATA_OUTPUT_TAGS")).toEqual(outputs.get("tags"));
  });

  it("combines input alternatives and merges identical values", () => {
    const inputs = new Map<string, Sym>([
      ["images", [{ value: { kind: "str", parts: L("ghcr.io/o/app") }, conds: [] }]],
      [
        "tags",
        [
          { value: { kind: "str", parts: L("type=semver,pattern={{version}}") }, conds: ["inputs.mode == 'release'"] },
          { value: { kind: "str", parts: L("type=raw,value=dev") }, conds: ["inputs.mode != 'release'"] },
        ],
      ],
    ]);
    const { outputs } = metadataActionOutputs(inputs, event);
    expect(outputs.get("tags")).toEqual([
      {
        value: { kind: "str", parts: T("ghcr.io/o/app:", SEMVER_RELEASE, "\nghcr.io/o/app:latest") },
        conds: ["inputs.mode == 'release'", "github.ref_name is a semver release"],
      },
      { value: { kind: "str", parts: T("ghcr.io/o/app:", SEMVER_PRE) }, conds: ["inputs.mode == 'release'", "github.ref_name is a semver pre-release"] },
      { value: { kind: "str", parts: [] }, conds: ["inputs.mode == 'release'", "github.ref_name is not a semver version"] },
      { value: { kind: "str", parts: L("ghcr.io/o/app:dev") }, conds: ["inputs.mode != 'release'"] },
    ]);
    expect(outputs.get("bake-file")).toEqual([{ value: { kind: "str", parts: [H("docker-metadata-action.bake-file")] }, conds: [] }]);
  });

  it("yields no outputs when the inputs are invalid", () => {
    const inputs = new Map<string, Sym>([["tags", [{ value: { kind: "str", parts: L("type=foo") }, conds: [] }]]]);
    const { outputs, env } = metadataActionOutputs(inputs, event);
    expect([outputs.size, env.size]).toEqual([0, 0]);
  });
});

describe("sanitizeTag", () => {
  it("maps runs of invalid characters to '-' and constrains holes", () => {
    expect(sanitizeTag(L("a/b c++d"))).toEqual(L("a-b-c-d"));
    expect(sanitizeTag(T("x-", H("n", { pattern: "[0-9]+" })))).toEqual(T("x-", H("n", { pattern: "[0-9]+" })));
    expect(sanitizeTag(T(H("v", { pattern: "[a-z/]+" })))).toEqual(T(H("v", { pattern: "[a-zA-Z0-9._-]+" })));
    expect(sanitizeTag(T(H("v", { multiline: true })))).toEqual(T(H("v", { pattern: "[a-zA-Z0-9._-]*" })));
  });
});
