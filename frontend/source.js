// Cell sources travel in the page as base64 of UTF-8 bytes (so any code survives
// HTML attribute escaping); atob alone would give Latin-1 mojibake for non-ASCII.

/** Decode base64 of UTF-8 bytes into a string. Whitespace in the input is ignored. */
export function decodeBase64Utf8(b64) {
  const binary = atob(String(b64 || '').replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder('utf-8').decode(bytes);
}
