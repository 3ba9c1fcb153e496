-- fct_investor_remittance_summary, summed per tenant and investor, equals reporting.fact_remit.
with mart as (

    select
        tenant_id,
        investor_id,
        sum(item_count) as items,
        sum(principal) as principal,
        sum(interest) as interest,
        sum(escrow) as escrow,
        sum(svc_fee) as svc_fee,
        sum(strip_io) as strip_io,
        sum(net_remit) as net

    from {{ ref('fct_investor_remittance_summary') }}
    group by 1, 2

),

facts as (

    select
        tenant_id,
        investor_id,
        count(*) as items,
        sum(principal) as principal,
        sum(interest) as interest,
        sum(escrow) as escrow,
        sum(svc_fee) as svc_fee,
        sum(strip_io) as strip_io,
        sum(net) as net

    from {{ source('reporting', 'fact_remit') }}
    group by 1, 2

)

select
    coalesce(mart.tenant_id, facts.tenant_id) as tenant_id,
    coalesce(mart.investor_id, facts.investor_id) as investor_id,
    mart.net as mart_net,
    facts.net as fact_net

from mart
full outer join facts
    on facts.tenant_id = mart.tenant_id
    and facts.investor_id = mart.investor_id

where mart.tenant_id is null
    or facts.tenant_id is null
    or mart.items <> facts.items
    or mart.principal <> facts.principal
    or mart.interest <> facts.interest
    or mart.escrow <> facts.escrow
    or mart.svc_fee <> facts.svc_fee
    or mart.strip_io <> facts.strip_io
    or mart.net <> facts.net
