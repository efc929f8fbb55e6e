-- Valid staged history rows not already present, de-duplicated on
-- (deal_id, stage, entered_at).
insert into stage_history (deal_id, stage, entered_at, file_id, line)
select incoming.deal_id, incoming.stage, incoming.entered_at, $file_id, incoming.line
from incoming
anti join stage_history as existing
    on existing.deal_id = incoming.deal_id
    and existing.stage = incoming.stage
    and existing.entered_at = incoming.entered_at;
