import { describe, expect, it } from "@jest/globals";
import { decodeBase64Text } from "../../src/app/github/repo-files.js";
import { describeError } from "../../src/app/runtime/keyed.js";

describe("describeError", () => {
  it("keeps status, method and URL of a request error but never its headers", () => {
    const err = Object.assign(new Error("Bad credentials"), {
      name: "HttpError",
      status: 401,
      request: { method: "GET", url: "https://api.github.com/app", headers: { authorization: "token ghs_secret" } },
    });
    const described = describeError(err);
    expect(described).toMatchObject({ type: "HttpError", message: "Bad credentials", status: 401, method: "GET", url: "https://api.github.com/app" });
    expect(JSON.stringify(described)).not.toContain("ghs_secret");
  });

  it("describes thrown non-errors", () => {
    expect(describeError("plain")).toEqual({ message: "plain" });
  });
});

describe("decodeBase64Text", () => {
  it("decodes GitHub's line-wrapped base64 as UTF-8 and drops a BOM", () => {
    const text = "name: ci # ✓ ünïcode\n".repeat(10);
    const wrapped = (Buffer.from(`\uFEFF${text}`).toString("base64").match(/.{1,60}/g) ?? []).join("\n");
    expect(decodeBase64Text(wrapped)).toBe(text);
  });

  it("rejects content that is not UTF-8", () => {
    expect(decodeBase64Text(Buffer.from([0xff, 0xfe, 0x00, 0xd8]).toString("base64"))).toBeUndefined();
  });
});
