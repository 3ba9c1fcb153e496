/**
 * Streams a download from an open reporting transaction to the HTTP response, with backpressure,
 * and settles the transaction exactly once:
 *
 *   - the first chunk is awaited before any header is sent, so a failure that happens at once
 *     (a missing grant, a broken view) is still an ordinary JSON error response;
 *   - after the last chunk the transaction COMMITs and the connection returns to the pool, then
 *     the response ends;
 *   - the client going away aborts the transaction (the connection is dropped, Postgres rolls
 *     back and stops the query);
 *   - an error mid-stream aborts the transaction and destroys the response, so the client sees a
 *     truncated transfer rather than a complete-looking file missing rows.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReportingTransaction } from './reporting-session';

export async function sendStream(
  req: FastifyRequest,
  reply: FastifyReply,
  tx: ReportingTransaction,
  headers: Record<string, string>,
  source: AsyncIterable<Uint8Array | string>,
): Promise<void> {
  const res = reply.raw;
  // Watch for the client leaving from the start: a hang-up while the first rows are still being
  // computed must end the query too, and a 'close' that already happened will not fire again.
  let clientGone = res.destroyed;
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true;
      tx.abort(new Error('client closed the connection'));
    }
  };
  res.on('close', onClose);
  if (clientGone) tx.abort(new Error('client closed the connection'));

  const it = source[Symbol.asyncIterator]();
  try {
    let next: IteratorResult<Uint8Array | string>;
    // Nobody left to answer: take the reply away from fastify so it does not wait for a send.
    const gone = async () => {
      reply.hijack();
      await it.return?.().catch(() => undefined);
    };
    try {
      if (clientGone) return await gone();
      next = await it.next();
    } catch (err) {
      tx.abort(err as Error);
      if (clientGone) return await gone();
      throw err; // → the server's error handler: small JSON, no SQL
    }
    if (clientGone) return await gone();

    reply.hijack();
    res.writeHead(200, headers);
    try {
      while (!next.done && !clientGone) {
        if (!res.write(next.value)) await drainedOrClosed(res);
        if (clientGone) break;
        next = await it.next();
      }
      if (clientGone) {
        await it.return?.().catch(() => undefined);
        return;
      }
      await tx.commit();
      res.end();
    } catch (err) {
      tx.abort(err as Error);
      if (!clientGone) req.log.error({ err }, 'download failed mid-stream');
      res.destroy();
      await it.return?.().catch(() => undefined);
    }
  } finally {
    res.off('close', onClose);
  }
}

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
