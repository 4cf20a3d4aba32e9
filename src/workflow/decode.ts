/** How a file's bytes were decoded: UTF-8 (with or without a byte order mark) or UTF-16. */
export type TextEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be";

/**
 * Decodes a repository file as GitHub reads YAML: UTF-8, UTF-8 with a byte order mark, or UTF-16 (by its
 * byte order mark, or by the zero byte an ASCII first character has, as the YAML spec detects it).
 * Undefined for bytes that are not valid text in that encoding (binary files, UTF-32).
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } | undefined {
  const [b0, b1, b2, b3] = bytes;
  let encoding: TextEncoding = "utf-8";
  let offset = 0;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) [encoding, offset] = ["utf-8-bom", 3];
  else if (b0 === 0xff && b1 === 0xfe) {
    if (b2 === 0 && b3 === 0) return undefined;
    [encoding, offset] = ["utf-16le", 2];
  } else if (b0 === 0xfe && b1 === 0xff) [encoding, offset] = ["utf-16be", 2];
  else if (bytes.length >= 2 && b0 === 0 && b1 !== 0) encoding = "utf-16be";
  else if (bytes.length >= 2 && b0 !== 0 && b1 === 0 && !(b2 === 0 && b3 === 0)) encoding = "utf-16le";
  const label = encoding === "utf-8-bom" ? "utf-8" : encoding;
  try {
    return { text: new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(offset)), encoding };
  } catch {
    return undefined;
  }
}
