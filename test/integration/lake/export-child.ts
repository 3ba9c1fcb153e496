/**
 * Run by failures.test.ts in a process of its own: exports one table and, as soon as the first object
 * is uploaded, says so on stdout and hangs — so the test can SIGKILL it in the middle of an export
 * (after an upload, before the checkpoint), exactly like a worker dying.
 */
import { loadConfig } from '../../../lib/config';
import { createPool } from '../../../lib/db';
import type { LakeTable } from '../../../lib/etl-types';
import { exportTableToStore } from '../../../lib/lake/export';
import { createLakeStore, type LakeStore } from '../../../lib/lake/store';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const pool = createPool(config.dbUrl);
  const real = createLakeStore(config.lake);
  const store: LakeStore = {
    kind: real.kind,
    uri: (k) => real.uri(k),
    list: (p) => real.list(p),
    delete: (keys) => real.delete(keys),
    getToFile: (k, p, s) => real.getToFile(k, p, s),
    async putFile(key, localPath, signal) {
      await real.putFile(key, localPath, signal);
      process.stdout.write(`UPLOADED ${key}\n`);
      await new Promise(() => undefined); // wait here to be killed
    },
  };
  await exportTableToStore(
    { pool, store, prefix: config.lake.prefix, pii: { redact: config.etl.piiRedact, tokenKey: config.etl.piiTokenKey } },
    { tenantId: process.env.CHILD_TENANT!, table: process.env.CHILD_TABLE as LakeTable },
  );
  process.stdout.write('FINISHED\n');
  await pool.end();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
