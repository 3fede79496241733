/**
 * One whole-buffer codec (zstd, in lib/adapters/zstd): the repository's blob format cuts a blob into chunks
 * of bounded size and calls it once per chunk, so memory stays bounded whatever the blob's size.
 */
export interface Compressor {
  /** Compresses one chunk into one self-contained frame. */
  compress(chunk: Uint8Array): Promise<Uint8Array>;
  /**
   * Decompresses one frame that should hold exactly `size` bytes. Throws IntegrityError when it is not a
   * frame of this codec or holds another size; never produces much more than `size` bytes in memory.
   */
  decompress(frame: Uint8Array, size: number): Promise<Uint8Array>;
}
