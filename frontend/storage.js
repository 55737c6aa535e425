// Readers' edits kept in this browser (localStorage), nothing on any server.
//
// Key: "livegallery:edits:v1:<page path>:<hash of the cells' original sources>".
// The hash makes a rebuilt example with changed code start clean: edits of an
// older version sit under another key and are never applied (they are removed
// when the page loads). Value: JSON {"v": 1, "cells": {"<index>": "<code>"}},
// only the cells whose code differs from the original.
//
// Storage can be missing or refuse: reading window.localStorage throws a
// SecurityError when the reader disabled site data, setItem throws a
// QuotaExceededError when it is full. Neither may break the page: every method
// returns a result instead of throwing.

export const KEY_PREFIX = 'livegallery:edits:v1:';

/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of the sources (with their count and
 * lengths, so ["ab", "c"] and ["a", "bc"] differ). Synchronous, unlike
 * crypto.subtle (which pages served over plain http do not even have).
 */
export function sourceHash(sources) {
  const bytes = new TextEncoder().encode(JSON.stringify(sources.map(String)));
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export function storageKey(pathname, hash) {
  return `${KEY_PREFIX}${pathname}:${hash}`;
}

/** {index: code} of the cells whose code differs from its original. */
export function editedCells(codes, originals) {
  const edits = {};
  codes.forEach((code, i) => { if (code !== originals[i]) edits[i] = code; });
  return edits;
}

/** The edits of a stored value that fit n cells; {} for anything unreadable. */
export function parseStored(text, n) {
  let raw;
  try { raw = JSON.parse(text); } catch { return {}; }
  return validEdits(raw && raw.v === 1 ? raw.cells : null, n);
}

/** Only string codes at integer indices below n survive. */
export function validEdits(cells, n) {
  const edits = {};
  if (!cells || typeof cells !== 'object') return edits;
  for (const [k, code] of Object.entries(cells)) {
    const i = Number(k);
    if (Number.isInteger(i) && i >= 0 && i < n && typeof code === 'string') edits[i] = code;
  }
  return edits;
}

/** The window's localStorage, or null when it is missing or access throws. */
export function browserStorage(win) {
  try {
    const storage = win.localStorage;
    return storage || null;
  } catch {
    return null; // SecurityError: site data disabled
  }
}

export class EditStore {
  /**
   * @param {Storage|null} storage   localStorage (or a stand-in), null when unavailable
   * @param {string} pathname        the page's path
   * @param {string[]} originals     the cells' original sources
   */
  constructor(storage, pathname, originals) {
    this.storage = storage;
    this.pathname = pathname;
    this.n = originals.length;
    this.key = storageKey(pathname, sourceHash(originals));
  }

  get available() { return Boolean(this.storage); }

  /** The stored edits of this version of this page ({} if none). */
  load() {
    if (!this.storage) return {};
    try {
      const text = this.storage.getItem(this.key);
      return text ? parseStored(text, this.n) : {};
    } catch {
      return {};
    }
  }

  /**
   * Store the edits (an empty set removes the entry). Returns 'saved',
   * 'cleared', 'full' (quota) or 'unavailable'.
   */
  save(edits) {
    if (!this.storage) return 'unavailable';
    if (!Object.keys(edits).length) return this.clear() ? 'cleared' : 'unavailable';
    try {
      this.storage.setItem(this.key, JSON.stringify({ v: 1, cells: edits }));
      return 'saved';
    } catch (err) {
      return isQuotaError(err) ? 'full' : 'unavailable';
    }
  }

  clear() {
    if (!this.storage) return false;
    try {
      this.storage.removeItem(this.key);
      return true;
    } catch {
      return false;
    }
  }

  /** Remove this page's entries of other versions of the example; returns how many. */
  dropStale() {
    if (!this.storage) return 0;
    const prefix = `${KEY_PREFIX}${this.pathname}:`;
    try {
      const stale = [];
      for (let i = 0; i < this.storage.length; i += 1) {
        const key = this.storage.key(i);
        // The hash has no ":", so a deeper page path never matches this prefix.
        if (key && key.startsWith(prefix) && key !== this.key && !key.slice(prefix.length).includes(':')) {
          stale.push(key);
        }
      }
      stale.forEach((key) => this.storage.removeItem(key));
      return stale.length;
    } catch {
      return 0;
    }
  }
}

function isQuotaError(err) {
  return Boolean(err) && (err.name === 'QuotaExceededError' || err.code === 22
    || err.name === 'NS_ERROR_DOM_QUOTA_REACHED');
}
