-- Per tenant and month, the roll-rate matrix counts each loan with a snapshot at both month ends
-- exactly once. Counted here straight from reporting.fact_servicing, independently of the mart's
-- month-end ranking: a duplicated or missing month-end standing makes the totals differ.
with snapshot_months as (

    select distinct
        tenant_id,
        loan_id,
        date_trunc('month', d)::date as month

    from {{ source('reporting', 'fact_servicing') }}

),

continuing as (

    select cur.tenant_id, cur.month, count(*) as loans
    from snapshot_months as cur
    inner join snapshot_months as prev
        on prev.tenant_id = cur.tenant_id
        and prev.loan_id = cur.loan_id
        and prev.month = (cur.month - interval '1 month')::date
    group by 1, 2

),

matrix as (

    select tenant_id, month, sum(loan_count) as loans
    from {{ ref('fct_delinquency_roll_rates') }}
    group by 1, 2

)

select
    coalesce(matrix.tenant_id, continuing.tenant_id) as tenant_id,
    coalesce(matrix.month, continuing.month) as month,
    matrix.loans as matrix_loans,
    continuing.loans as continuing_loans

from matrix
full outer join continuing
    on continuing.tenant_id = matrix.tenant_id
    and continuing.month = matrix.month

where matrix.loans is distinct from continuing.loans
