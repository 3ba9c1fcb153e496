-- What each investor was remitted per remittance period. The investor is owed the principal and
-- interest collected, less the servicing fee and the interest-only strip the servicer retains;
-- escrow collected is shown but stays with the servicer (it pays the borrower's taxes and
-- insurance), so it is not part of the remittance.
with items as (

    select * from {{ ref('stg_reporting__fact_remit') }}

),

investors as (

    select * from {{ ref('stg_reporting__dim_investor') }}

),

per_period as (

    select
        tenant_id,
        investor_id,
        period_end,
        count(distinct remit_run_id) as remit_run_count,
        count(*) as item_count,
        count(distinct loan_id) as loan_count,
        sum(principal) as principal,
        sum(interest) as interest,
        sum(escrow) as escrow,
        sum(svc_fee) as svc_fee,
        sum(strip_io) as strip_io,
        sum(net_remit) as net_remit

    from items
    group by 1, 2, 3

)

select
    md5(per_period.tenant_id::text || '|' || per_period.investor_id::text || '|' || per_period.period_end::text)
        as remittance_key,
    per_period.tenant_id,
    per_period.investor_id,
    investors.investor_name,
    investors.delivery_type,
    per_period.period_end,
    date_trunc('month', per_period.period_end)::date as period_month,
    per_period.remit_run_count,
    per_period.item_count,
    per_period.loan_count,
    per_period.principal,
    per_period.interest,
    per_period.escrow,
    (per_period.principal + per_period.interest)::numeric(18, 2) as principal_and_interest,
    per_period.svc_fee,
    per_period.strip_io,
    per_period.net_remit

from per_period
left join investors
    on investors.investor_id = per_period.investor_id
    and investors.tenant_id = per_period.tenant_id
