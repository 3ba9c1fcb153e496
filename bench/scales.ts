/**
 * Sizes per scale.
 *
 * The main data set: the generator's tenants (case 5), of which the first two are then grown by the
 * set-based multiply — tenant A to `lakeRows` (the lake's larger export, and most of the history
 * case 2 runs against) and tenant B to `bigRows` (the full load of case 1, the lake's smaller export
 * and the API download). The other tenants keep what the generator made.
 *
 * - `small`:   the same shape at a size that runs in under 3 minutes (development, CI).
 * - `default`: issue 10's sizes wherever they fit the 10-minute budget on this 2-core machine. The
 *              full load (case 1) is measured on 1M rows, three contenders × 3 repetitions: at
 *              ~12 µs a row for the loader and the hand-written insert alike, 5M rows would take
 *              ~7 minutes on its own.
 * - `full`:    case 1 on the 5M-row tenant (the issue's figure); ~15–20 minutes.
 * The generator's nominal 10 × 10,000 × 3-year set (≈ 35M rows, most of them amortisation schedule)
 * takes tens of minutes at its measured rate; every scale measures fewer loans per tenant and reports
 * the rate, which is linear in loans.
 */

export type ScaleName = 'small' | 'default' | 'full';

export interface Scale {
  name: ScaleName;
  generator: { tenants: number; loans: number; days: number };
  generatorNominal: { tenants: number; loans: number; days: number };
  /** Tenant A's svc_txns (and, loaded, fact_txn) rows. */
  lakeRows: number;
  /** Tenant B's rows. */
  bigRows: number;
  /** Which tenant case 1 loads in full. */
  loaderTenant: 'A' | 'B';
  loaderReps: number;
  incremental: { tenants: number; deltaPerTenant: number; reps: number };
  /** The small-history database for case 2 and case 3's tenants: generated, then grown to `txns` svc_txns. */
  smallHistory: { tenants: number; loans: number; days: number; txns: number };
  /** fallbackTenants: measured instead when the run fails at `tenants` on a product limit (reported). */
  hourly: { tenants: number; fallbackTenants: number; deltaPerTenant: number; reps: number; concurrency: number };
  lakeReps: number;
  apiReps: number;
}

const NOMINAL = { tenants: 10, loans: 10_000, days: 1095 } as const;

export const SCALES: Record<ScaleName, Scale> = {
  small: {
    name: 'small',
    generator: { tenants: 10, loans: 60, days: 1095 },
    generatorNominal: NOMINAL,
    lakeRows: 200_000,
    bigRows: 100_000,
    loaderTenant: 'B',
    loaderReps: 3,
    incremental: { tenants: 5, deltaPerTenant: 1000, reps: 3 },
    smallHistory: { tenants: 20, loans: 3, days: 1095, txns: 50_000 },
    hourly: { tenants: 20, fallbackTenants: 20, deltaPerTenant: 20, reps: 2, concurrency: 4 },
    lakeReps: 2,
    apiReps: 2,
  },
  default: {
    name: 'default',
    generator: { tenants: 10, loans: 200, days: 1095 },
    generatorNominal: NOMINAL,
    lakeRows: 5_000_000,
    bigRows: 1_000_000,
    loaderTenant: 'B',
    loaderReps: 3,
    incremental: { tenants: 10, deltaPerTenant: 1000, reps: 3 },
    smallHistory: { tenants: 100, loans: 3, days: 1095, txns: 50_000 },
    hourly: { tenants: 100, fallbackTenants: 50, deltaPerTenant: 20, reps: 2, concurrency: 4 },
    lakeReps: 2,
    apiReps: 2,
  },
  full: {
    name: 'full',
    generator: { tenants: 10, loans: 200, days: 1095 },
    generatorNominal: NOMINAL,
    lakeRows: 5_000_000,
    bigRows: 1_000_000,
    loaderTenant: 'A',
    loaderReps: 3,
    incremental: { tenants: 10, deltaPerTenant: 1000, reps: 3 },
    smallHistory: { tenants: 100, loans: 3, days: 1095, txns: 50_000 },
    hourly: { tenants: 100, fallbackTenants: 50, deltaPerTenant: 20, reps: 3, concurrency: 4 },
    lakeReps: 3,
    apiReps: 3,
  },
};
