import type { Type } from 'avsc';

// CRC-64-AVRO (Rabin), as defined in the Avro specification ("Schema Fingerprints").
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) {
    fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  }
  return fp;
});

/** The schema's Parsing Canonical Form: what two schemas must share to read the same bytes. */
export function canonicalForm(type: Type): string {
  // avsc's schema() with no options is the canonical form (full names, no doc, no defaults, spec key order).
  return JSON.stringify(type.schema());
}

/**
 * The 64-bit Rabin fingerprint (CRC-64-AVRO) of a canonical form, as the 8 little-endian bytes
 * that follow the magic in Avro single-object encoding.
 */
export function rabinFingerprint(canonical: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonical, 'utf8')) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

/** The fingerprint of a parsed schema (see rabinFingerprint). */
export function schemaFingerprint(type: Type): Buffer {
  return rabinFingerprint(canonicalForm(type));
}
