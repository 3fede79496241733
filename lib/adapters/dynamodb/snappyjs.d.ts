/** snappyjs ships no types; the one function the LevelDB check uses. */
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
