// OCR with tesseract.js, fully offline: the English model comes from @tesseract.js-data/eng's
// 4.0.0_best_int folder (LSTM only, gzip as shipped) — without langPath tesseract.js would fetch
// from a CDN. One worker, created lazily on first use, reused for every image; calls are
// serialised through a promise chain (one tesseract worker runs one job at a time anyway, and a
// queue keeps a burst of scanned pages from piling up memory). closeParsers() terminates it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { ParseError } from './types.js';

const require = createRequire(import.meta.url);

/** The local model folder; resolved from the data package, never a URL. */
export function ocrLangPath(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng')), '4.0.0_best_int');
}

let workerPromise: Promise<Worker> | null = null;
let queue: Promise<unknown> = Promise.resolve();

function getWorker(): Promise<Worker> {
  if (!workerPromise) {
    workerPromise = createWorker('eng', OEM.LSTM_ONLY, {
      langPath: ocrLangPath(),
      gzip: true,
      // Nothing written next to the process (tesseract.js would cache the model in the cwd).
      cacheMethod: 'none',
      // Without a handler tesseract.js rethrows a failed job from its message listener, where nothing
      // can catch it (an uncaught exception takes the process down); the job's promise rejects anyway.
      errorHandler: () => undefined,
    }).catch((err: unknown) => {
      workerPromise = null;
      throw err;
    });
  }
  return workerPromise;
}

/** OCR one image (PNG/JPEG bytes) → its text. Serialised; a stop (timeout/abort) terminates the worker so the next call starts clean. */
export function ocrImage(image: Uint8Array, signal?: AbortSignal): Promise<string> {
  const run = async (): Promise<string> => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new ParseError('PARSE_TIMEOUT', 'The OCR was stopped.');
    const worker = await getWorker();
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => {
        // tesseract cannot cancel a job: drop the worker (a fresh one is made on the next call).
        const w = workerPromise;
        workerPromise = null;
        void w?.then((x) => x.terminate()).catch(() => undefined);
        reject(signal?.reason instanceof Error ? signal.reason : new ParseError('PARSE_TIMEOUT', 'The OCR was stopped.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([worker.recognize(Buffer.from(image.buffer, image.byteOffset, image.byteLength)), stopped]);
      return result.data.text;
    } catch (err) {
      if (err instanceof ParseError) throw err;
      // tesseract.js rejects with a bare string ("Error: Error attempting to read image."): not for a person.
      throw new ParseError('CORRUPT', 'This image could not be read: it looks damaged or truncated.', { cause: err });
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  };
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

export async function closeOcr(): Promise<void> {
  const w = workerPromise;
  workerPromise = null;
  await queue.catch(() => undefined);
  if (w) await w.then((x) => x.terminate()).catch(() => undefined);
}
