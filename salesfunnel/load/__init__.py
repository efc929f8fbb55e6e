"""Loading CRM exports: files in, canonical tables out, all or nothing.

- `orchestrate.py`: `load_paths`, one transaction per invocation (`outcome.py`: its
  options and reports); per-file
  bookkeeping, rejects, merges, the fact cache refresh.
- `discover.py`: the files a load reads (folders expanded).
- `sniff.py`: encoding, header, byte facts (NULs, line breaks); `preamble.py`: the
  delimiter, and the lines above the header (Excel's `sep=;`, a report's title).
- `layouts.py`, `presets.py`: CRM layouts and config mappings → a `FilePlan` per file;
  `choose.py` picks the layout of each file (the config's mapping first).
- `planning.py`: what is settled before writing: kinds asked for, plan checks, funnel,
  [currency].
- `records.py`: DuckDB reads the records as text, numbers their lines and
  projects them onto canonical fields; slash-date order. `footers.py`: a report's
  footer lines and totals row; `headerless.py`: files without a header row;
  `parsing.py`: slash-date order and the plain or checking parsers.
- `sheets.py`: Excel workbooks, each sheet read like a CSV file; `sheet_origin.py`:
  where its copy starts in the sheet (row and column numbers as Excel shows them).
- `snapshots.py`: the as-of of a deals export and its snapshot timeline.
- `infer.py`, `infer_funnel.py`, `stage_order.py`, `proposal.py`: `salesfunnel init` (a
  proposed config);
  `columns.py` summarises each column in one statement, `vocabulary.py` holds what CRMs
  call fields and stages (header spellings, won/lost words, standard stage lists).
- `sample.py`: the synthetic sample export.

The SQL of loading lives in queries/load/ (stage_<kind>.sql checks values, merge_<kind>.sql
writes the valid rows).
"""
