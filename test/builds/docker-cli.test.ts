import { describe, expect, it } from "@jest/globals";
import { builds, workflow } from "./helpers.js";

const F = ".github/workflows/ci.yml";

describe("docker build commands in run: scripts", () => {
  it("reads every flag of docker buildx build, in --flag value and --flag=value form, with exact spans", () => {
    const steps = [
      "      - run: |",
      "          docker buildx build \\",
      "            -t ghcr.io/acme/app:1.0 --tag=ghcr.io/acme/app:latest \\",
      '            --cache-from "type=registry,ref=ghcr.io/acme/app:buildcache" \\',
      "            --cache-to=type=registry,ref=ghcr.io/acme/app:buildcache,mode=max \\",
      "            --platform linux/amd64,linux/arm64 --provenance=false --sbom true \\",
      "            -f docker/Dockerfile --target runtime --push ./app",
      "",
    ].join("\n");
    expect(builds([workflow(steps)])).toEqual([
      {
        source: "docker-cli",
        push: true,
        load: false,
        tags: [`ghcr.io/acme/app:1.0 @${F}:8:16-8:36`, `ghcr.io/acme/app:latest @${F}:8:43-8:66`],
        cacheTo: [`type=registry,ref=ghcr.io/acme/app:buildcache,mode=max @${F}:10:24-10:78`],
        cacheFrom: [`type=registry,ref=ghcr.io/acme/app:buildcache @${F}:9:27-9:72`],
        platforms: [`linux/amd64 @${F}:11:24-11:35`, `linux/arm64 @${F}:11:36-11:47`],
        provenance: `false @${F}:11:61-11:66`,
        sbom: `true @${F}:11:74-11:78`,
        context: `./app @${F}:12:58-12:63`,
        file: `docker/Dockerfile @${F}:12:16-12:33`,
        target: `runtime @${F}:12:43-12:50`,
      },
    ]);
  });

  it("resolves env variables and ${{ }} expressions, and keeps other shell variables as holes", () => {
    const steps = [
      "      - env:",
      "          IMAGE: ghcr.io/acme/app",
      "        run: docker build -t $IMAGE:${{ github.ref_name }} -t \"$IMAGE:$(git rev-parse HEAD)\" --load .",
      "",
    ].join("\n");
    const [b] = builds([workflow(steps)]);
    expect(b.tags).toEqual([
      `ghcr.io/acme/app:\${{ github.ref_name }} @${F}:8:30-8:59`,
      `ghcr.io/acme/app:$(git rev-parse HEAD) @${F}:8:64-8:92`,
    ]);
    expect([b.push, b.load]).toEqual([false, true]);
  });

  it("uses script variables assigned before the command", () => {
    const steps = ["      - run: |", "          REF=ghcr.io/acme/app:cache", "          docker buildx build --cache-to type=registry,ref=$REF -o type=image,name=ghcr.io/acme/app:x,push=true .", ""].join("\n");
    const [b] = builds([workflow(steps)]);
    expect([b.cacheTo, b.tags, b.push]).toEqual([
      [`type=registry,ref=ghcr.io/acme/app:cache @${F}:8:42-8:64`],
      [`ghcr.io/acme/app:x @${F}:8:68-8:112`],
      true,
    ]);
  });

  it("reads docker push and imagetools create as pushes without a build", () => {
    const steps = [
      "      - run: |",
      "          sudo -E docker image push docker.io/acme/app:edge",
      "          docker buildx imagetools create -t docker.io/acme/app:stable --tag=docker.io/acme/app:1 docker.io/acme/app:edge",
      "          docker buildx imagetools create --dry-run -t docker.io/acme/app:dry docker.io/acme/app:edge",
      "          docker push --all-tags docker.io/acme/app",
      "",
    ].join("\n");
    expect(builds([workflow(steps)]).map((b) => [b.push, b.tags])).toEqual([
      [true, [`docker.io/acme/app:edge @${F}:7:37-7:60`]],
      [true, [`docker.io/acme/app:stable @${F}:8:46-8:71`, `docker.io/acme/app:1 @${F}:8:78-8:98`]],
    ]);
  });

  it("takes a word that starts with a variable as an argument", () => {
    const steps = ["      - env:", "          IMAGE: ghcr.io/acme/app", "        run: docker push $IMAGE:latest", ""].join("\n");
    expect(builds([workflow(steps)]).map((b) => [b.push, b.tags])).toEqual([[true, [`ghcr.io/acme/app:latest @${F}:8:26-8:39`]]]);
  });

  it("ignores docker commands that do not build or push, and other programs", () => {
    const steps = ["      - run: |", "          docker run --rm app:test", "          docker tag a b", "          echo docker build -t x .", ""].join("\n");
    expect(builds([workflow(steps)])).toEqual([]);
  });

  it("maps --attest to provenance and sbom and skips global options before the subcommand", () => {
    const steps = ["      - run: docker --debug buildx --builder ci build --attest type=provenance,mode=max --attest type=sbom,disabled=true .", ""].join("\n");
    const [b] = builds([workflow(steps)]);
    expect([b.provenance, b.sbom, b.context]).toEqual([`mode=max @${F}:6:64-6:88`, `false @${F}:6:98-6:121`, `. @${F}:6:122-6:123`]);
  });
});
