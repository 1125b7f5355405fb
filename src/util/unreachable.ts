/** Closes every switch over a union: a new member becomes a compile error here. */
export function unreachable(value: never): never {
  throw new Error(`Internal error: unexpected value ${JSON.stringify(value)}`);
}
