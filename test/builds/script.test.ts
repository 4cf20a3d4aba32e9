import { describe, expect, it } from "@jest/globals";
import { builds, workflow } from "./helpers.js";

/** The tags a build-push-action step after `script` sees for `tags`, as text. */
function tagsAfter(script: string[], tags: string): string[] {
  const steps = [
    "      - id: s",
    "        run: |",
    ...script.map((l) => `          ${l}`),
    "      - uses: docker/build-push-action@v6",
    "        with:",
    "          push: true",
    `          tags: ${tags}`,
    "",
  ].join("\n");
  const [b] = builds([workflow(steps)]);
  return b.tags.map((t) => (t ?? "").replace(/ @.*/, ""));
}

describe("$GITHUB_ENV and $GITHUB_OUTPUT writes", () => {
  it("exports NAME=value lines to later steps' env", () => {
    expect(tagsAfter(['echo "IMAGE=ghcr.io/acme/app" >> "$GITHUB_ENV"'], "${{ env.IMAGE }}:latest")).toEqual(["ghcr.io/acme/app:latest"]);
  });

  it("sets step outputs, with script variables and GitHub expressions resolved", () => {
    const script = ['repo="ghcr.io/${{ github.repository_owner }}"', 'echo "image=${repo}/app:${GITHUB_SHA}" >> $GITHUB_OUTPUT'];
    expect(tagsAfter(script, "${{ steps.s.outputs.image }}")).toEqual(["ghcr.io/${{ github.repository_owner }}/app:${{ github.sha }}"]);
  });

  it("appends with NAME+=value, to the script's value or the step's environment", () => {
    expect(tagsAfter(['TAG=v1', 'TAG+="-${{ github.run_number }}"', 'echo "tag=$TAG" >> "$GITHUB_OUTPUT"'], "app:${{ steps.s.outputs.tag }}")).toEqual([
      "app:v1-${{ github.run_number }}",
    ]);
    expect(tagsAfter(['SUFFIX+=-slim', 'echo "tag=1.0$SUFFIX" >> "$GITHUB_OUTPUT"'], "app:${{ steps.s.outputs.tag }}")).toEqual(["app:1.0-slim"]);
  });

  it("reads NAME<<DELIM blocks written by a { …; } group, one value line per line", () => {
    const script = ["{", '  echo "tags<<EOF"', '  echo "ghcr.io/acme/app:1.0"', '  echo "ghcr.io/acme/app:latest"', '  echo "EOF"', '} >> "$GITHUB_OUTPUT"'];
    expect(tagsAfter(script, "${{ steps.s.outputs.tags }}")).toEqual(["ghcr.io/acme/app:1.0", "ghcr.io/acme/app:latest"]);
  });

  it("reads cat here-documents, printf and tee -a", () => {
    const script = [
      "cat <<EOF >> $GITHUB_OUTPUT",
      "a=ghcr.io/acme/a:1",
      "EOF",
      "printf 'b=%s\\n' ghcr.io/acme/b:2 >> \"$GITHUB_OUTPUT\"",
      'echo "c=ghcr.io/acme/c:3" | tee -a "$GITHUB_OUTPUT"',
    ];
    expect(tagsAfter(script, "${{ steps.s.outputs.a }},${{ steps.s.outputs.b }},${{ steps.s.outputs.c }}")).toEqual([
      "ghcr.io/acme/a:1",
      "ghcr.io/acme/b:2",
      "ghcr.io/acme/c:3",
    ]);
  });

  it("turns values written only under a condition or computed by the shell into holes named after them", () => {
    const script = [
      'if [ "$GITHUB_REF_NAME" = main ]; then echo "TAG=edge" >> "$GITHUB_ENV"; fi',
      'echo "version=$(git describe --tags)" >> "$GITHUB_OUTPUT"',
    ];
    expect(tagsAfter(script, "app:${{ env.TAG }},app:${{ steps.s.outputs.version }}")).toEqual(["app:${{ env.TAG }}", "app:${{ steps.s.outputs.version }}"]);
  });

  it("overrides the workflow env for later steps, and later run: scripts read the new value as $NAME", () => {
    const steps = [
      '      - run: echo "IMAGE=ghcr.io/acme/new" >> "$GITHUB_ENV"',
      "      - run: docker build -t $IMAGE:1 .",
      "",
    ].join("\n");
    const text = `env:\n  IMAGE: ghcr.io/acme/old\n${workflow(steps).text}`;
    const [b] = builds([{ path: ".github/workflows/ci.yml", text }]);
    expect(b.tags.map((t) => t?.replace(/ @.*/, ""))).toEqual(["ghcr.io/acme/new:1"]);
  });

  it("ignores writes whose variable name is not literal", () => {
    const script = ['echo "$NAME=x" >> "$GITHUB_ENV"', 'some-tool >> "$GITHUB_ENV"'];
    expect(tagsAfter(script, "app:${{ env.X }}")).toEqual(["app:${{ env.X }}"]);
  });
});
