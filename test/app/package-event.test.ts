import { describe, expect, it } from "@jest/globals";
import { parsePackageEvent } from "../../src/app/watch/package-event.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

function payload(o: { tag?: string; name?: string; owner?: string; digest?: string; type?: string; key?: string; repository?: unknown } = {}) {
  return {
    action: "published",
    [o.key ?? "registry_package"]: {
      name: o.name ?? "App",
      namespace: "wrong-namespace",
      package_type: o.type ?? "CONTAINER",
      owner: { login: o.owner ?? "Acme" },
      package_version: {
        id: 7,
        version: o.digest ?? DIGEST,
        container_metadata: { tag: { name: o.tag ?? "v1.2.3", digest: "" }, manifest: { media_type: "x" } },
      },
      registry: { url: "https://CONTAINER.pkg.github.com/acme" },
    },
    ...(o.repository === undefined ? {} : { repository: o.repository }),
  };
}

describe("parsePackageEvent", () => {
  it("takes the lowercased owner login and name, the tag and the version digest", () => {
    expect(parsePackageEvent("registry_package", payload({ repository: { name: "app", owner: { login: "Acme" } } }))).toEqual({
      kind: "publish",
      version: {
        name: "acme/app",
        image: "ghcr.io/acme/app",
        tag: "v1.2.3",
        digest: DIGEST,
        versionId: 7,
        manifestSummary: { media_type: "x" },
        repository: { owner: "Acme", repo: "app", htmlUrl: "https://github.com/Acme/app", defaultBranch: undefined },
      },
    });
  });

  it("reads the package object of a package event and names with slashes", () => {
    const parsed = parsePackageEvent("package", payload({ key: "package", name: "cadence/api", type: "container" }));
    expect(parsed).toEqual({ kind: "publish", version: expect.objectContaining({ name: "acme/cadence/api", image: "ghcr.io/acme/cadence/api", repository: undefined }) });
  });

  it.each([
    [{ type: "npm" }, { kind: "skip", level: "debug", reason: 'not a container package (package_type "npm")' }],
    [{ tag: "" }, { kind: "skip", level: "debug", reason: "untagged manifest (a child of a multi-platform push); its tagged parent is inspected" }],
    [{ tag: `sha256-${"b".repeat(64)}.att` }, { kind: "skip", level: "debug", reason: `referrer tag sha256-${"b".repeat(64)}.att (signature, attestation or SBOM)` }],
    [{ tag: "-bad" }, { kind: "skip", level: "warn", reason: 'tag "-bad" is not a valid OCI tag' }],
    [{ name: "my app" }, { kind: "skip", level: "warn", reason: '"acme/my app" is not a valid OCI repository name' }],
    [{ digest: "sha256:ABC" }, { kind: "skip", level: "warn", reason: 'the version digest "sha256:ABC" is not sha256:<64 lowercase hex>' }],
    [{ key: "package" }, { kind: "skip", level: "warn", reason: "the payload has no registry_package object" }],
  ])("skips %j", (o, expected) => {
    expect(parsePackageEvent("registry_package", payload(o))).toEqual(expected);
  });
});
