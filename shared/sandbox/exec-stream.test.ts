import { describe, expect, it } from 'vitest';
import { DockerDemuxer, type StreamKind } from './exec-stream.js';

const frame = (kind: 1 | 2, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('DockerDemuxer', () => {
  it('keeps the order of stdout and stderr frames, however the bytes are split', async () => {
    const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2 \u{1F600}\n'), frame(2, '')]);
    for (const size of [1, 3, 8, 9, bytes.length]) {
      const seen: Array<[StreamKind, string]> = [];
      const demuxer = new DockerDemuxer((kind, data) => seen.push([kind, data.toString()]));
      for (let offset = 0; offset < bytes.length; offset += size) demuxer.write(bytes.subarray(offset, offset + size));
      await new Promise((resolve) => demuxer.end(resolve));
      expect(seen, `split every ${size} bytes`).toEqual([
        ['stdout', 'out 1\n'],
        ['stderr', 'err 1\n'],
        ['stdout', 'out 2 \u{1F600}\n'],
      ]);
    }
  });
});
