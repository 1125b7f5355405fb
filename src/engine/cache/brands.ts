/** Branded strings: a key or digest cannot be passed where a path is expected. */

/** SHA-256 (hex) of an instance's canonical key material. Minted only by fingerprint.ts. */
export type StageKey = string & { readonly __brand: 'StageKey' };

/** SHA-256 (hex) of one file's content. Minted only by digests.ts. */
export type FileDigest = string & { readonly __brand: 'FileDigest' };
