"""What CRMs call things: the header spellings of each canonical field (export headers,
API names, other languages), the words of won and lost stage labels and of true and
false flags (CRMs' standard stage lists are in stage_words.py). `salesfunnel init` matches
headers and labels against them; the tables are data (docs/loading.md, "Header styles init
recognises", lists them)."""

from __future__ import annotations

import re
import unicodedata

# normalised header (see `normalise`) -> the field it suggests. Spellings cover the export
# headers and the API names CRMs write (Zoho `Owner__name`, Bitrix24 `ASSIGNED_BY_ID`,
# Salesforce `StageName__c`, vtiger `smownerid`, Odoo `stage_id`) and report headers in
# Dutch, German, French, Spanish, Portuguese, Italian, Russian, Chinese, Japanese and Korean;
# docs/loading.md lists them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "deal_id": ("opportunityid", "dealid", "recordid", "id", "opportuniteid", "oportunidadid",
                "verkaufschanceid", "verkoopkansid", "opportunitynumber", "dealnumber",
                "potentialid", "externalid", "leadid", "crmleadid", "itemid",
                "datensatzid", "iddelenregistrement", "iddelafiche", "iddefiche", "idderegistro",
                "iddoregistro", "idrecord", "recordidentificatie",
                "商談id", "取引id", "商機id", "商机编号", "商機編號", "レコードid",
                "거래id", "딜id", "레코드id",
                # HubSpot in Swedish, Norwegian, Danish, Polish, Finnish
                "postid", "postens id", "idrekordu", "tietueenid",
                "internalid"),  # NetSuite
    "rep": ("owner", "ownername", "opportunityowner", "dealowner", "salesagent", "salesrep",
            "rep", "salesperson", "assignedto", "accountmanager", "ownerfullname", "ownerid",
            "agent", "repname", "smownerid", "assignedbyid", "assignedby",
            # SugarCRM / SuiteCRM write the user's name and id: the name first
            "assignedusername", "assigneduserid", "username", "userid", "salesperson",
            "responsibleperson",
            "responsible", "userresponsible", "responsibleuser", "eigenaar", "eigenaaropportunity",
            "eigenaardeal", "verkoper", "accounteigenaar", "besitzer", "inhaber",
            "verantwortlicher", "vertriebsmitarbeiter", "opportunityinhaber", "proprietaire",
            "proprietairedelopportunite", "responsable", "commercial", "vendeur", "propietario",
            "propietariodelaoportunidad", "propietariodetrato", "vendedor", "responsavel", "proprietario",
            "ответственный", "менеджер", "владелец", "负责人", "销售", "销售员", "所有者",
            "dealinhaber", "dealbesitzer", "proprietairedelatransaction", "propietariodelnegocio",
            "proprietariodonegocio", "proprietariodellatrattativa", "dealeigenaar",
            # Odoo's Salesperson and Zoho's Deal Owner in French, German, Spanish, Italian
            "verkaufer", "comercial", "addettovendite", "venditore", "proprietairedelaffaire",
            "eigenaarvandeal", "eigenaarvandedeal",
            "負責人", "業務", "業務員", "担当者", "商談所有者", "取引担当者", "営業担当者",
            "営業担当", "담당자", "소유자",
            "영업담당자", "거래담당자", "recordowner",
            # Teamleader's Verantwoordelijke (Dutch), Responsabilité (French)
            "verantwoordelijke", "responsabilite",
            # Copper's Owned By, Salesmate's and others' Assignee
            "ownedby", "assignee", "assigneename", "salesowner", "opportunityownername",
            # Salesforce in Spanish, Italian, Portuguese; HubSpot and Pipedrive in Swedish,
            # Norwegian, Danish, Finnish, Polish and Turkish
            "propietariodeoportunidad", "titolareopportunita", "proprietarioopportunita",
            "proprietariodaoportunidade", "affarsagare", "agare", "saljare", "ansvarig",
            "eier", "avtaleeier", "selger", "ejer", "aftaleejer", "saelger", "sælger",
            "omistaja", "kaupanomistaja", "myyja", "właściciel", "właściciel deala",
            "właściciel transakcji", "opiekun", "handlowiec", "sahip", "anlasmasahibi",
            "temsilci", "satistemsilcisi"),
    "stage": ("stage", "stagename", "dealstage", "opportunitystage", "pipelinestage",
              "salesstage", "phase", "pipelinephase", "processstage", "phaseduprocessus",
              "phasedupipeline", "activestage", "stageid",
              "fase", "stadium", "verkoopfase", "stufe",
              "phasedeverkauf", "verkaufsphase", "etape", "etapedevente", "etapa",
              "etapadeventa", "estagio", "этап", "стадия", "стадиясделки", "阶段", "商机阶段",
              "销售阶段",
              "dealphase", "phasedelatransaction", "etapadelnegocio", "etapadonegocio",
              "fasedellatrattativa", "dealfase", "dealstadium",
              "階段", "銷售階段", "商機階段", "フェーズ", "商談フェーズ", "取引ステージ",
              "ステージ", "단계", "거래단계", "영업단계", "statuslabel",
              # Capsule, Nutshell and Agile CRM call the stage a milestone
              "milestone", "currentmilestone", "dealstagename",
              # Swedish, Norwegian, Danish, Finnish, Polish, Turkish
              "affarsfas", "fas", "steg", "affarssteg", "avtalefase", "avtalestadium", "fase",
              "trin", "stadie", "aftalefase", "vaihe", "kaupanvaihe", "etap", "etap deala",
              "etap transakcji", "asama", "anlasmaasamasi"),
    "status": ("status", "dealstatus", "outcome", "statustype", "statut", "estado", "stato",
               "状态", "ステータス",
               # Insightly's Open/Won/Lost/Abandoned/Suspended
               "opportunitystate", "dealstate"),
    "amount": ("amount", "valueformatted", "value", "dealvalue", "closevalue", "dealamount",
               "opportunityamount", "amountusd", "amountconverted", "convertedamount",
               "totalvalue", "revenue", "estrevenue", "estimatedrevenue",
               # Dynamics 365's Est. Revenue in German, Spanish, Dutch, Portuguese
               "geschatzterumsatz", "estumsatz", "ingresosestimados", "geschatteopbrengst",
               "receitaestimada",
               "chiffredaffairesestime", "actualrevenue", "chiffredaffairesreel",
               "tatsachlicherumsatz", "ingresosreales", "werkelijkeopbrengst", "receitareal",
               "opportunity", "income", "expectedrevenue", "plannedrevenue", "bedrag", "waarde", "betrag",
               "wert", "montant", "valeur", "importe", "monto", "valor", "сумма", "金额",
               "cantidad", "importo", "valore", "valordonegocio", "金額", "商談金額", "금액", "거래금액",
               # Odoo's Expected Revenue in French, German, Spanish, Dutch, Italian, Portuguese
               "revenuespere", "erwarteterumsatz", "ingresoesperado", "ingresosesperados",
               "verwachteomzet", "ricavoatteso", "entrateprevisto", "receitaesperada",
               # Swedish, Norwegian, Danish, Finnish, Polish, Turkish
               "belopp", "varde", "affarsvarde", "beløp", "verdi", "avtaleverdi", "beløb",
               "værdi", "aftaleværdi", "arvo", "kaupanarvo", "summa", "kwota", "wartość",
               "wartość deala", "tutar", "değer", "anlasmadegeri",
               "bidamount",  # Insightly
               # NetSuite's Projected Total; other CRMs' Deal Size, Opportunity Value
               "projectedtotal", "dealsize", "opportunityvalue"),
    "created_at": ("dateentered",  # SugarCRM, SuiteCRM
                   "skapandedatum", "skapad", "skapaddatum", "affarskapad", "skapadden",
                   "opprettetdato", "opprettelsesdato", "opprettet", "avtaleopprettet",
                   "oprettelsesdato", "oprettet", "aftaleoprettet", "luontipaiva", "luotu",
                   "kauppaluotu", "datautworzenia", "utworzono", "utworzonodeal",
                   "dealutworzony", "datacreazione", "olusturmatarihi", "olusturuldu",
                   "createddate", "createdate", "createdat", "created", "creationdate",
                   "createdon", "datecreated", "createdtime", "datecreate", "aanmaakdatum",
                   "gemaaktop", "erstelltam", "erstellungsdatum", "datedecreation",
                   "fechadecreacion", "fechacreacion", "datadecriacao", "horadecreacion",
                   "horadecriacao", "датасоздания",
                   "создано", "创建时间", "创建日期",
                   "erstelldatum", "datadicreazione", "addtime", "dealcreated", "dealerstellt",
                   # Odoo's Created on and Zoho's Created Time in French, Spanish, Italian,
                   # Portuguese and German
                   "creele", "creadoel", "creatoil", "criadoem", "heuredecreation",
                   "erstellungszeit", "oradicreazione",
                   "affairecreee", "dealaangemaakt", "aangemaaktop",
                   "tratocreado", "negociocriado", "trattativacreata", "建立時間", "建立日期",
                   "創建時間", "作成日", "作成日時",
                   "생성일", "생성일자",
                   "생성일시"),
    "closed_at": ("actualclosedate", "datedecloturereelle", "stangningsdatum", "stangdden",
                  "avslutningsdato", "sluttdato", "lukkedato", "lukningsdato", "lukketden",
                  "sulkemispaiva", "suljettu", "datazamkniecia", "zamknieto", "datachiusura",
                  # NetSuite's Expected Close
                  "kapanistarihi", "kapanmatarihi", "expectedclose",
                  # Dynamics 365's Actual Close Date in German, Spanish, Dutch, Portuguese
                  "tatsachlichesabschlussdatum", "fechadecierrereal", "werkelijkesluitingsdatum",
                  "datadeconclusaoreal", "closedate",
                  # a date column named Closed (Nutshell; a flag of that name is is_closed)
                  "closed", "closeddate", "closedat", "closedon",
                  "closingdate", "dateclosed",
                  "closetime", "expectedclosedate", "sluitingsdatum", "afsluitdatum",
                  "abschlussdatum", "datedecloture", "fechadecierre", "datadefechamento",
                  "датазакрытия", "предполагаемаядатазакрытия", "датазавершения",
                  "关闭日期", "成交日期", "estclosedate", "estimatedclosedate",
                  "datedeclotureestimee",
                  "datedefermeture", "datadichiusura", "schlusstermin", "abschlusstermin",
                  "dealclosedon", "geschlossenam", "dealgeschlossenam", "fermeele", "cerradoel",
                  "fechadoem", "chiusail", "geslotenop", "dealgeslotenop", "afgeslotenop",
                  "關閉日期", "結案日期", "完了予定日", "クローズ日", "成約日", "마감일", "종료일",
                  "예상마감일", "datewon", "forecastclosedate",
                  # Dynamics 365's Est. Close Date in German, Spanish, Dutch, Portuguese
                  "geschatztesabschlussdatum", "voraussichtlichesabschlussdatum",
                  "fechadecierreestimada", "geschattesluitingsdatum", "datadeconclusaoestimada"),
    "account": ("account", "accountname", "company", "companyname", "organization",
                "organisation", "organizationname", "organisationname", "organisationnom",
                "organisatienaam", "organizzazionenome",
                "organizacionnombre", "customer", "client", "associatedcompany",
                "potentialcustomer", "potenziellerkunde", "clientpotentiel", "clientepotencial",
                "potentieleklant", "accountid", "companyid", "relatedto", "partnerid",
                "partnername", "accountnaam", "bedrijf", "bedrijfsnaam", "firma", "unternehmen",
                "accountname", "entreprise", "societe", "nomducompte", "empresa", "cuenta",
                "nombredelacuenta", "conta", "компания", "клиент", "客户", "公司",
                "客戶", "取引先名", "取引先", "会社名", "会社", "고객사", "회사", "회사명", "거래처",
                "leadname", "salesaccount", "kunde", "cliente", "klant",
                # Teamleader's Naam van de klant, Nom du client
                "naamvandeklant", "klantnaam", "nomduclient", "kundenname",
                # Salesmate's Primary Company
                "primarycompany",
                # Salesforce in Italian, Portuguese; HubSpot's associated company in Italian,
                # Spanish, Swedish, Norwegian, Danish, Finnish, Polish, Japanese; Pipedrive's
                # organisation in Swedish, Norwegian, Danish, Finnish, Polish
                "nomeaccount", "nomedaconta", "societaassociata", "aziendaassociata", "azienda",
                "empresaasociada", "associeratforetag", "foretag", "foretagsnamn",
                "tilknyttetselskap", "selskap", "tilknyttetvirksomhed", "virksomhed",
                "liittyvayritys", "yritys", "powiazanafirma", "firmapowiazana",
                "関連付けられた会社", "関連会社", "organisationnamn", "organisasjonnavn",
                "organisationnavn", "organisaationimi", "organizacjanazwa", "sirket",
                "iliskilisirket"),
    "source": ("leadsource", "source", "originalsource", "channel", "dealsource", "sourceid",
               "leadbron", "bron", "quelle", "leadquelle", "origine", "sourcedupiste", "origen",
               "fuente", "fuentedeposiblecliente", "origem", "origemdolead", "источник", "来源",
               "來源", "リードソース", "리드소스", "출처", "sourceduprospect", "fontedolead", "fontelead",
               # Salesforce's Lead Source in French, Spanish, Italian; HubSpot's Original
               # Source in Italian, Swedish, Norwegian, Danish, Finnish, Polish
               "originedelapiste", "origendelcandidato", "originelead", "fontelead",
               "fonteoriginale", "fonte", "ursprungligkalla", "kalla", "leadkalla",
               "opprinneligkilde", "kilde", "oprindeligkilde", "alkuperainenlahde", "lahde",
               "źródło", "źródło oryginalne", "oryginalneźródło", "kaynak", "orijinalkaynak"),
    "lost_reason": ("lostreason", "lossreason", "closedlostreason", "reasonlost", "lostreasonid",
                    "reasonforloss", "redenverlies", "redenvanverlies", "verliesreden",
                    "redengeslotenverloren", "redenvoorgeslotenverloren",
                    "verlustgrund",
                    "raisondelaperte", "motifdeperte", "motivodeperdida", "razaodaperda",
                    "причинапроигрыша", "причинаотказа", "丢单原因", "输单原因", "statusreason",
                    # Dynamics 365's Status Reason in German, French, Spanish, Dutch, Portuguese
                    "statusgrund", "raisondustatut", "razonparaelestado", "statusreden",
                    "razaodostatus",
                    "grundfurverlust", "grundfurdenverlust", "motivodeperda", "motivodelaperdida",
                    "razondelaperdida", "motivodaperda",
                    "motivodellaperdita", "丟單原因", "失注理由", "실주사유", "실패사유",
                    # Insightly: why the opportunity is in its state (lost, abandoned)
                    "opportunitystatereason", "statereason",
                    # Creatio's Reason for closing (read for lost deals only)
                    "reasonforclosing", "closereason", "closingreason",
                    "winlossreason",  # NetSuite, Salesforce custom fields
                    # HubSpot in Italian, Swedish, Norwegian, Danish, Polish; Pipedrive's
                    # lost reason in those languages
                    "motivodellaperditachiusa", "orsaktillforloradaffar", "orsaktillforlust",
                    "forlustorsak", "tapsarsak", "arsaktiltap", "tabsarsag", "arsagtiltab",
                    "haviamisensyy", "powodutraty", "powódprzegranej", "kayipnedeni"),
    "tier": ("tier", "segment", "customertier", "customersegment"),
    "entered_at": ("enteredat", "entereddate", "createddate", "changedate", "date",
                   "lastmodifieddate", "editdate", "modifieddate", "timestamp"),
    "team": ("team", "salesteam", "regionaloffice", "office", "region", "territory"),
    "manager": ("manager", "salesmanager", "reportsto", "managername"),
    "employees": ("employees", "employeecount", "numberofemployees", "headcount", "size"),
    "is_won": ("iswon", "won", "isclosedwon", "isdealwon",
               # Salesforce's Won in French, Spanish, German, Dutch, Italian, Portuguese,
               # Swedish (a flag: its values must be true and false words)
               "gagne", "ganado", "gewonnen", "vinto", "ganho", "vunnen"),
    "is_closed": ("isclosed", "closed", "isdealclosed", "сделказакрыта", "закрыта",
                  "ferme", "cerrado", "geschlossen", "gesloten", "chiuso", "fechado", "stangd"),
    "is_active": ("active", "isactive", "actif", "aktiv", "activo", "actief", "attivo", "ativo"),
    "currency": ("currency", "currencyid", "currencyisocode", "currencycode", "dealcurrencycode",
                 "amountcurrency", "amountconvertedcurrency", "opportunitycurrency", "dealcurrency",
                 "valuecurrency", "bidcurrency",
                 "valuta", "wahrung", "devise", "moneda", "moeda", "divisa", "валюта", "币种", "货币",
                 "waluta", "valuutta", "parabirimi",
                 # Salesforce reports in other languages: the Opportunity Currency and
                 # the Amount Currency columns
                 "opportunitywahrung", "betragwahrung", "wahrungscode", "devisedelopportunite",
                 "montantdevise", "devisedumontant", "codedevise", "divisadelaoportunidad",
                 "importedivisa", "codigodedivisa", "codigodemoneda", "moedadaoportunidade",
                 "valormoeda", "codigodamoeda", "valutaopportunita", "importovaluta",
                 "opportunityvaluta", "bedragvaluta", "valutacode",
                 "幣別", "貨幣", "通貨", "商談通貨", "통화"),
    "sort_order": ("stagesortorder", "sortorder", "stageorder", "stagesequence"),
    "probability": ("probability", "probabilitypercent", "winprobability", "dealprobability",
                    "probabilita", "sannolikhet", "sandsynlighed", "sannsynlighet",
                    "todennakoisyys", "prawdopodobieństwo",
                    "waarschijnlijkheid", "wahrscheinlichkeit", "probabilite", "probabilidad",
                    "probabilidade", "вероятность", "可能性", "赢率", "確度", "확률",
                    "confidence"),  # Nutshell, Close
    "pipeline": ("pipeline", "dealpipeline", "pipelinename", "salespipeline", "categoryid",
                 "recordtypename", "recordtype", "funnel", "trechter", "pijplijn", "воронка", "направление",
                 "销售漏斗",
                 "パイプライン", "파이프라인"),
    "name": ("opportunityname", "dealname", "name", "dealtitle", "title", "topic", "potentialname",
             "naamopportunity", "opportunityname", "название", "названиесделки", "名称",
             "nomdelatransaction", "nombredelnegocio", "nombredetrato", "nomedonegocio", "nometrattativa",
             "nomedellatrattativa", "dealnaam", "titel", "titre", "titolo", "titulo",
             "商談名", "取引名", "거래명",
             # Salesforce in French, Spanish, Italian, Portuguese; HubSpot and Pipedrive in
             # Swedish, Norwegian, Danish, Finnish, Polish
             "nomdelopportunite", "nombredelaoportunidad", "nomeopportunita",
             "nomedaoportunidade", "affarensnamn", "affarsnamn", "avtalenavn", "aftalenavn",
             "kaupannimi", "nazwadeala", "nazwatransakcji", "tytuł", "tittel", "otsikko",
             "anlasmaadi"),
}
# labels that mean won or lost, in the languages CRM users write them (accents are kept:
# matched against the label as written, case-insensitively); Bitrix24 ids end in :WON / :LOSE
WON_WORDS = re.compile(
    r"\b(won|win|closed ?won|signed|gewonnen|gagn[ée]e?|ganad[ao]|ganhou|ganho|vint[ao]|успешн\w*|"
    r"выиграна?|заключена|vunnen|vunnet|vundet|voitettu|wygran[aey]|kazan[ıi]ld[ıi])\b|赢单|贏單|成交|赢得|贏得|受注|成約|成立|수주|성공",
    re.IGNORECASE,
)
LOST_WORDS = re.compile(
    r"\b(lost|lose|closed ?lost|dead|disqualified|abandoned|apology|failed|failure|verloren|perdu[es]*|"
    r"perdid[ao]s?|descartad[ao]s?|perdeu|perdido|pers[ao]|gescheitert|провален\w*|проигран\w*|"
    r"отказ\w*|förlorad|förlorat|tapt|tabt|hävitty|hävinnyt|przegran[aey]|utracon[aey]|"
    r"kaybedildi)\b|失败|失敗|丢单|丟單|输单|輸單|失注|不成立|成約に至らず|見送り|실주|실패",
    re.IGNORECASE,
)

