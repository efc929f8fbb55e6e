-- Scalar macros the loader uses to parse text values. A value that cannot be
-- parsed becomes null; the staging SQL turns a non-blank value that parsed to
-- null into a reject with a reason.

-- A cell without the spaces around it, as trim(x) gives it (which strips every
-- Unicode space separator, no-break spaces too): a cell that starts and ends with a
-- printable ASCII character has none, and is taken as it is. The staging scripts
-- trim every cell of every row, and most need nothing: a third of trim's cost.
create or replace temp macro trim_spaces(x) as
    case when ord(x) between 33 and 126 and ord(x[-1]) between 33 and 126 then x else trim(x) end;

-- The date order of slash dates (03/04/2026) in the file being loaded: the
-- loader sets it per file (mdy or dmy) before parsing. A variable, not a table:
-- it is a constant when a statement is planned (a scalar subquery in every
-- parse_timestamp made planning the staging SQL cost 0.1 s per file).
set variable salesfunnel_date_order = 'mdy';

-- The config's [currency]: the report currency (null: amounts are kept as
-- loaded) and the rates into it; the loader fills them from the config.
create or replace temp table currency_settings as select null::varchar as report;
create or replace temp table currency_rates (currency varchar, rate double);

-- The words CRMs write in a status column, lower-cased, and the status each means
-- (Copper's Abandoned is lost, Dynamics' "In Progress" open, ...): a status cell is
-- read through this table; a word not in it is an unknown status (a reject). init
-- maps a status column whose every value is here.
create or replace temp table status_words as
select * from (values
    ('open', 'open'), ('won', 'won'), ('lost', 'lost'),
    ('opened', 'open'), ('active', 'open'), ('in progress', 'open'), ('pending', 'open'),
    ('on hold', 'open'), ('suspended', 'open'), ('offen', 'open'), ('ouvert', 'open'), ('ouverte', 'open'),
    ('en cours', 'open'), ('abierto', 'open'), ('abierta', 'open'), ('aberto', 'open'),
    ('aberta', 'open'), ('open (in behandeling)', 'open'), ('lopend', 'open'),
    ('aperto', 'open'), ('aperta', 'open'), ('in corso', 'open'),
    ('открыта', 'open'), ('открыт', 'open'), ('в работе', 'open'), ('进行中', 'open'),
    ('closed won', 'won'), ('closed - won', 'won'), ('win', 'won'), ('gewonnen', 'won'),
    ('gagné', 'won'), ('gagnée', 'won'), ('ganado', 'won'), ('ganada', 'won'),
    ('ganho', 'won'), ('vinto', 'won'), ('vinta', 'won'), ('успешно', 'won'), ('выиграна', 'won'), ('赢单', 'won'),
    ('closed lost', 'lost'), ('closed - lost', 'lost'), ('abandoned', 'lost'),
    ('dead', 'lost'), ('canceled', 'lost'), ('cancelled', 'lost'), ('verloren', 'lost'),
    ('perdu', 'lost'), ('perdue', 'lost'), ('perdido', 'lost'), ('perdida', 'lost'),
    ('perso', 'lost'), ('persa', 'lost'),
    ('проиграна', 'lost'), ('провалена', 'lost'), ('丢单', 'lost'), ('输单', 'lost'),
    -- Swedish, Norwegian, Danish, Finnish, Polish, Turkish; Japanese and Korean
    ('öppen', 'open'), ('öppet', 'open'), ('åpen', 'open'), ('åben', 'open'), ('avoin', 'open'),
    ('otwarty', 'open'), ('otwarta', 'open'), ('açık', 'open'), ('進行中', 'open'),
    ('商談中', 'open'), ('진행중', 'open'), ('진행 중', 'open'),
    ('vunnen', 'won'), ('vunnet', 'won'), ('vundet', 'won'), ('voitettu', 'won'),
    ('wygrany', 'won'), ('wygrana', 'won'), ('kazanıldı', 'won'), ('受注', 'won'),
    ('成約', 'won'), ('수주', 'won'),
    ('förlorad', 'lost'), ('förlorat', 'lost'), ('tapt', 'lost'), ('tabt', 'lost'),
    ('hävitty', 'lost'), ('przegrany', 'lost'), ('przegrana', 'lost'),
    ('utracony', 'lost'), ('kaybedildi', 'lost'), ('失注', 'lost'), ('실주', 'lost')
) as words(word, status);

