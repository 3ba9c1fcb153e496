-- Every loaded transaction is a faithful copy of its source row: same tenant, loan, type, amounts,
-- and d = the UTC date of svc_txns.ts. Compares only what has been loaded (transactions newer
-- than a loader's watermark are not in fact_txn yet), so it holds between scheduled runs too.
-- Source transactions are immutable (corrections are new ADJUSTMENT rows); a row changed or
-- deleted at the source after loading shows up here.
select
    facts.txn_id,
    facts.tenant_id,
    case
        when src.txn_id is null then 'no source row'
        else 'differs from source'
    end as problem

from {{ ref('stg_reporting__fact_txn') }} as facts
left join {{ ref('stg_txn') }} as src
    on src.txn_id = facts.txn_id

where src.txn_id is null
    or src.tenant_id <> facts.tenant_id
    or src.loan_id <> facts.loan_id
    or src.date <> facts.date
    or src.type <> facts.type
    or src.amount <> facts.amount
    or src.principal <> facts.principal
    or src.interest <> facts.interest
    or src.escrow <> facts.escrow
    or src.fees <> facts.fees
