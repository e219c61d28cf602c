/**
 * Child process of the benchmark: the app's photo processing (src/adapters/photo/process.ts) against the
 * least code that does the same job (a bare sharp square resize to a JPEG) on the same
 * 12-megapixel phone photo, in ABBA rounds; then the process's peak memory while four uploads are
 * processed at once, against four bare resizes at once. Prints one JSON line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { processPhoto } from '../src/adapters/photo/process.js';

const rounds = Number(process.env.BENCH_PHOTO_ROUNDS ?? 8);

const photo = await sharp({
  create: {
    width: 4000,
    height: 3000,
    channels: 3,
    background: '#808080',
    noise: { type: 'gaussian', mean: 128, sigma: 40 },
  },
})
  .jpeg({ quality: 85 })
  .withExif({ IFD0: { Make: 'PhoneCam' } })
  .withMetadata({ orientation: 6 })
  .toBuffer();

const bare = () =>
  sharp(photo).rotate().resize(1024, 1024, { fit: 'cover' }).jpeg({ quality: 86, mozjpeg: true }).toBuffer();
const app = async () => {
  const result = await processPhoto(photo);
  if (!result.ok) throw new Error(result.reason);
  return result.jpeg;
};

const time = async (work: () => Promise<Buffer>) => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

await app();
await bare();
const appMs: number[] = [];
const bareMs: number[] = [];
for (let round = 0; round < rounds; round++) {
  if (round % 2 === 0) {
    appMs.push(await time(app));
    bareMs.push(await time(bare));
  } else {
    bareMs.push(await time(bare));
    appMs.push(await time(app));
  }
}

// Peak resident memory (VmHWM), reset before each burst (Linux: 5 into clear_refs).
const peakMiB = async (work: () => Promise<unknown>) => {
  writeFileSync('/proc/self/clear_refs', '5');
  await work();
  const kb = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  return kb / 1024;
};
const rssMiB = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const idleMiB = rssMiB();
const barePeak = await peakMiB(() => Promise.all([bare(), bare(), bare(), bare()]));
const appPeak = await peakMiB(() => Promise.all([app(), app(), app(), app()]));

console.log(
  JSON.stringify({
    photoBytes: photo.length,
    appMs,
    bareMs,
    idleMiB,
    appPeakMiB: appPeak,
    barePeakMiB: barePeak,
  }),
);
