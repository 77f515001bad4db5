import { Writable } from 'node:stream';

export type StreamKind = 'stdout' | 'stderr';

/**
 * Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, big-endian size)
 * into stdout and stderr chunks, in the order Docker sent them.
 */
export class DockerDemuxer extends Writable {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onChunk: (kind: StreamKind, data: Buffer) => void) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 8) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + size) break;
      const kind = this.buffer[0] === 2 ? 'stderr' : 'stdout';
      const payload = this.buffer.subarray(8, 8 + size);
      this.buffer = this.buffer.subarray(8 + size);
      if (payload.length) this.onChunk(kind, payload);
    }
    done();
  }
}