-- MM/DD/YYYY or DD/MM/YYYY (order 'mdy' or 'dmy'), with an optional time
-- (24-hour, or 12-hour with AM/PM). A two-digit year (02/03/24, as Excel re-saves
-- it) reads with the POSIX pivot: 00-68 are 2000-2068, 69-99 are 1969-1999.
create or replace temp macro parse_slash_date(x, date_order) as
    case
        when regexp_matches(x, '^\d{1,2}/\d{1,2}/\d{2}(\D|$)') then
            case date_order
                when 'dmy' then try_strptime(x, ['%d/%m/%y', '%d/%m/%y %H:%M', '%d/%m/%y %H:%M:%S',
                                                 '%d/%m/%y %I:%M %p', '%d/%m/%y %I:%M:%S %p'])
                else try_strptime(x, ['%m/%d/%y', '%m/%d/%y %H:%M', '%m/%d/%y %H:%M:%S',
                                      '%m/%d/%y %I:%M %p', '%m/%d/%y %I:%M:%S %p'])
            end
        when date_order = 'dmy' then try_strptime(x, ['%d/%m/%Y', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S',
                                              '%d/%m/%Y %I:%M %p', '%d/%m/%Y %I:%M:%S %p'])
        else try_strptime(x, ['%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S',
                              '%m/%d/%Y %I:%M %p', '%m/%d/%Y %I:%M:%S %p'])
    end;

