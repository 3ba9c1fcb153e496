/**
 * Arrow record batches → Parquet files on local disk, encoded by parquet-wasm in a worker thread.
 *
 * Why a worker thread: on this path the single-threaded Wasm encoder is the bottleneck (≈60% of the
 * CPU time measured here for 1M fact_txn rows); in a worker it runs beside the COPY decoder instead of
 * after it. And Wasm memory only grows: a worker per export gives it back when the export ends,
 * instead of the long-running Temporal worker keeping its peak forever.
 *
 * Batches cross as Arrow IPC bytes (transferred, not copied) and feed parquet-wasm's stream writer
 * (`transformParquetStream`) through a pull-based stream; at most MAX_IN_FLIGHT batches wait, so
 * memory follows the row-group size (the writer buffers one whole group: ~130k rows ≈ 40 MB).
 *
 * The stream writer swallows errors (a batch of another schema is dropped, a failing source still
 * closes a valid file with the earlier rows): callers must compare the file's footer row count with
 * the rows they sent (verifyParquetFile) before trusting it.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Table as ArrowTable, tableToIPC, type RecordBatch as ArrowRecordBatch } from 'apache-arrow';

export interface ParquetFileOptions {
  path: string;
  /** Written into the file footer (key-value metadata). */
  metadata: Record<string, string>;
  /** Maximum rows per row group: the memory bound and the unit of scan pruning. */
  rowGroupRows: number;
  /** Columns whose values are (nearly) all distinct: a dictionary only costs time before it falls back. */
  noDictionary?: string[];
}

export interface EncodedBatch {
  rows: number;
  ipc: Uint8Array;
}

/** Serialises a batch to Arrow IPC now, while its buffers are valid (the decoder reuses them). */
export function encodeBatch(batch: ArrowRecordBatch): EncodedBatch {
  return { rows: batch.numRows, ipc: tableToIPC(new ArrowTable([batch]), 'stream') };
}

const MAX_IN_FLIGHT = 2;
const WORKER_FILE = path.join(__dirname, 'parquet-worker.js');

type WorkerMessage = { type: 'ack' } | { type: 'closed'; bytes: number; rowsSent: number; wasmBytes: number } | { type: 'aborted' } | { type: 'error'; message: string };

export class ParquetWriterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetWriterError';
  }
}

/** One worker thread writing one Parquet file at a time; `terminate()` when the export is done. */
export class ParquetEncoder {
  private readonly worker: Worker;
  private inFlight = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private pending: { resolve: (m: WorkerMessage) => void; reject: (e: Error) => void } | null = null;
  private fileOpen = false;
  private aborted = false;
  /** Wasm memory after the last file: it never shrinks, so a big one is a reason not to keep this worker. */
  wasmBytes = 0;

  constructor() {
    this.worker = new Worker(WORKER_FILE);
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new ParquetWriterError(`parquet worker exited (code ${code})`)));
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'ack') {
      this.inFlight--;
      const w = this.wake;
      this.wake = null;
      w?.();
    } else if (m.type === 'error') {
      this.fail(new ParquetWriterError(`parquet writer failed: ${m.message}`));
    } else {
      const p = this.pending;
      this.pending = null;
      p?.resolve(m);
    }
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    const w = this.wake;
    this.wake = null;
    w?.();
    const p = this.pending;
    this.pending = null;
    p?.reject(this.failure);
  }

  private request(msg: object): Promise<WorkerMessage> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<WorkerMessage>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }

  open(options: ParquetFileOptions): void {
    if (this.failure) throw this.failure;
    if (this.fileOpen) throw new ParquetWriterError('a parquet file is already open');
    this.fileOpen = true;
    this.worker.postMessage({ type: 'open', ...options });
  }

  /** Hands one batch to the worker; resolves once fewer than MAX_IN_FLIGHT batches wait (backpressure). */
  async write(batch: EncodedBatch): Promise<void> {
    if (batch.rows === 0) return;
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failure) await new Promise<void>((r) => (this.wake = r));
    if (this.failure) throw this.failure;
    let ipc = batch.ipc;
    // Transfer moves the whole ArrayBuffer: copy first if the bytes are a view into a larger one.
    if (ipc.byteOffset !== 0 || ipc.byteLength !== ipc.buffer.byteLength) ipc = ipc.slice();
    this.inFlight++;
    this.worker.postMessage({ type: 'batch', rows: batch.rows, ipc }, [ipc.buffer as ArrayBuffer]);
  }

  /** Ends the current file; resolves with its size and the rows the writer received. */
  async close(): Promise<{ bytes: number; rowsSent: number; wasmBytes: number }> {
    const m = await this.request({ type: 'close' });
    this.fileOpen = false;
    if (m.type !== 'closed') throw new ParquetWriterError(`unexpected reply from parquet worker: ${m.type}`);
    this.wasmBytes = m.wasmBytes;
    return { bytes: m.bytes, rowsSent: m.rowsSent, wasmBytes: m.wasmBytes };
  }

  /** Abandons the current file (the partial file on disk is the caller's to delete). */
  async abort(): Promise<void> {
    this.aborted = true;
    if (!this.fileOpen || this.failure) return;
    this.fileOpen = false;
    await this.request({ type: 'abort' }).catch(() => undefined);
  }

  /** Healthy, idle and not bloated: fit to write the next export's files. */
  get reusable(): boolean {
    return !this.failure && !this.fileOpen && !this.aborted && this.inFlight === 0;
  }

  /** An idle worker must not keep a CLI or test process alive. */
  unref(): void {
    this.worker.unref();
  }

  ref(): void {
    this.worker.ref();
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.failure ??= new ParquetWriterError('parquet worker terminated');
    await this.worker.terminate();
  }
}

/**
 * A fresh worker compiles the 4 MB parquet-wasm module again (~0.3 s of CPU measured here), which
 * dominates the many small exports of a nightly run; so one idle worker is kept for the next export.
 * It is dropped when its Wasm memory grew large (it never shrinks), after a minute unused, or after
 * any failure.
 */
const IDLE_MAX = 1;
const RECYCLE_WASM_BYTES = 40 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 60_000;
const idle: Array<{ encoder: ParquetEncoder; timer: NodeJS.Timeout }> = [];

export function acquireEncoder(): ParquetEncoder {
  const kept = idle.pop();
  if (!kept) return new ParquetEncoder();
  clearTimeout(kept.timer);
  kept.encoder.ref();
  return kept.encoder;
}

export async function releaseEncoder(encoder: ParquetEncoder): Promise<void> {
  if (!encoder.reusable || encoder.wasmBytes > RECYCLE_WASM_BYTES || idle.length >= IDLE_MAX) {
    await encoder.terminate();
    return;
  }
  encoder.unref();
  const entry = {
    encoder,
    timer: setTimeout(() => {
      const i = idle.indexOf(entry);
      if (i >= 0) idle.splice(i, 1);
      void encoder.terminate();
    }, IDLE_TIMEOUT_MS),
  };
  entry.timer.unref();
  idle.push(entry);
}
