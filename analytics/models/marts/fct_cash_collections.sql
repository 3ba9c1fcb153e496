-- Daily cash activity per loan and transaction type, from the loaded facts (reporting.fact_txn:
-- exactly once per source transaction, the same rows BI and the lake see).
--
-- Every transaction type is kept, so the mart sums to reporting.fact_txn exactly (see
-- tests/assert_cash_collections_reconcile_to_fact_txn.sql); `cash_collected` is the part that is
-- money received — PAYMENT and ADJUSTMENT (a signed correction to collected cash), the definition
-- reporting.v_cash_last_30 uses. The seed summed every type, so boarding a loan looked like
-- collecting its whole balance.
with txns as (

    select * from {{ ref('stg_reporting__fact_txn') }}

),

loans as (

    select * from {{ ref('stg_reporting__dim_loan') }}

),

daily as (

    select
        tenant_id,
        loan_id,
        date as collection_date,
        type as txn_type,
        count(*) as txn_count,
        sum(amount) as amount,
        sum(principal) as principal,
        sum(interest) as interest,
        sum(escrow) as escrow,
        sum(fees) as fees

    from txns
    group by 1, 2, 3, 4

)

select
    md5(daily.tenant_id::text || '|' || daily.loan_id::text || '|' || daily.collection_date::text || '|' || daily.txn_type)
        as cash_collection_key,
    daily.tenant_id,
    daily.loan_id,
    loans.loan_number,
    loans.investor_id,
    daily.collection_date,
    daily.txn_type,
    daily.txn_count,
    daily.amount,
    daily.principal,
    daily.interest,
    daily.escrow,
    daily.fees,
    case when daily.txn_type in ('PAYMENT', 'ADJUSTMENT') then daily.amount else 0 end::numeric(18, 2)
        as cash_collected

from daily
left join loans
    on loans.loan_id = daily.loan_id
    and loans.tenant_id = daily.tenant_id
