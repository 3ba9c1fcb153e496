-- Each loan's standing at the end of each month: its latest snapshot within the calendar month.
-- The nightly run writes one snapshot per loan per day, so this is normally the month's last day
-- (or yesterday's snapshot, for the month in progress).
with snapshots as (

    select * from {{ ref('stg_reporting__fact_servicing') }}

),

ranked as (

    select
        snapshots.*,
        date_trunc('month', snapshot_date)::date as month,
        row_number() over (
            partition by tenant_id, loan_id, date_trunc('month', snapshot_date)
            order by snapshot_date desc
        ) as recency

    from snapshots

)

select
    tenant_id,
    loan_id,
    month,
    snapshot_date as as_of_date,
    upb,
    days_past_due,
    delinquency_bucket,
    bucket_order

from ranked
where recency = 1
