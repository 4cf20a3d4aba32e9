import { describe, expect, it } from "@jest/globals";
import { decodeText } from "../../src/workflow/decode.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("decodeText", () => {
  it("reads UTF-8, with and without a byte order mark", () => {
    expect(decodeText(Buffer.from("on: push\n"))).toEqual({ text: "on: push\n", encoding: "utf-8" });
    expect(decodeText(bytes(0xef, 0xbb, 0xbf, 0x6f, 0x6e))).toEqual({ text: "on", encoding: "utf-8-bom" });
  });

  it("reads UTF-16 by its byte order mark or by the zero byte of an ASCII first character", () => {
    expect(decodeText(bytes(0xff, 0xfe, 0x6f, 0, 0x6e, 0))).toEqual({ text: "on", encoding: "utf-16le" });
    expect(decodeText(bytes(0xfe, 0xff, 0, 0x6f, 0, 0x6e))).toEqual({ text: "on", encoding: "utf-16be" });
    expect(decodeText(bytes(0x6f, 0, 0x6e, 0))).toEqual({ text: "on", encoding: "utf-16le" });
    expect(decodeText(bytes(0, 0x6f, 0, 0x6e))).toEqual({ text: "on", encoding: "utf-16be" });
  });

  it("refuses what is not text in those encodings", () => {
    expect(decodeText(bytes(0x63, 0x61, 0x66, 0xe9))).toBeUndefined();
    expect(decodeText(bytes(0xff, 0xfe, 0, 0, 0x6f, 0, 0, 0))).toBeUndefined();
    expect(decodeText(bytes(0xff, 0xfe, 0x00, 0xd8))).toBeUndefined();
  });
});
