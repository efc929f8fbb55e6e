"""Bad-input corpus: the cases whose exact bytes matter (BOM, NUL, broken UTF-8, legacy
encodings, mixed line breaks) and the big or binary ones (1 MB fields, 10,000 columns,
xlsx, gzip, xls) are written here at test time rather than committed.

`generate(folder)` writes them all under `folder` and returns nothing; the manifest
names them as `gen/<name>`. Run `python tests/corpus/generate.py DIR` to look at them.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zipfile
from pathlib import Path

MB = 1024 * 1024


def _deals(*rows: str, header: str = "deal_id,rep,stage", newline: str = "\n") -> bytes:
    return newline.join([header, *rows, ""]).encode("utf-8")


def _xlsx() -> bytes:
    """A minimal workbook: a zip with the parts Excel writes first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buffer.getvalue()


# name -> bytes; offsets in the manifest's messages follow from these exact bytes
def _files() -> dict[str, bytes]:
    long_value = "x" * MB
    wide_header = ",".join(["deal_id", "rep", "stage"] + [f"extra_{i}" for i in range(9997)])
    wide_rows = [
        ",".join([f"WD-{r}", "ann", "lead"] + [str(i % 10) for i in range(9997)]) for r in range(1, 4)
    ]
    filler = "".join(f"UL-{i},Jürgen Müller,lead\n" for i in range(1, 50_001))  # > 1 MB, UTF-8
    utf8_late = ("deal_id,rep,stage\n" + filler).encode("utf-8") + b"UL-X,M\xfcller,lead\n"
    return {
        "empty.csv": b"",
        "bom.csv": b"\xef\xbb\xbf" + _deals("BOM-1,J\u00fcrgen,lead", "BOM-2,ann,qualified"),
        "bom_crlf.csv": b"\xef\xbb\xbf" + _deals("BC-1,ann,lead", "BC-2,ann,lead", newline="\r\n"),
        "whitespace_only.csv": b"   \n\t\n  \r\n",
        "nul_head.csv": b"deal_id,rep,stage\nNH-1,a\x00nn,lead\n",
        "nul_header.csv": b"deal_id,r\x00ep,stage\nNX-1,ann,lead\n",
        # a NUL in an unused rich-text column past the first 4 KB (ignored, counted) and
        # one in a used column (the row is rejected)
        "nul_late.csv": b'deal_id,rep,stage,notes\nNL-1,ann,lead,"' + b"x" * 5000
        + b'"\nNL-2,ann,lead,rich\x00text\nNL-3,a\x00nn,lead,\n',
        "invalid_utf8_middle.csv": _deals("IU-1,J\u00fcrgen,lead") + b"IU-2,M\xfcller,lead\n",
        "invalid_utf8_late.csv": utf8_late,
        "cp1252.csv": "deal_id,rep,stage\nCP-1,J\u00fcrgen M\u00fcller,lead\n".encode("cp1252"),
        "utf16.csv": "deal_id\trep\tstage\r\nU16-1\tZo\u00eb\tlead\r\n".encode("utf-16"),
        # UTF-32 starts with the UTF-16 little-endian BOM (FF FE) followed by 00 00
        "utf32.csv": "deal_id,rep,stage\nU32-1,Zo\u00eb,lead\n".encode("utf-32"),
        # plain CSV whose names say compressed: read as the text they are
        "plain.csv.gz": _deals("GZN-1,ann,lead"),
        "plain.csv.zst": _deals("ZSN-1,ann,lead"),
        "mixed_newlines.csv": (
            b"deal_id,rep,stage\r\nMN-1,ann,lead\nMN-2,ann,lead\rMN-3,ann,nowhere\r\nMN-4,ann,lead\n"
        ),
        "crlf_then_lf.csv": b"deal_id,rep,stage\r\nCL-1,ann,lead\r\nCL-2,ann,lead\nCL-3,ann\n",
        "cr_only.csv": b"deal_id,rep,stage\rCR-1,ann,lead\rCR-2,ann,nowhere\rCR-3,ann,lead\r",
        "crlf_lf_in_field.csv": _deals('CF-1,"ann\nsmith",lead', "CF-2,ann,lead", newline="\r\n"),
        "long_field.csv": _deals(
            f"LF-1,ann,lost,{long_value}", f"LF-2,ann,{long_value},", "LF-3,ann,lead,",
            header="deal_id,rep,stage,lost_reason",
        ),
        "long_header.csv": _deals("LH-1,ann,lead,z", header="deal_id,rep,stage," + "y" * MB),
        "wide.csv": _deals(*wide_rows, header=wide_header),
        "xlsx_renamed.csv": _xlsx(),
        "gzip.csv": gzip.compress(_deals("GZ-1,ann,lead"), mtime=0),
        "xls_renamed.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "glob/deals[1].csv": _deals("GL-1,ann,lead"),
        "glob/deals1.csv": _deals("GL-9,eve,lead"),
        "no_csv_dir/notes.txt": b"deal_id,rep,stage\nNC-1,ann,lead\n",
        "no_csv_dir/export.xlsx": _xlsx(),
        "one_bad_in_folder/a_deals.csv": _deals("OB-1,ann,lead"),
        "one_bad_in_folder/b_deals.csv": gzip.compress(_deals("OB-2,ann,lead"), mtime=0),
        "unreadable.csv": _deals("UR-1,ann,lead"),
    }


def generate(folder: Path) -> None:
    for name, data in _files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.chmod(folder / "unreadable.csv", 0)


if __name__ == "__main__":
    generate(Path(sys.argv[1]))
