-- Month-over-month delinquency roll rates: of the loans in bucket X at the end of one month, the
-- share in bucket Y at the end of the next. The classic transition matrix a servicing analyst
-- reads to see cures (a better bucket), stays and roll-forwards (a worse one).
--
-- A loan counts in a month pair only if it has a snapshot at both month ends; loans boarded during
-- the month (no prior standing) or gone by its end (paid off, transferred) are not transitions.
-- Rates are per (tenant, month, from_bucket); loan_count / from_bucket_loans is the count-weighted
-- rate and upb_roll_rate the balance-weighted one, on the prior month's UPB.
with month_end as (

    select * from {{ ref('int_loan_month_end_delinquency') }}

),

transitions as (

    select
        cur.tenant_id,
        cur.month,
        prev.month as prior_month,
        prev.delinquency_bucket as from_bucket,
        prev.bucket_order as from_bucket_order,
        cur.delinquency_bucket as to_bucket,
        cur.bucket_order as to_bucket_order,
        prev.upb as prior_upb,
        cur.upb as current_upb

    from month_end as cur
    inner join month_end as prev
        on prev.tenant_id = cur.tenant_id
        and prev.loan_id = cur.loan_id
        and prev.month = (cur.month - interval '1 month')::date

),

matrix as (

    select
        tenant_id,
        month,
        prior_month,
        from_bucket,
        from_bucket_order,
        to_bucket,
        to_bucket_order,
        count(*) as loan_count,
        sum(prior_upb) as prior_upb,
        sum(current_upb) as current_upb

    from transitions
    group by 1, 2, 3, 4, 5, 6, 7

),

with_totals as (

    select
        matrix.*,
        sum(loan_count) over (partition by tenant_id, month, from_bucket) as from_bucket_loans,
        sum(prior_upb) over (partition by tenant_id, month, from_bucket) as from_bucket_upb

    from matrix

)

select
    md5(tenant_id::text || '|' || month::text || '|' || from_bucket || '|' || to_bucket) as roll_rate_key,
    tenant_id,
    month,
    prior_month,
    from_bucket,
    from_bucket_order,
    to_bucket,
    to_bucket_order,
    case
        when to_bucket_order < from_bucket_order then 'cure'
        when to_bucket_order = from_bucket_order then 'stay'
        else 'roll_forward'
    end as roll_direction,
    loan_count,
    from_bucket_loans,
    round(loan_count::numeric / from_bucket_loans, 4) as roll_rate,
    prior_upb::numeric(18, 2) as prior_upb,
    current_upb::numeric(18, 2) as current_upb,
    round(prior_upb / nullif(from_bucket_upb, 0), 4) as upb_roll_rate

from with_totals