-- Dates with a month name, as Zoho, Excel and report exports write them:
-- 15 Apr, 2021 00:02:00; Apr 15, 2021; 15-Apr-2021; April 15, 2021 3:04 PM; Excel's
-- d-mmm-yy 4-Mar-26 (its two-digit year with the POSIX pivot, as slash dates: %y is
-- tried before %Y, which would read 26 as the year 26).
-- A date with a month name in English, German, French, Spanish, Portuguese, Italian
-- or Dutch, its month word (with or without its dot) and the connector `de` rewritten
-- as the English abbreviation: 3. Okt. 2026, 03 oct. 2026, 3 de octubre de 2026,
-- 3 mars 2026, 15 déc. 2026, 2-mrt-2026 (Dutch Excel's d-mmm-jjjj) -> 3 oct 2026. One map look-up per word: a small
-- statement to plan (the staging SQL inlines this macro in every date check).
create or replace temp macro english_months(x) as
    array_to_string(list_transform(
        regexp_extract_all(regexp_replace(lower(x), '(\d)\.(\s)', '\1\2', 'g'),
                           '\p{L}+\.?|[^\p{L}]+'),
        lambda t: coalesce(map {
        'jan': 'jan', 'janv': 'jan', 'januar': 'jan', 'janvier': 'jan', 'january': 'jan',
        'janeiro': 'jan', 'gennaio': 'jan', 'enero': 'jan', 'ene': 'jan', 'gen': 'jan',
        'jän': 'jan', 'jänner': 'jan', 'januari': 'jan', 'feb': 'feb', 'febr': 'feb', 'februar': 'feb',
        'févr': 'feb', 'février': 'feb', 'february': 'feb', 'fevereiro': 'feb', 'fev': 'feb',
        'febbraio': 'feb', 'febrero': 'feb', 'februari': 'feb', 'mar': 'mar', 'mär': 'mar', 'märz': 'mar',
        'mrz': 'mar', 'mars': 'mar', 'march': 'mar', 'marzo': 'mar', 'março': 'mar',
        'maart': 'mar', 'mrt': 'mar',
        'apr': 'apr', 'april': 'apr', 'avr': 'apr', 'avril': 'apr', 'abr': 'apr',
        'abril': 'apr', 'aprile': 'apr', 'may': 'may', 'mai': 'may', 'mayo': 'may',
        'maio': 'may', 'maggio': 'may', 'mag': 'may', 'mei': 'may', 'jun': 'jun', 'juni': 'jun',
        'juin': 'jun', 'june': 'jun', 'junio': 'jun', 'junho': 'jun', 'giugno': 'jun',
        'giu': 'jun', 'jul': 'jul', 'juli': 'jul', 'juil': 'jul', 'juillet': 'jul',
        'july': 'jul', 'julio': 'jul', 'julho': 'jul', 'luglio': 'jul', 'lug': 'jul',
        'aug': 'aug', 'august': 'aug', 'augustus': 'aug', 'août': 'aug', 'aout': 'aug', 'ago': 'aug',
        'agosto': 'aug', 'sep': 'sep', 'sept': 'sep', 'september': 'sep', 'septembre': 'sep',
        'septiembre': 'sep', 'setiembre': 'sep', 'set': 'sep', 'setembro': 'sep', 'settembre': 'sep',
        'oct': 'oct', 'okt': 'oct', 'oktober': 'oct', 'octobre': 'oct', 'october': 'oct',
        'octubre': 'oct', 'out': 'oct', 'outubro': 'oct', 'ott': 'oct', 'ottobre': 'oct',
        'nov': 'nov', 'november': 'nov', 'novembre': 'nov', 'noviembre': 'nov', 'novembro': 'nov',
        'dec': 'dec', 'dez': 'dec', 'dezember': 'dec', 'déc': 'dec', 'décembre': 'dec',
        'december': 'dec', 'dic': 'dec', 'diciembre': 'dec', 'dezembro': 'dec', 'dicembre': 'dec',
        'de': ''
        }[rtrim(t, '.')], t)), '');

create or replace temp macro english_month_date(x) as
    try_strptime(trim(regexp_replace(x, '\s+', ' ', 'g')), [
        '%d %b, %Y %H:%M:%S', '%d %b, %Y %H:%M', '%d %b, %Y', '%d %b %Y %H:%M:%S',
        '%d %b %Y %H:%M', '%d %b %Y', '%d %B %Y', '%d %B, %Y', '%b %d, %Y %I:%M:%S %p',
        '%b %d, %Y %I:%M %p', '%b %d, %Y %H:%M:%S', '%b %d, %Y %H:%M', '%b %d, %Y', '%b %d %Y',
        '%B %d, %Y %I:%M %p', '%B %d, %Y', '%B %d %Y', '%d-%b-%y', '%d-%b-%Y %H:%M:%S',
        '%d-%b-%Y %H:%M', '%d-%b-%Y', '%d-%B-%Y', '%d %b %Y %I:%M %p', '%d %b, %Y %I:%M %p',
        '%d-%b-%Y %I:%M %p', '%d-%b-%Y %I:%M:%S %p', '%d %b %Y %I:%M:%S %p',
        '%a %b %d %Y', '%a, %d %b %Y %H:%M:%S', '%A, %B %d, %Y', '%A, %b %d, %Y'
    ]);

create or replace temp macro parse_month_name_date(x) as
    english_month_date(english_months(x));

-- Year-first dates as Chinese, Japanese and Korean exports write them: 2026年10月3日
-- (and 2026年10月3日 14:05), 2026. 10. 3. (and 2026. 10. 3. 14:05): rewritten as
-- 2026-10-3 and read with the ISO patterns.
create or replace temp macro parse_cjk_date(x) as
    try_strptime(
        trim(regexp_replace(regexp_replace(x,
            '^(\d{4})\.\s(\d{1,2})\.\s(\d{1,2})\.?', '\1-\2-\3 '),
            '^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日', '\1-\2-\3 ')),
        ['%Y-%m-%d', '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S']);

-- A datetime ending in Z or a UTC offset (+01, -05, +0530, +05:30), or in the
-- zone name UTC or GMT, which must be converted to UTC.
create or replace temp macro has_utc_offset(x) as
    length(x) > 13 and (
        x[-1] in ('Z', 'z')
        or x[-3] in ('+', '-') or x[-5] in ('+', '-') or x[-6] in ('+', '-')
        or upper(x[-3:]) in ('UTC', 'GMT')
    );

-- A datetime ending in a time-zone name other than UTC or GMT (EST, CET, ...):
-- such abbreviations are ambiguous, so the value is rejected, never read as UTC.
create or replace temp macro has_zone_name(x) as
    length(x) > 13 and lower(x[-1]) between 'a' and 'z' and not has_utc_offset(x)
    and regexp_full_match(
        x, '\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*[A-Za-z][A-Za-z/_+-]*'
    );

-- The two shapes nearly every export writes (2026-03-04 and 2026-03-04 13:05:09):
-- the fast path of parse_timestamp reads them with one cast, which gives exactly
-- what its ISO branch gives them (no offset or zone can follow). With
-- SALESFUNNEL_LOAD_CHECKED set, load/checking_path_only.sql redefines it as false,
-- so that the tests can compare both ways.
create or replace temp macro plain_iso_timestamp(x) as
    regexp_full_match(x, '\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?');

-- ISO dates and datetimes (T or space, optional fractional seconds, Z, UTC, GMT
-- or an offset +hh, +hhmm, +hh:mm, converted to UTC; another zone name is null); DD.MM.YYYY; YYYY/MM/DD;
-- 2026年10月3日 and 2026. 10. 3. (parse_cjk_date); and slash dates in
-- the file's date order (two-digit years too); dates with a month name; Unix time in
-- milliseconds (13 digits) or seconds (10 digits). Impossible dates (2026-02-30) do not parse. The ISO
-- branch is tried first with plain casts: it is by far the most common.
create or replace temp macro parse_any_timestamp(x) as
    case
        when x is null then null
        when plain_iso_timestamp(x) then try_cast(x as timestamp)
        when x[5] = '-' and x[8] = '-' and regexp_full_match(x[1:10], '\d{4}-\d{2}-\d{2}') then
            case
                when length(x) = 10 then try_cast(x as date)::timestamp
                -- Ruby's and Go's `2026-10-03 14:00:00 +0200`: the space before the offset
                when has_utc_offset(x) then try_cast(
                    regexp_replace(x, '\s+([+-]\d{2}(:?\d{2})?)$', '\1') as timestamptz)::timestamp
                when has_zone_name(x) then null
                else try_cast(x as timestamp)
            end
        when regexp_matches(x, '^\d{1,2}/\d{1,2}/(\d{4}|\d{2}(\D|$))')
            then parse_slash_date(x, getvariable('salesfunnel_date_order'))
        when regexp_matches(x, '^\d{1,2}\.\d{1,2}\.\d{4}')
            then try_strptime(x, ['%d.%m.%Y', '%d.%m.%Y %H:%M', '%d.%m.%Y %H:%M:%S'])
        when regexp_matches(x, '^\d{4}/\d{1,2}/\d{1,2}')
            then try_strptime(x, ['%Y/%m/%d', '%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S'])
        when regexp_matches(x, '^\d{4}-\d{1,2}-\d{1,2}(\D|$)')  -- 2026-10-3: unpadded ISO
            then try_strptime(x, ['%Y-%m-%d', '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S'])
        when regexp_matches(x, '^\d{4}(\s*年|\.\s\d{1,2}\.\s)') then parse_cjk_date(x)
        when regexp_matches(x, '\p{L}{3}') then parse_month_name_date(x)
        -- Unix time, UTC by definition, as API dumps write it (HubSpot's legacy API in
        -- milliseconds: 1735689600000; seconds: 1735689600): 13 or 10 digits, so no
        -- other number (an Excel serial 45292, a year, an amount) is read as one
        when regexp_full_match(x, '\d{13}') then make_timestamp(x::bigint * 1000)
        when regexp_full_match(x, '\d{10}') then make_timestamp(x::bigint * 1000000)
        else null
    end;

-- Amounts: 1200, 1200.5, -3, 1e6, 1,200.50, 1.200,50, 1200,50, 1'234.50 (Swiss),
-- 1,23,456.00 (Indian grouping), with spaces (also no-break and narrow no-break, as
-- French thousands), apostrophes, currency symbols (any, $ € £ ¥ ₹ ₽ ...) and codes
-- (USD, SEK, R$, kr, zł ...) around or inside removed. (500,00) and 500- are -500:
-- negative, so rejected as such, never as unparseable.
--
-- The amount macros bind their argument once, as the lambda's n or a over a one-item
-- list: a macro's argument is copied wherever its body names it, so the nesting below
-- copied amount_digits' expressions some 300 times, 0.1 s to plan each statement with
-- an amount and three times the work per row. (The date parser is left unbound: its
-- branches run slower inside a lambda, and its argument is a plain column.)
create or replace temp macro amount_digits(x) as
    regexp_replace(
        regexp_replace(x, '[\s\x{00A0}\x{2007}\x{2009}\x{202F}''’]', '', 'g'),
        '\p{Sc}|[A-Z]{3}|\b[A-Z]{1,2}\$|kr\.?|Kr\.?|zł|Kč|Ft|Rs\.?|lei|\.[-–]$', '', 'g');

create or replace temp macro signed_amount(s) as
    list_transform([s], lambda n:
        case
            when starts_with(n, '(') and regexp_full_match(n, '\([\d.,]+\)') then '-' || n[2:-2]
            when ends_with(n, '-') and regexp_full_match(n, '[\d.,]+-') then '-' || n[:-2]
            else n
        end
    )[1];

-- The decimal mark of the file being loaded ('.' or ','; the loader sets it per file,
-- parsing.py choose_decimal_mark): with ',' a dot groups thousands (12.000 is twelve
-- thousand, 1,5 is one and a half); with '.' (also when unset) 1.234 is a decimal and
-- a comma followed by three digits groups thousands. A value with both marks takes
-- the last one as its decimal mark either way.
set variable salesfunnel_decimal_mark = '.';

create or replace temp macro parse_amount_text(s) as
    list_transform([s], lambda n:
        case
            when coalesce(getvariable('salesfunnel_decimal_mark'), '.') = ',' then
                case
                    when regexp_full_match(n, '[+-]?\d{1,3}(\.\d{3})+(,\d+)?')
                        then try_cast(replace(replace(n, '.', ''), ',', '.') as double)
                    when regexp_full_match(n, '[+-]?\d+,\d+') then try_cast(replace(n, ',', '.') as double)
                    when regexp_full_match(n, '[+-]?\d+(\.\d+)?([eE][+-]?\d+)?') then try_cast(n as double)
                    when regexp_full_match(n, '[+-]?\d{1,3}(,\d{3})+\.\d+')
                        then try_cast(replace(n, ',', '') as double)
                    when regexp_full_match(n, '[+-]?,\d+') then try_cast(replace(n, ',', '.') as double)
                    else null
                end
            when regexp_full_match(n, '[+-]?\d+(\.\d+)?([eE][+-]?\d+)?') then try_cast(n as double)
            when regexp_full_match(n, '[+-]?\d{1,3}(,\d{3})+(\.\d+)?')
                then try_cast(replace(n, ',', '') as double)
            when regexp_full_match(n, '[+-]?\d{1,2}(,\d{2})*,\d{3}(\.\d+)?')
                then try_cast(replace(n, ',', '') as double)
            when regexp_full_match(n, '[+-]?\d{1,3}(\.\d{3})+(,\d+)?')
                then try_cast(replace(replace(n, '.', ''), ',', '.') as double)
            when regexp_full_match(n, '[+-]?\d+,\d+') then try_cast(replace(n, ',', '.') as double)
            when regexp_full_match(n, '[+-]?\.\d+') then try_cast(n as double)
            else null
        end
    )[1];

-- Excel's accounting format writes zero as a dash beside the currency: `$ -`, `€ -`,
-- `- kr`, `USD -`. That is 0; a bare `-` says no currency and no zero: unparseable.
create or replace temp macro accounting_zero(x) as
    regexp_full_match(x, '\s*(\p{Sc}|[A-Z]{3}|kr)\s*[-–]+\s*|\s*[-–]+\s*(\p{Sc}|[A-Z]{3}|kr)\s*');

create or replace temp macro parse_any_amount(x) as
    list_transform([x], lambda a:
        case
            when a is null then null
            when (contains(a, '-') or contains(a, '–')) and accounting_zero(a) then 0
            when getvariable('salesfunnel_decimal_mark') = ','
                then parse_amount_text(signed_amount(amount_digits(a)))
            else coalesce(try_cast(a as double), parse_amount_text(signed_amount(amount_digits(a))))
        end
    )[1];

-- The code of a currency symbol that one currency only writes (€ EUR, £ GBP, ₹ INR,
-- R$ BRL, A$ AUD, zł PLN, ...) found in x; null for none and for the symbols several
-- currencies write ($, ¥, kr): never guessed.
create or replace temp macro currency_of_symbol(x) as
    case
        when contains(x, 'US$') then 'USD' when contains(x, 'NZ$') then 'NZD'
        when contains(x, 'HK$') then 'HKD' when contains(x, 'NT$') then 'TWD'
        when contains(x, 'R$') then 'BRL'
        when contains(x, 'A$') then 'AUD' when contains(x, 'C$') then 'CAD'
        when contains(x, 'S$') then 'SGD' when contains(x, '€') then 'EUR'
        when contains(x, '£') then 'GBP' when contains(x, '₹') then 'INR'
        when contains(x, '₽') then 'RUB' when contains(x, '₩') then 'KRW'
        when contains(x, '₺') then 'TRY' when contains(x, '₪') then 'ILS'
        when contains(x, '₴') then 'UAH' when contains(x, 'zł') then 'PLN'
        when contains(x, 'Kč') then 'CZK' when contains(x, 'Ft') then 'HUF'
    end;

-- The currency an amount's own text names, for a file without a currency column:
-- a three-letter code (USD 1,234.00, 99 EUR) or a one-currency symbol; null for a
-- plain number and for $, ¥ and kr.
create or replace temp macro amount_currency(x) as
    case
        -- digits, separators, signs and $ only (1200, $1,200.50): no currency named
        when x is null or not regexp_matches(x, '[^\d\s.,''’()+\-$]') or not regexp_matches(x, '\d')
            then null
        else coalesce(
            nullif(regexp_extract(x, '(^|[^A-Za-z])([A-Z]{3})([^A-Za-z]|$)', 2), ''),
            currency_of_symbol(x))
    end;

-- A currency cell: its code in capitals (eur is EUR), or the code of a one-currency
-- symbol written there instead (€, £, R$); anything else as written (the staging
-- rejects it: $ is several currencies).
-- The ISO 4217 code of a currency written by its name, as Creatio and Dynamics 365
-- export a currency lookup ("US dollar", "Euro", "Pound Sterling"), also in a few other
-- languages; null for any other text (never guessed from a part of it).
create or replace temp macro currency_of_name(x) as
    case
        when lower(x) in ('us dollar', 'us dollars', 'u.s. dollar', 'united states dollar',
                'dollar us', 'dollar américain', 'us-dollar', 'dólar estadounidense',
                'dólar americano', 'dollaro statunitense', 'amerikansk dollar',
                'dolar amerykański', 'доллар сша') then 'USD'
        when lower(x) in ('euro', 'euros') then 'EUR'
        when lower(x) in ('pound sterling', 'british pound', 'british pound sterling',
                'uk pound', 'livre sterling', 'pfund sterling', 'britisches pfund',
                'libra esterlina') then 'GBP'
        when lower(x) in ('japanese yen', 'yen japonais', 'japanischer yen') then 'JPY'
        when lower(x) in ('chinese yuan', 'yuan renminbi', 'chinese yuan renminbi', 'renminbi') then 'CNY'
        when lower(x) in ('swiss franc', 'franc suisse', 'schweizer franken') then 'CHF'
        when lower(x) in ('canadian dollar', 'dollar canadien', 'kanadischer dollar') then 'CAD'
        when lower(x) in ('australian dollar', 'dollar australien', 'australischer dollar') then 'AUD'
        when lower(x) in ('new zealand dollar') then 'NZD'
        when lower(x) in ('indian rupee', 'roupie indienne') then 'INR'
        when lower(x) in ('russian ruble', 'russian rouble', 'ruble', 'rouble',
                'российский рубль', 'рубль') then 'RUB'
        when lower(x) in ('brazilian real', 'real brasileiro') then 'BRL'
        when lower(x) in ('mexican peso', 'peso mexicano') then 'MXN'
        when lower(x) in ('swedish krona', 'svensk krona') then 'SEK'
        when lower(x) in ('norwegian krone', 'norsk krone') then 'NOK'
        when lower(x) in ('danish krone', 'dansk krone') then 'DKK'
        when lower(x) in ('polish zloty', 'polish złoty', 'złoty', 'zloty') then 'PLN'
        when lower(x) in ('czech koruna') then 'CZK'
        when lower(x) in ('hungarian forint', 'forint') then 'HUF'
        when lower(x) in ('south african rand') then 'ZAR'
        when lower(x) in ('singapore dollar') then 'SGD'
        when lower(x) in ('hong kong dollar') then 'HKD'
        when lower(x) in ('south korean won', 'korean won') then 'KRW'
        when lower(x) in ('turkish lira') then 'TRY'
        when lower(x) in ('ukrainian hryvnia', 'hryvnia', 'гривня') then 'UAH'
        when lower(x) in ('uae dirham', 'united arab emirates dirham') then 'AED'
        when lower(x) in ('israeli new shekel', 'israeli shekel') then 'ILS'
    end;

create or replace temp macro currency_cell(x) as
    case
        when x is null then null
        when regexp_full_match(x, '[A-Za-z]{3}') then upper(x)
        else coalesce(currency_of_symbol(x), currency_of_name(x), upper(x))
    end;

-- What an amount's text says of the decimal mark (after amount_digits): 'comma' for
-- 1,5 / 1200,50 / 1.234,56 / 1.234.567 (a comma decimal, or dots that group thousands),
-- 'point' for 1.5 / 1200.50 / 1,234.56 / 1,234,567, 'thousands dot' for 1.234 or 12.000
-- (either: a dot then exactly three digits), null for the rest (1200, 1,234: a comma
-- then three digits is read as thousands whatever the mark).
create or replace temp macro amount_mark_evidence(s) as
    case
        when regexp_full_match(s, '[+-]?(\d+,(\d{1,2}|\d{4,})|\d{1,3}(\.\d{3})+,\d+|\d{1,3}(\.\d{3}){2,})')
            then 'comma'
        when regexp_full_match(s, '[+-]?(\d+\.(\d{1,2}|\d{4,})|\d{1,3}(,\d{3})+\.\d+|\d{1,3}(,\d{3}){2,})')
            then 'point'
        when regexp_full_match(s, '[+-]?\d{1,3}\.\d{3}') then 'thousands dot'
    end;

-- An amount that parse_any_amount reads with its first cast (1200, -3.5, 1e6); with
-- SALESFUNNEL_LOAD_CHECKED, load/checking_path_only.sql redefines it as false.
create or replace temp macro plain_amount(x) as try_cast(x as double) is not null;

-- What the staging SQL calls. The loader redefines these three per file
-- (records.py, use_plain_parsers): when every date value of the file is one of the
-- two plain ISO shapes, parse_timestamp is the one cast parse_any_timestamp gives
-- them and date_zone_name is false (no zone can follow); when every amount is
-- plain, parse_amount is its cast. Same values, a far smaller statement to plan.
create or replace temp macro parse_timestamp(x) as parse_any_timestamp(x);
create or replace temp macro parse_amount(x) as parse_any_amount(x);
create or replace temp macro date_zone_name(x) as has_zone_name(x);

-- A date is plausible between 1900 and 2199; outside it is a typo or an
-- epoch-zero placeholder.
create or replace temp macro plausible_timestamp(t) as
    t is null or (t >= timestamp '1900-01-01' and t < timestamp '2200-01-01');

-- One reject record, or null when the check passes.
create or replace temp macro problem(failed, column_name, value, reason) as
    case when failed then {'column_name': column_name, 'value': left(value, 500), 'reason': reason} end;

-- The reject record of a date value (its text and what it parsed to), or null.
create or replace temp macro date_problem(text, parsed, column_name) as
    coalesce(
        problem(
            text is not null and parsed is null and date_zone_name(text), column_name, text,
            'time zone name not understood (give a UTC offset such as -05:00)'
        ),
        problem(text is not null and parsed is null, column_name, text, 'unparseable date'),
        problem(not plausible_timestamp(parsed), column_name, text, 'date outside 1900-2199')
    );

-- The reject record of an amount value, or null: one reason per value, the first
-- that applies of unparseable, out of range (not finite, or 10^15 and more), negative.
create or replace temp macro amount_problem(text, parsed, column_name) as
    coalesce(
        problem(text is not null and parsed is null, column_name, text, 'unparseable amount'),
        problem(
            parsed is not null and (not isfinite(parsed) or abs(parsed) >= 1e15), column_name,
            text, 'amount out of range'
        ),
        problem(parsed < 0, column_name, text, 'negative amount')
    );

-- An amount in the report currency (the config's [currency]): as loaded without a
-- report currency or when it is in it; else one unit of its currency is `rate`
-- report-currency units, and without a rate for it the amount is unknown (null).
create or replace temp macro in_report_currency(amount, currency, report_currency, rate) as
    case
        when report_currency is null or currency = report_currency then amount
        else amount * rate
    end;

-- The reject record of a currency (a currency cell, or the code or symbol an amount is
-- written with), or null: a code is three letters; a symbol several currencies write
-- ($, ¥, kr) is never guessed.
create or replace temp macro currency_problem(currency) as
    problem(
        currency is not null and not regexp_full_match(currency, '[A-Z]{3}'),
        'currency', currency,
        case
            when regexp_matches(currency, '\p{Sc}|^KR$')
                then 'a currency symbol several currencies write ($: USD, CAD, AUD, ...; '
                    || '¥: JPY, CNY; kr: SEK, NOK, DKK): write the code'
            else 'unknown currency code (expected e.g. USD, EUR)'
        end
    );
