"""The stage labels CRMs ship: the standard stage lists of CRMs (and their translations)
and the words of open stages most funnels share, by their usual place. `salesfunnel init`
orders a file's stages by them when nothing in the export says the order (stage_order.py);
docs/loading.md lists them."""

from __future__ import annotations

import re

from salesfunnel.funnel import label_key

# the default open stages of CRMs (and their translations), in funnel order: a file whose
# open labels all belong to one list is ordered by it
STANDARD_STAGES: dict[str, tuple[str, ...]] = {
    "Salesforce": ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
                   "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
                   "Negotiation/Review"),
    "Salesforce (Dutch)": ("Prospectie", "Kwalificatie", "Behoefteanalyse", "Waardepropositie",
                           "Id. beslissers", "Perceptieanalyse", "Voorstel", "Voorstel/prijsofferte",
                           "Onderhandeling", "Onderhandeling/beoordeling"),
    "Salesforce (German)": ("Interessent", "Qualifikation", "Bedarfsanalyse", "Wertversprechen",
                            "Entscheidungsträger identifizieren", "Wahrnehmungsanalyse",
                            "Angebot/Preisangebot", "Verhandlung/Überprüfung"),
    "Salesforce (French)": ("Prospection", "Qualification", "Analyse des besoins",
                            "Proposition de valeur", "Identification des décideurs",
                            "Analyse de perception", "Proposition/Devis", "Négociation/Révision"),
    "Salesforce (Italian)": ("Prospezione", "Qualificazione", "Analisi delle esigenze",
                             "Proposta di valore", "Identificazione dei responsabili decisionali",
                             "Analisi della percezione", "Proposta/Preventivo",
                             "Negoziazione/Revisione"),
    "Salesforce (Portuguese)": ("Prospecção", "Qualificação", "Análise de necessidades",
                                "Proposta de valor", "Identificar tomadores de decisão",
                                "Análise de percepção", "Proposta/Orçamento",
                                "Negociação/Revisão"),
    "Salesforce (Spanish)": ("Prospección", "Calificación", "Análisis de necesidades",
                             "Propuesta de valor", "Identificación de responsables",
                             "Análisis de percepción", "Propuesta/Presupuesto",
                             "Negociación/Revisión"),
    "Zoho": ("Qualification", "Needs Analysis", "Value Proposition", "Identify Decision Makers",
             "Proposal/Price Quote", "Negotiation/Review"),
    "Bitrix24": ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE"),
    "Bitrix24 (English)": ("New", "Preparing documents", "Prepayment invoice", "In progress",
                           "Final invoice"),
    "Bitrix24 (Russian)": ("Новая", "Подготовка документов", "Счёт на предоплату", "В работе",
                           "Финальный счёт"),
    "Odoo": ("New", "Qualified", "Proposition", "Negotiation"),
    "Pipedrive": ("Qualified", "Contact Made", "Demo Scheduled", "Proposal Made",
                  "Negotiations Started"),
    "Pipedrive (before 2020)": ("Lead In", "Contact Made", "Needs Defined", "Demo Scheduled",
                                "Proposal Made", "Negotiations Started"),
    "HubSpot": ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                "Decision Maker Bought-In", "Contract Sent"),
    "HubSpot (internal ids)": ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                               "decisionmakerboughtin", "contractsent"),
    "Dynamics 365": ("Qualify", "Develop", "Propose", "Close"),
    "Zendesk Sell": ("Incoming", "Qualified", "Quote", "Closure"),
    "Freshsales": ("New", "Contacted", "Interested", "Under Review", "Demo", "Negotiation"),
}

