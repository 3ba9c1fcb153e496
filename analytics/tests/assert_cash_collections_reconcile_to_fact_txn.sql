-- fct_cash_collections, summed per tenant and transaction type, equals reporting.fact_txn exactly:
-- same transaction count, amount and each allocation (numeric sums, no rounding). Catches rows the
-- mart drops or duplicates (a fan-out join, a filter). Reads the fact table directly, not through
-- staging, so a mistake shared by staging and the mart cannot cancel out.
-- Returns one row per (tenant, type) that differs, or that exists on one side only.
with mart as (

    select
        tenant_id,
        txn_type as type,
        sum(txn_count) as txn_count,
        sum(amount) as amount,
        sum(principal) as principal,
        sum(interest) as interest,
        sum(escrow) as escrow,
        sum(fees) as fees,
        sum(cash_collected) as cash_collected

    from {{ ref('fct_cash_collections') }}
    group by 1, 2

),

facts as (

    select
        tenant_id,
        type,
        count(*) as txn_count,
        sum(amount) as amount,
        sum(alloc_principal) as principal,
        sum(alloc_interest) as interest,
        sum(alloc_escrow) as escrow,
        sum(alloc_fees) as fees,
        sum(case when type in ('PAYMENT', 'ADJUSTMENT') then amount else 0 end) as cash_collected

    from {{ source('reporting', 'fact_txn') }}
    group by 1, 2

)

select
    coalesce(mart.tenant_id, facts.tenant_id) as tenant_id,
    coalesce(mart.type, facts.type) as type,
    mart.txn_count as mart_txn_count,
    facts.txn_count as fact_txn_count,
    mart.amount as mart_amount,
    facts.amount as fact_amount

from mart
full outer join facts
    on facts.tenant_id = mart.tenant_id
    and facts.type = mart.type

where mart.tenant_id is null
    or facts.tenant_id is null
    or mart.txn_count <> facts.txn_count
    or mart.amount <> facts.amount
    or mart.principal <> facts.principal
    or mart.interest <> facts.interest
    or mart.escrow <> facts.escrow
    or mart.fees <> facts.fees
    or mart.cash_collected <> facts.cash_collected
