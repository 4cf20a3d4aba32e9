import { describe, expect, it } from "@jest/globals";
import { parseImageRef, type ImageRef } from "../../src/docker/image-ref.js";
import { imageRefUsage, refRole } from "../../src/engine/image-refs.js";

const ref = (s: string) => parseImageRef(s) as ImageRef;

const workflow = (steps: string) => ({
  path: ".github/workflows/ci.yml",
  text: `on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`,
});

describe("imageRefUsage / refRole", () => {
  const usage = imageRefUsage([
    workflow(
      [
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          push: true",
        "          tags: ghcr.io/acme/app:${{ github.ref_name }}",
        "          cache-to: type=registry,ref=ghcr.io/acme/app:deps,mode=max",
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          push: false",
        "          tags: ghcr.io/acme/tool:local",
        "          cache-to: type=registry,ref=ghcr.io/acme/tool:layers",
        "",
      ].join("\n"),
    ),
  ]);

  it("collects the tags of builds that may push and every registry cache export", () => {
    expect(usage.pushed.map((r) => r.raw)).toEqual([[{ lit: "ghcr.io/acme/app:" }, expect.objectContaining({ hole: expect.anything() })]]);
    expect(usage.cacheWrites.map((r) => r.literal)).toEqual(["ghcr.io/acme/app:deps", "ghcr.io/acme/tool:layers"]);
  });

  it("calls a ref cache-only when a cache export writes it and no push can name it", () => {
    expect(refRole(usage, ref("ghcr.io/acme/tool:layers"))).toBe("cache-only");
    // A push of a branch-named tag may be a push of `deps` too.
    expect(refRole(usage, ref("ghcr.io/acme/app:deps"))).toBe("pushed");
    expect(refRole(usage, ref("ghcr.io/acme/other:deps"))).toBe("unused");
  });
});