# the words of open stages most funnels share, by their usual place (a place holds
# synonyms): labels that all have a word here, each at its own place, are put in this
# order as a guess that the proposal asks the user to check
COMMON_STAGE_PLACES: tuple[tuple[str, ...], ...] = (
    ("new", "lead", "leads", "lead in", "incoming", "inbound", "mql", "prospect", "prospects",
     "prospecting", "neu", "nouveau", "nouvelle", "nuevo", "novo", "nieuw", "nuovo",
     "ny", "nytt", "nowy", "nowa", "uusi", "yeni"),
    ("contacted", "contact made", "attempted to contact", "connected", "engaged", "engaging",
     "kontaktiert", "kontakt hergestellt", "contacté", "contact établi", "contactado",
     "contacto establecido", "contato feito", "contact gelegd", "gecontacteerd", "contattato",
     "contatto stabilito", "kontaktad", "kontakt tagen", "kontaktet", "kontaktet etablert",
     "skontaktowano", "kontakt nawiązany", "otettu yhteyttä", "iletişime geçildi"),
    ("qualified", "qualification", "qualify", "qualifying", "sql", "sal", "qualifiziert",
     "qualifizierung", "qualifié", "calificado", "cualificado", "calificación", "qualificado",
     "gekwalificeerd", "kwalificatie", "qualificato", "qualificazione", "kvalificerad",
     "kvalifisert", "kvalificeret", "zakwalifikowany", "kwalifikacja", "pätevöity", "nitelikli"),
    ("discovery", "meeting", "meeting scheduled", "meeting booked", "needs analysis",
     "needs defined", "bedarfsanalyse", "termin vereinbart", "découverte", "rendez-vous",
     "descubrimiento", "reunión", "afspraak gepland", "riunione", "appuntamento fissato",
     "möte bokat", "möte", "møte", "møde", "spotkanie", "tapaaminen", "toplantı"),
    ("demo", "demo scheduled", "presentation", "evaluation", "solution", "trial", "poc",
     "demo geplant", "demo vereinbart", "präsentation", "démo", "démonstration",
     "demostración", "demonstração", "demo gepland", "presentatie", "presentatie gepland",
     "demo programmata", "presentazione", "presentazione programmata",
     "demo bokad", "prezentacja", "esittely", "sunum"),
    ("proposal", "proposal sent", "proposal made", "quote", "quote sent", "quoted", "pricing",
     "angebot", "angebot erstellt", "angebot gesendet", "angebot gemacht", "proposition",
     "devis", "proposition envoyée", "propuesta", "propuesta enviada", "cotización",
     "proposta", "voorstel", "voorstel gedaan", "offerte", "offerte verstuurd", "proposta fatta",
     "preventivo", "offerta", "förslag", "förslag skickat", "offert", "offert skickad",
     "tilbud", "tilbud sendt", "propozycja", "propozycja złożona", "oferta", "tarjous", "teklif"),
    ("negotiation", "negotiating", "negotiations", "contract", "contract sent", "closing",
     "commit", "verbal", "verbal commit", "verhandlung", "verhandlungen begonnen", "vertrag",
     "négociation", "négociations commencées", "negociación", "negociación iniciada",
     "negociação", "onderhandeling", "onderhandelingen gestart", "contract verzonden",
     "negoziazione", "trattative avviate", "contratto", "contratto inviato", "förhandling",
     "förhandlingar", "forhandling", "forhandlinger", "negocjacje", "negocjacje rozpoczęte",
     "neuvottelu", "müzakere", "avtal skickat", "kontrakt"),
)
BITRIX_PIPELINE = re.compile(r"^C\d+:")  # Bitrix24 stage ids of pipeline n: C1:NEW


def _standard_key(text: str) -> str:
    return label_key(BITRIX_PIPELINE.sub("", text.strip()))


COMMON_ORDER = ("from the usual order of common stage names (new, qualified, demo, proposal, "
                "negotiation ...): CHECK")


def common_places(texts: list[str]):
    """The place of each label among COMMON_STAGE_PLACES, when two or more labels all
    have one and no two share a place; else None."""
    places = {word: place for place, words in enumerate(COMMON_STAGE_PLACES) for word in words}
    found = [places.get(" ".join(_standard_key(text).replace("-", " ").split())) for text in texts]
    if len(texts) < 2 or None in found or len(set(found)) < len(found):
        return None
    return dict(zip(texts, found, strict=True))


def standard_places(texts: list[str]):
    """(CRM name, place of a label) of the first standard stage list that holds every one
    of two or more labels; None when none does."""
    keys = {_standard_key(text) for text in texts}
    for name, stages in STANDARD_STAGES.items():
        places = {_standard_key(stage): place for place, stage in enumerate(stages)}
        if len(texts) > 1 and keys <= set(places):
            return name, lambda text, places=places: places[_standard_key(text)]
    return None

