"""The built-in CRM layouts: for each CRM, the kinds of file it exports, which
header spellings hold which canonical field, and its default funnel. Matching a
header against them is presets.py's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salesfunnel.config import Funnel


@dataclass(frozen=True)
class KindMapping:
    """One kind of file a preset reads: field -> accepted header spellings."""

    kind: str
    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # fields built from several columns (a composite key), or "@row" (the line number)
    composite: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Preset:
    name: str
    kinds: tuple[KindMapping, ...]
    funnel: Funnel | None = None
    canonical_headers: bool = False  # match with canonical_key instead of header_key
    footer: re.Pattern[str] | None = None


HUBSPOT = Preset(
    "hubspot",
    (
        KindMapping(
            "deals",
            {
                "deal_id": ("record id", "deal id"),
                "rep": ("deal owner",),
                "stage": ("deal stage",),
                "amount": ("amount",),
                "created_at": ("create date",),
                "closed_at": ("close date",),
                "lost_reason": ("closed lost reason",),
                "tier": ("tier", "customer tier", "segment"),
                "source": ("original source", "original traffic source", "deal source"),
                "account": ("associated company", "company name", "associated company (primary)"),
                "currency": ("currency", "deal currency code"),
                "pipeline": ("pipeline", "deal pipeline"),
            },
            ("deal_id", "rep", "stage"),
        ),
        KindMapping(  # the owners (users) export: the name is first and last name
            "users",
            {"user_id": ("owner id", "hubspot owner id", "user id"),
             "first_name": ("first name",), "last_name": ("last name",), "email": ("email",)},
            ("user_id", "first_name", "last_name", "email"),
        ),
    ),
    funnel=Funnel(
        stages=(
            "Appointment Scheduled",
            "Qualified To Buy",
            "Presentation Scheduled",
            "Decision Maker Bought-In",
            "Contract Sent",
            "Closed Won",
        ),
        lost_labels=("Closed Lost",),
        # the internal ids HubSpot's API and some exports write for the same stages
        aliases=(
            ("appointmentscheduled", "Appointment Scheduled"),
            ("qualifiedtobuy", "Qualified To Buy"),
            ("presentationscheduled", "Presentation Scheduled"),
            ("decisionmakerboughtin", "Decision Maker Bought-In"),
            ("contractsent", "Contract Sent"),
            ("closedwon", "Closed Won"),
            ("closedlost", "Closed Lost"),
        ),
    ),
)
# columns that flag a deleted record (Salesforce, warehouse syncs such as Fivetran):
# such rows are skipped, counted, never loaded
DELETED_FLAGS = ("isdeleted", "is_deleted", "is deleted", "_fivetran_deleted", "deleted")
# fields whose every present candidate column is read, the first non-empty one per row
# winning (Loss_Reason__c empty beside a filled LossReason__c)
FIRST_FILLED = ("lost_reason",)

HUBSPOT_STAGE_DATE = re.compile(r'^date entered "(?P<stage>.+?)(?: \((?P<pipeline>[^()]*)\))?"$')

SALESFORCE = Preset(
    "salesforce",
    (
        KindMapping(
            "history",
            {
                "deal_id": ("opportunityid", "opportunity id"),
                "stage": ("stagename", "stage", "to stage"),
                "entered_at": ("createddate", "created date", "last modified date", "edit date"),
            },
            ("deal_id", "stage", "entered_at"),
        ),
        KindMapping(
            "deals",
            {
                "deal_id": ("id", "opportunity id"),
                "rep": ("owner.name", "opportunity owner", "owner name", "ownerid", "owner id"),
                "stage": ("stagename", "stage"),
                "created_at": ("createddate", "created date"),
                "closed_at": ("closedate", "close date"),
                # a multi-currency org's report may hold only the converted amount
                "amount": ("amount", "amount (converted)", "converted amount"),
                "source": ("leadsource", "lead source"),
                "lost_reason": ("loss_reason__c", "loss reason", "lost_reason__c", "lost reason",
                                "lossreason__c", "closed_lost_reason__c", "reason_lost__c"),
                "tier": ("tier__c", "segment__c", "customer_tier__c", "tier", "segment"),
                "account": ("account.name", "account name", "accountid"),
                "currency": ("currencyisocode", "currency iso code", "opportunity currency",
                             "amount currency", "currency", "amount (converted) currency"),
                "is_won": ("iswon", "won"),
                "is_closed": ("isclosed", "closed"),
            },
            ("deal_id", "rep", "stage"),
        ),
        KindMapping(  # the User export; Username or Email tells it from other Id, Name files
            "users",
            {"user_id": ("id", "user id"), "name": ("name", "full name"),
             "username": ("username", "email")},
            ("user_id", "name", "username"),
        ),
    ),
    funnel=Funnel(
        stages=(
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
        ),
        lost_labels=("Closed Lost",),
    ),
    footer=re.compile(
        r'^\s*"?\s*(|grand totals? \(\d[\d,]* records?\)|confidential information - do not '
        r"distribute|copyright \(c\).*salesforce\.com.*|subtotal.*)\s*\"?\s*$",
        re.IGNORECASE,
    ),
)

PIPEDRIVE = Preset(
    "pipedrive",
    (
        KindMapping(
            "deals",
            {
                "deal_id": ("deal - id",),
                "rep": ("deal - owner", "deal - owner name"),
                "stage": ("deal - stage",),
                "status": ("deal - status",),
                "amount": ("deal - value",),
                "account": ("deal - organization", "deal - organization name"),
                "created_at": ("deal - deal created", "deal - add time", "deal - creation date"),
                "won_time": ("deal - won time",),
                "lost_time": ("deal - lost time",),
                # an open deal's planned close (pacing's pipeline), after the actual ones
                "expected_close": ("deal - expected close date",),
                "closed_at": ("deal - close time", "deal - closed on"),
                "lost_reason": ("deal - lost reason",),
                "source": ("deal - source", "deal - lead source", "deal - source channel"),
                "tier": ("deal - tier", "deal - segment", "organization - tier"),
                "currency": ("deal - currency", "deal - currency of value"),
                "pipeline": ("deal - pipeline",),
            },
            ("deal_id", "rep", "stage"),
        ),
    ),
    funnel=Funnel(
        stages=(
            "Lead In",
            "Contact Made",
            "Demo Scheduled",
            "Proposal Made",
            "Negotiations Started",
            "Won",
        ),
        lost_labels=("Lost",),
    ),
)

# Tables synced into a warehouse by Fivetran or Airbyte: snake_case Salesforce
# `opportunity` / `opportunity_history` and HubSpot `deal` tables. Their stage
# labels are the org's own (or HubSpot's internal ids), so there is no default
# funnel: the order comes from the config (`salesfunnel init`) or from the
# table's probability / sort-order and is_won / is_closed columns.
WAREHOUSE = Preset(
    "warehouse",
    (
        KindMapping(
            "history",
            {
                "deal_id": ("opportunity_id",),
                "stage": ("stage_name",),
                "entered_at": ("created_date",),
            },
            ("deal_id", "stage", "entered_at"),
        ),
        KindMapping(
            "deals",
            {
                "deal_id": ("id", "deal_id"),
                "rep": ("owner_id", "property_hubspot_owner_id", "properties_hubspot_owner_id",
                        "hubspot_owner_id"),
                "stage": ("stage_name", "property_dealstage", "properties_dealstage", "deal_stage"),
                "created_at": ("created_date", "property_createdate", "properties_createdate"),
                "closed_at": ("close_date", "property_closedate", "properties_closedate"),
                "amount": ("amount", "property_amount", "properties_amount"),
                "source": ("lead_source",),
                "account": ("account_id",),
                "is_won": ("is_won",),
                "is_closed": ("is_closed",),
                "pipeline": ("pipeline", "property_pipeline", "properties_pipeline",
                             "deal_pipeline_id"),
            },
            ("deal_id", "rep", "stage"),
        ),
        KindMapping(  # Salesforce `user` table
            "users",
            {"user_id": ("id",), "name": ("name",), "username": ("username", "email")},
            ("user_id", "name", "username"),
        ),
        KindMapping(  # HubSpot `owner` table: the name is first and last name
            "users",
            {"user_id": ("owner_id",), "first_name": ("first_name",),
             "last_name": ("last_name",), "email": ("email",)},
            ("user_id", "first_name", "last_name", "email"),
        ),
    ),
)

BUILT_IN = {"hubspot": HUBSPOT, "salesforce": SALESFORCE, "pipedrive": PIPEDRIVE,
            "warehouse": WAREHOUSE}
