// Edits carried in a link: the URL fragment "#livegallery=<payload>", where the
// payload is base64url of the deflate-raw compressed JSON
// {"v": 1, "h": "<source hash>", "cells": {"<index>": "<code>"}}.
// A fragment is never sent to any server, so neither are the edits.
//
// Pure (no DOM): CompressionStream and TextEncoder exist in browsers and Node.

import { validEdits } from './storage.js';

export const FRAGMENT_KEY = 'livegallery';
/**
 * The longest link we hand out. Browsers take far longer URLs, but chat tools,
 * mail clients and some servers' logs cut or refuse links past about 8 KB
 * (RFC 9110 recommends supporting at least 8,000 octets), so past this bound
 * the reader is told to use Download instead of getting a link that breaks.
 */
export const MAX_LINK_LENGTH = 8000;
/** Decompressed size a link may claim; as the backend's request body limit. */
export const MAX_DECODED_BYTES = 512 * 1024;

export class LinkError extends Error {}

export function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new LinkError('not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  let binary;
  try {
    binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    throw new LinkError('not base64url');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, transform, limit = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new LinkError('too large once decompressed');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** The fragment payload for the edits ({index: code}) of the example with this source hash. */
export async function encodeEdits(edits, hash) {
  const json = JSON.stringify({ v: 1, h: hash, cells: edits });
  const packed = await pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw'));
  return toBase64Url(packed);
}

/**
 * {edits, hash} from a payload, for an example of n cells; throws LinkError
 * on anything malformed (bad base64, bad deflate data, bad JSON, wrong shape).
 */
export async function decodeEdits(payload, n) {
  const packed = fromBase64Url(payload);
  let bytes;
  try {
    bytes = await pipe(packed, new DecompressionStream('deflate-raw'), MAX_DECODED_BYTES);
  } catch (err) {
    if (err instanceof LinkError) throw err;
    throw new LinkError('not deflate data');
  }
  let raw;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new LinkError('not JSON');
  }
  if (!raw || raw.v !== 1 || !raw.cells || typeof raw.cells !== 'object') throw new LinkError('wrong shape');
  return { edits: validEdits(raw.cells, n), hash: typeof raw.h === 'string' ? raw.h : '' };
}

/** The payload in a location hash ("#livegallery=..."), or null when it holds none. */
export function payloadOf(hash) {
  const text = String(hash || '').replace(/^#/, '');
  const prefix = `${FRAGMENT_KEY}=`;
  return text.startsWith(prefix) ? text.slice(prefix.length) : null;
}

/** The link to the page at `href` (its fragment replaced) carrying the payload. */
export function linkFor(href, payload) {
  const url = new URL(href);
  url.hash = payload ? `${FRAGMENT_KEY}=${payload}` : '';
  return url.href;
}

/**
 * The link for these edits: {link} or {tooLong: length}. With no edits the
 * link is the page itself.
 */
export async function shareLink(href, edits, hash, limit = MAX_LINK_LENGTH) {
  const payload = Object.keys(edits).length ? await encodeEdits(edits, hash) : '';
  const link = linkFor(href, payload);
  return link.length > limit ? { tooLong: link.length, limit } : { link };
}
