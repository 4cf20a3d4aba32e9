import { describe, expect, it } from "@jest/globals";
import {
  BUILTIN_DEPLOY_TARGETS,
  CONFIG_SCHEMA,
  cacheTagMatcher,
  configFromValue,
  configurableRuleIds,
  defaultConfig,
  parseConfig,
} from "../../src/config/index.js";
import { pathMatcher } from "../../src/config/glob.js";
import { validateJson } from "../../src/config/json-schema.js";
import type { Finding } from "../../src/report/finding.js";

/** A finding as `line:col-line:col severity message`, related locations indented below. */
function show(f: Finding): string {
  const at = (s: Finding["primary"]) => `${s.start.line}:${s.start.col}-${s.end.line}:${s.end.col}`;
  return [`${f.ruleId} ${at(f.primary)} ${f.severity}: ${f.message}`, ...f.related.map((r) => `  ${at(r.span)}: ${r.message}`)].join("\n");
}

describe("parseConfig", () => {
  it("reads every setting", () => {
    const config = parseConfig(`rules:
  cache-overwrites-tag:
    severity: warning
    ignore: [legacy/**]
  unused-ignore:
    disable: true
ignore:
  - experiments/
cacheTags: [buildcache, "*-ci-cache"]
deployTargets:
  - name: azure-app-service
    platforms: [linux/amd64]
    acceptsIndex: false
  - name: edge-fleet
    uses: ["acme/edge-deploy@*"]
    run: [edgectl deploy]
limits:
  steps: 200000
incidents: false
verify:
  - image: ghcr.io/acme/app
    path: /app
  - image: ghcr.io/acme/api:release-*
    path: /srv
    context: services/api
    map: [{ from: src, to: /srv/src }]
    platform: linux/arm64
`);
    expect(config).toEqual({
      rules: {
        "cache-overwrites-tag": { enabled: true, severity: "warning", ignore: ["legacy/**"] },
        "unused-ignore": { enabled: false, ignore: [] },
      },
      ignore: ["experiments/"],
      cacheTags: ["buildcache", "*-ci-cache"],
      deployTargets: [
        { name: "azure-app-service", platforms: ["linux/amd64"], acceptsIndex: false, uses: [], run: [] },
        { name: "edge-fleet", uses: ["acme/edge-deploy@*"], run: ["edgectl deploy"] },
      ],
      limits: { steps: 200_000 },
      incidents: false,
      verify: [
        { image: "ghcr.io/acme/app", path: "/app", context: ".", dockerfile: "Dockerfile", map: [] },
        {
          image: "ghcr.io/acme/api:release-*",
          path: "/srv",
          context: "services/api",
          dockerfile: "services/api/Dockerfile",
          map: [{ from: "src", to: "/srv/src" }],
          platform: "linux/arm64",
        },
      ],
      diagnostics: [],
    });
  });

  it("treats an empty or comment-only file as the defaults", () => {
    expect(parseConfig("")).toEqual(defaultConfig());
    expect(parseConfig("# nothing configured yet\n")).toEqual(defaultConfig());
    expect(defaultConfig().cacheTags).toEqual(["buildcache", "cache", "*-cache", "buildcache-*"]);
  });

  it("reports a YAML syntax error once and falls back to the defaults", () => {
    const config = parseConfig("rules:\n  cache-overwrites-tag:\n    severity: [warning\n");
    expect({ ...config, diagnostics: [] }).toEqual(defaultConfig());
    expect(config.diagnostics.map(show)).toEqual([
      "invalid-config 4:1-4:1 error: .github/tagguard.yml is not valid YAML, so tagguard ignores it and uses its defaults: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("reports schema violations as ONE finding at the first problem, the others as related locations", () => {
    const config = parseConfig(`rules:
  cache-overwrites-tag:
    severity: critical
    enabeld: false
ignore: experiments/
cacheTags: [cache, cache]
deployTargets:
  - platforms: [amd64]
colour: blue
`);
    expect({ ...config, diagnostics: [] }).toEqual(defaultConfig());
    expect(config.diagnostics.map(show)).toEqual([
      [
        'invalid-config 3:15-3:23 error: .github/tagguard.yml is invalid, so tagguard ignores it and uses its defaults. rules.cache-overwrites-tag.severity: must be one of "error", "warning", "info", not "critical" (6 more problems listed below)',
        '  4:5-4:12: rules.cache-overwrites-tag: unknown key "enabeld"; expected one of: enabled, disable, severity, ignore',
        '  5:9-5:21: ignore: must be a list, not "experiments/"',
        '  6:20-6:25: cacheTags[1]: repeats entry 1 ("cache")',
        '  8:5-9:1: deployTargets[0]: needs the key "name"',
        '  8:17-8:22: deployTargets[0].platforms[0]: "amd64" does not match the pattern ^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$',
        '  9:1-9:7: top level: unknown key "colour"; expected one of: rules, ignore, cacheTags, deployTargets, limits, incidents, verify, _extends',
      ].join("\n"),
    ]);
    expect(config.diagnostics[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("reports an unknown top-level key at the key", () => {
    expect(parseConfig("rule:\n  cache-overwrites-tag: {enabled: false}\n").diagnostics.map(show)).toEqual([
      'invalid-config 1:1-1:5 error: .github/tagguard.yml is invalid, so tagguard ignores it and uses its defaults. top level: unknown key "rule"; expected one of: rules, ignore, cacheTags, deployTargets, limits, incidents, verify, _extends',
    ]);
  });

  it("rejects contradicting enabled/disable and duplicate deploy targets", () => {
    const config = parseConfig(`rules:
  cache-overwrites-tag:
    enabled: true
    disable: true
deployTargets:
  - name: fly
  - name: fly
`);
    expect(config.diagnostics.map(show)).toEqual([
      [
        "invalid-config 3:5-5:1 error: .github/tagguard.yml is invalid, so tagguard ignores it and uses its defaults. rules.cache-overwrites-tag: enabled: true and disable: true contradict each other; use one of them (1 more problem listed below)",
        '  7:11-7:14: deployTargets[1].name: "fly" is already defined by deployTargets[0]',
      ].join("\n"),
    ]);
  });

  it("warns about unknown and built-in rule ids but keeps the rest of the file", () => {
    const config = parseConfig(`rules:
  cache-overwrite-tag:
    enabled: false
  parse-error:
    severity: info
  cache-overwrites-tag:
    severity: info
  zzz-not-a-rule: {}
`);
    expect(config.rules).toEqual({ "cache-overwrites-tag": { enabled: true, severity: "info", ignore: [] } });
    expect(config.diagnostics.map(show)).toEqual([
      "invalid-config 2:3-2:22 warning: rules.cache-overwrite-tag: unknown rule id, so this entry has no effect. Did you mean cache-overwrites-tag?",
      "invalid-config 4:3-4:14 warning: rules.parse-error: parse-error is reported by tagguard itself and cannot be configured, so this entry has no effect.",
      expect.stringMatching(/^invalid-config 8:3-8:17 warning: rules\.zzz-not-a-rule: unknown rule id, so this entry has no effect\. Known ids: cache-overwrites-tag, .*unused-ignore\.$/),
    ]);
  });

  it("names the file it was given", () => {
    expect(parseConfig("ignore: 1\n", "ci/tagguard.yml").diagnostics[0].primary.file).toBe("ci/tagguard.yml");
  });
});

describe("configFromValue (Probot's context.config)", () => {
  it("reads an object, and null as the defaults", () => {
    expect(configFromValue(null)).toEqual(defaultConfig());
    expect(configFromValue({ rules: { "cache-overwrites-tag": { severity: "warning" } } }).rules).toEqual({
      "cache-overwrites-tag": { enabled: true, severity: "warning", ignore: [] },
    });
  });

  it("points problems at the start of the file when there is no source", () => {
    expect(configFromValue({ ignore: [1] }).diagnostics.map(show)).toEqual([
      "invalid-config 1:1-1:1 error: .github/tagguard.yml is invalid, so tagguard ignores it and uses its defaults. ignore[0]: must be a string, not 1",
    ]);
  });
});

describe("the JSON Schema", () => {
  it("uses only keywords the runtime validator implements, and accepts the documented example", () => {
    const example = (CONFIG_SCHEMA as { properties: { rules: { examples: unknown[] } } }).properties.rules.examples[0];
    expect(validateJson(CONFIG_SCHEMA, { rules: example, _extends: "acme/.github" })).toEqual([]);
  });

  it("lists every rule id `rules:` accepts, with its description, so editors complete them", () => {
    const rules = (CONFIG_SCHEMA as { properties: { rules: { properties: Record<string, { description: string }> } } }).properties.rules.properties;
    expect(Object.keys(rules)).toEqual(configurableRuleIds());
    expect(rules["cache-overwrites-tag"].description).toBe(
      "A registry cache export targets a ref that is also pushed as an image (docs/rules/cache-overwrites-tag.md).",
    );
    expect(validateJson(CONFIG_SCHEMA, { rules: { "not-a-rule": { enabled: false } }, incidents: false })).toEqual([]);
  });

  it("documents the built-in deploy targets and the default cache tags", () => {
    const props = (CONFIG_SCHEMA as { properties: Record<string, { description: string; default?: unknown }> }).properties;
    for (const name of BUILTIN_DEPLOY_TARGETS) expect(props.deployTargets.description).toContain(name);
    expect(props.cacheTags.default).toEqual(defaultConfig().cacheTags);
  });
});

describe("cacheTagMatcher", () => {
  it("matches the default cache tags case-insensitively", () => {
    const isCache = cacheTagMatcher();
    expect(["buildcache", "cache", "app-cache", "buildcache-amd64", "BuildCache"].filter((t) => isCache(t))).toHaveLength(5);
    expect(["latest", "1.2.3", "cached", "cache-1", "mybuildcache"].filter((t) => isCache(t))).toEqual([]);
  });

  it("matches patterns with ':' against repository:tag", () => {
    const isCache = cacheTagMatcher(["ghcr.io/acme/*:ci-?", "nightly-*"]);
    expect(isCache("ci-1", "ghcr.io/acme/app")).toBe(true);
    expect(isCache("ci-1", "ghcr.io/other/app")).toBe(false);
    expect(isCache("ci-1")).toBe(false);
    expect(isCache("nightly-2025", "docker.io/library/app")).toBe(true);
  });
});

describe("pathMatcher", () => {
  const cases: [string, string, boolean][] = [
    [".github/workflows/*.yml", ".github/workflows/release.yml", true],
    [".github/workflows/*.yml", ".github/workflows/sub/release.yml", false],
    ["legacy/**", "legacy/a/b/action.yml", true],
    ["**/action.yml", "action.yml", true],
    ["**/action.yml", "a/b/action.yml", true],
    ["a/**/action.yml", "a/action.yml", true],
    ["experiments/", "experiments/x/action.yml", true],
    ["experiments/", "experiments.yml", false],
    ["release.yml", ".github/workflows/release.yml", true],
    ["./.github/workflows/release.yml", ".github/workflows/release.yml", true],
    ["/.github/workflows/release.yml", ".github/workflows/release.yml", true],
    [".github/workflows/{build,release}.y?ml", ".github/workflows/build.yaml", true],
    [".github/workflows/{build,release}.y?ml", ".github/workflows/deploy.yml", false],
    ["ci-(old).yml", ".github/workflows/ci-(old).yml", true],
  ];
  it.each(cases)("%s vs %s → %s", (pattern, path, expected) => {
    expect(pathMatcher([pattern])(path)).toBe(expected);
  });
});