# the words of a true or false flag (IsWon, IsClosed, IsDeleted, Odoo's active), lower
# case, as CRMs write them and as Excel re-saves TRUE/FALSE in its language
TRUE_WORDS = ("true", "1", "yes", "y", "t", "wahr", "ja", "j", "vrai", "oui", "verdadero",
              "sí", "si", "vero", "verdadeiro", "sim", "waar", "да", "是",
              # Excel's TRUE in Swedish, Danish, Norwegian, Finnish, Polish, Turkish
              "sant", "sand", "sann", "tosi", "prawda", "tak", "doğru", "evet")
FALSE_WORDS = ("false", "0", "no", "n", "f", "falsch", "nein", "faux", "non", "falso", "não",
               "nao", "onwaar", "nee", "нет", "否",
               "falskt", "falsk", "usann", "epätosi", "fałsz", "nie", "nej", "ei", "yanlış",
               "hayır")


# ISO 4217 codes in use: a header may name the currency of its amounts with one
# ("Amount (EUR)", "Betrag in CHF", "Value USD")
CURRENCY_CODES = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWL""".split())
# the symbols one currency only writes (as queries/load/load_macros.sql currency_of_symbol)
CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "₹": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY",
                    "₪": "ILS", "₴": "UAH", "zł": "PLN", "kč": "CZK", "r$": "BRL",
                    "us$": "USD", "a$": "AUD", "c$": "CAD", "nz$": "NZD", "hk$": "HKD",
                    "s$": "SGD", "nt$": "TWD"}
# "Amount (EUR)", "Betrag [€]", "Value in USD", "Montant en EUR", "Valor em BRL",
# "Amount - EUR", "Amount USD" (a bare code in capitals only)
_HEADER_CURRENCY = re.compile(
    r"^(?P<base>.*?[^\s(\[-])\s*(?:\(\s*(?P<paren>[^()]+?)\s*\)|\[\s*(?P<bracket>[^\[\]]+?)\s*\]"
    r"|\s+(?:in|en|em|-)\s+(?P<word>\S+)|\s+(?P<bare>[A-Z]{3}))\s*$",
    re.IGNORECASE,
)


def header_currency(name: str) -> tuple[str, str] | None:
    """(the header without it, the currency code) when a header ends with the currency
    of its values: `Amount (EUR)` -> ("Amount", "EUR"), `Betrag in €`, `Value USD`;
    None for any other header (`Amount (converted)`, `Probability (%)`)."""
    match = _HEADER_CURRENCY.match(name.strip())
    if match is None:
        return None
    if match.group("bare") is not None:
        code = match.group("bare")
        if code != code.upper():
            return None
    else:
        code = match.group("paren") or match.group("bracket") or match.group("word")
    found = CURRENCY_SYMBOLS.get(code.lower()) or (code.upper() if code.upper() in CURRENCY_CODES
                                                   and code.isalpha() and len(code) == 3 else None)
    return (match.group("base"), found) if found else None


def sql_words(words: tuple[str, ...]) -> str:
    """The words as an SQL list literal: ('true', '1', ...) (constants, no user value)."""
    return "(" + ", ".join("'" + word.replace("'", "''") + "'" for word in words) + ")"


API_SUFFIX = re.compile(r"__(c|s|r|pc|x)$")  # Salesforce / Zoho custom-field suffixes
# Dynamics 365's "Export to Excel" opens with hidden columns "(Do Not Modify) Opportunity"
# (the record's GUID), "(Do Not Modify) Row Checksum" and "(Do Not Modify) Modified On"
DO_NOT_MODIFY = re.compile(r"^\((do not modify|ne pas modifier|nicht [aä]ndern|no modificar|"
                           r"niet wijzigen)\)\s*")
# its checksum and modified-on columns in those languages: no field
DO_NOT_MODIFY_OTHERS = ("rowchecksum", "modifiedon", "sommedecontroledelaligne", "modifiele",
                        "zeilenprufsumme", "geandertam", "sumadecomprobaciondefila",
                        "fechademodificacion", "rijcontrolesom", "gewijzigdop")
# Pipedrive names each column of a deals export by its entity, in the user's language:
# "Deal - Value", "Deal - Wert", "Affaire - Valeur", "Trato - Valor", "Negócio - Valor",
# "Affär - Värde" (Swedish), "Avtale - Verdi", "Aftale - Værdi", "Kauppa - Arvo"
DEAL_PREFIX = re.compile(r"^(deal|affaire|trato|neg[oó]cio|trattativa|сделка|affär|avtale|aftale|"
                         r"kauppa|transakcja|anlaşma)\s+-\s+(?=\S)")


def normalise(name: str) -> str:
    """A header as SYNONYMS spells it: lower case, accents dropped, letters and digits only
    (any script); `StageName__c` -> stagename, `Owner__name` -> ownername, `Account_Name__name`
    -> accountname, `Owner__id` -> ownerid; Pipedrive's `Deal - Wert` (`Affaire - Valeur`,
    `Trato - Valor`, ...) -> wert."""
    text = API_SUFFIX.sub("", name.strip().lower())
    text = DEAL_PREFIX.sub("", text)
    if DO_NOT_MODIFY.match(text):  # the entity's own column is its id; the others no field
        rest = _squash(DO_NOT_MODIFY.sub("", text))
        return "donotmodify" + rest if rest in DO_NOT_MODIFY_OTHERS else rest + "id"
    base, _, suffix = text.rpartition("__")
    if base and suffix in ("name", "id"):
        text = base if _squash(base).endswith(suffix) else base + suffix
    return _squash(text)


def _squash(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[\W_]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


SYNONYMS = {name: tuple(dict.fromkeys(normalise(s) for s in spellings))
            for name, spellings in SYNONYMS.items()}
