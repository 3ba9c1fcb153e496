'use strict';
/**
 * Worker thread that turns Arrow IPC batches into Parquet files with parquet-wasm (see
 * parquet-writer.ts for the protocol and why).
 *
 * Plain JavaScript on purpose: Node loads it directly with `new Worker(file)`, whether the parent runs
 * under tsx, vitest or compiled code, and it needs nothing but parquet-wasm and fs.
 *
 * Messages in:  {type:'open', path, metadata, rowGroupRows, noDictionary}
 *               {type:'batch', rows, ipc}   (ipc: a transferred Uint8Array)
 *               {type:'close'} | {type:'abort'}
 * Messages out: {type:'ack'} when a batch has been taken by the writer
 *               {type:'closed', bytes, rowsSent} | {type:'aborted'} | {type:'error', message}
 */
const { parentPort } = require('node:worker_threads');
const { createWriteStream } = require('node:fs');
const { once } = require('node:events');
const { ReadableStream } = require('node:stream/web');
const pq = require('parquet-wasm/node');

let current = null;

function openFile(msg) {
  const state = { rowsSent: 0, demand: null, demandWaiter: null, failed: null, chain: Promise.resolve() };
  const input = new ReadableStream(
    {
      pull: (controller) =>
        new Promise((resolve) => {
          const d = { controller, resolve };
          if (state.demandWaiter) {
            const w = state.demandWaiter;
            state.demandWaiter = null;
            w(d);
          } else state.demand = d;
        }),
    },
    { highWaterMark: 0 },
  );
  state.nextDemand = () => {
    if (state.failed) return Promise.reject(state.failed);
    if (state.demand) {
      const d = state.demand;
      state.demand = null;
      return Promise.resolve(d);
    }
    return new Promise((resolve, reject) => {
      state.demandWaiter = resolve;
      state.rejectWaiter = reject;
    });
  };
  state.done = (async () => {
    let builder = new pq.WriterPropertiesBuilder()
      .setCompression(pq.Compression.ZSTD)
      .setDictionaryEnabled(true)
      .setStatisticsEnabled(pq.EnabledStatistics.Page)
      .setMaxRowGroupSize(msg.rowGroupRows)
      .setCreatedBy('loanserve-lakehouse (parquet-wasm 0.8)')
      .setKeyValueMetadata(new Map(Object.entries(msg.metadata)));
    for (const col of msg.noDictionary || []) builder = builder.setColumnDictionaryEnabled(col, false);
    const output = await pq.transformParquetStream(input, builder.build());
    const file = createWriteStream(msg.path);
    let bytes = 0;
    try {
      const reader = output.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (!file.write(value)) await once(file, 'drain');
      }
    } finally {
      file.end();
      await once(file, 'close');
    }
    return bytes;
  })();
  state.done.catch((err) => {
    state.failed = err instanceof Error ? err : new Error(String(err));
    if (state.rejectWaiter) state.rejectWaiter(state.failed);
  });
  return state;
}

async function writeBatch(state, msg) {
  const table = pq.Table.fromIPCStream(msg.ipc);
  try {
    for (const b of table.recordBatches()) {
      const d = await state.nextDemand();
      d.controller.enqueue(b);
      d.resolve();
    }
  } finally {
    table.free();
  }
  state.rowsSent += msg.rows;
}

async function closeFile(state) {
  const d = await state.nextDemand();
  d.controller.close();
  d.resolve();
  return state.done;
}

function fail(err) {
  parentPort.postMessage({ type: 'error', message: err && err.message ? err.message : String(err) });
}

// Messages are handled strictly in order: each waits for the previous one's promise.
let queue = Promise.resolve();
parentPort.on('message', (msg) => {
  queue = queue.then(async () => {
    try {
      if (msg.type === 'open') {
        current = openFile(msg);
      } else if (msg.type === 'batch') {
        if (!current) throw new Error('batch before open');
        await writeBatch(current, msg);
        parentPort.postMessage({ type: 'ack' });
      } else if (msg.type === 'close') {
        if (!current) throw new Error('close before open');
        const bytes = await closeFile(current);
        parentPort.postMessage({ type: 'closed', bytes, rowsSent: current.rowsSent, wasmBytes: pq.wasmMemory().buffer.byteLength });
        current = null;
      } else if (msg.type === 'abort') {
        if (current) {
          const state = current;
          current = null;
          const d = await state.nextDemand().catch(() => null);
          if (d) {
            d.controller.error(new Error('aborted'));
            d.resolve();
          }
          await state.done.catch(() => undefined);
        }
        parentPort.postMessage({ type: 'aborted' });
      }
    } catch (err) {
      current = null;
      fail(err);
    }
  });
});
