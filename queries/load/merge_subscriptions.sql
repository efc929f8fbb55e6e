-- Valid staged subscriptions replace earlier rows of the same customer_id;
-- within one file the last line wins (the loader's `incoming` keeps one row per key).
delete from subscriptions where customer_id in (select customer_id from incoming);

insert into subscriptions
    (customer_id, deal_id, rep, tier, started_at, ended_at, mrr, currency, file_id, line)
select customer_id, deal_id, rep, tier, started_at, ended_at, mrr, currency, $file_id, line
from incoming;
